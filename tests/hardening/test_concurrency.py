"""Concurrent requests get exactly the answers sequential ones get.

The API reads photos in worker threads that share one Reader; TFLite interpreters are not
thread-safe, so each model serialises set_tensor/invoke/get_tensor behind its own lock. Here
many threads (and many concurrent HTTP requests through the ASGI app) read a mix of photos and
every answer must equal, to the last digit, the answer the same photo got alone. With the
locks replaced by no-ops both tests fail (answers of one photo come back with another's scores).
"""

from __future__ import annotations

import asyncio
import random
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import cv2
import httpx
import numpy as np
import pytest
from boardread import get_reader, read_board
from boardread_api import Settings, create_app

from tests.conftest import render_jpeg

THREADS = 8
ROUNDS = 3


def answer(body: dict[str, Any]) -> dict[str, Any]:
    """Everything in a reading except the timings (the only part allowed to differ)."""
    return {k: v for k, v in body.items() if k != "timings_ms"}


@pytest.fixture(scope="module")
def photos(board_png: bytes) -> list[bytes]:
    """Different boards and sizes, so the threads hold different tensors at the same time."""
    image = cv2.imdecode(np.frombuffer(board_png, np.uint8), cv2.IMREAD_COLOR)
    turned = cv2.imencode(".png", cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE))[1].tobytes()
    inverted = cv2.imencode(".jpg", 255 - image)[1].tobytes()
    return [render_jpeg(seed, long_side=side) for seed, side in ((1, 640), (2, 1200), (3, 1600),
                                                                 (4, 900))] + [
        board_png, turned, inverted]


def test_threads_sharing_one_reader_get_the_sequential_answers(photos: list[bytes]) -> None:
    reader = get_reader()
    expected = [answer(read_board(p, reader=reader, debug=True).to_dict()) for p in photos]
    jobs = [i for _ in range(ROUNDS) for i in range(len(photos))] * 2
    random.Random(7).shuffle(jobs)

    def work(i: int) -> tuple[int, dict[str, Any]]:
        return i, answer(read_board(photos[i], reader=reader, debug=True).to_dict())

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        results = list(pool.map(work, jobs))
    assert len(results) == len(jobs)
    for i, got in results:
        assert got == expected[i], i


def test_concurrent_http_requests_get_the_sequential_answers(photos: list[bytes],
                                                            clean_env: pytest.MonkeyPatch) -> None:
    app = create_app(Settings())

    async def run() -> tuple[list[dict[str, Any]], list[tuple[int, int, dict[str, Any]]]]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            async def post(i: int) -> tuple[int, int, dict[str, Any]]:
                response = await client.post("/predict", files={"file": ("p", photos[i])})
                return i, response.status_code, response.json()

            alone = [await post(i) for i in range(len(photos))]
            jobs = [i for _ in range(ROUNDS) for i in range(len(photos))]
            random.Random(11).shuffle(jobs)
            together = await asyncio.gather(*(post(i) for i in jobs))
        return [answer(body) for _, _, body in alone], together

    expected, together = asyncio.run(run())
    assert len(together) == ROUNDS * len(photos)
    for i, status, body in together:
        assert status == 200, body
        assert answer(body) == expected[i], i
