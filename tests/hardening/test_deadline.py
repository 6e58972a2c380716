"""The per-request deadline on reading a photo (boardread_api.deadline): a read that does not
end in time answers 400 invalid_image at once, in JSON, and says so in its log line."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pytest
from boardread import get_reader
from boardread_api import Settings, create_app
from boardread_api.deadline import LAMBDA_MARGIN_S, MIN_DEADLINE_S, deadline_for
from boardread_api.deps import app_reader
from boardread_api.logs import JsonFormatter
from fastapi.testclient import TestClient

from tests.api.contract import assert_error, assert_prediction
from tests.conftest import FakeContext


class StuckReader:
    """A reader whose inference blocks until released: stands in for a decode that never ends."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.finished = threading.Event()
        self.version = get_reader().version
        self.manifests = get_reader().manifests

    def read(self, image: np.ndarray) -> list[object]:
        self.release.wait(30)
        self.finished.set()
        return get_reader().read(image)


@pytest.fixture
def stuck() -> Iterator[StuckReader]:
    reader = StuckReader()
    yield reader
    reader.release.set()  # let the abandoned worker thread end


def client_with(reader: object, **fields: object) -> TestClient:
    app = create_app(Settings(**fields))  # type: ignore[arg-type]
    app.dependency_overrides[app_reader] = lambda: reader
    return TestClient(app)


def test_a_read_past_the_deadline_is_invalid_image(
        clean_env: pytest.MonkeyPatch, stuck: StuckReader, board_jpeg: bytes,
        access_log: list[logging.LogRecord]) -> None:
    with client_with(stuck, read_timeout_s=0.3) as client:
        started = time.perf_counter()
        response = client.post("/predict", content=board_jpeg,
                               headers={"content-type": "image/jpeg"})
        elapsed = time.perf_counter() - started
    assert elapsed < 2.0, elapsed
    assert response.headers["content-type"] == "application/json"
    assert_error(response.status_code, response.headers, response.json(), expected_status=400,
                 code="invalid_image")
    assert "0.3 s" in response.json()["error"]["message"]
    line = json.loads(JsonFormatter().format(access_log[-1]))
    assert line["status"] == 400 and line["error_code"] == "invalid_image"
    assert line["deadline_exceeded_s"] == 0.3
    assert not stuck.finished.is_set()  # answered while the read was still going
    stuck.release.set()
    assert stuck.finished.wait(5)


def test_the_server_answers_others_while_a_read_is_stuck(
        clean_env: pytest.MonkeyPatch, stuck: StuckReader, board_jpeg: bytes) -> None:
    with client_with(stuck, read_timeout_s=0.2) as client:
        for _ in range(3):  # three abandoned reads at once
            assert client.post("/predict", content=board_jpeg,
                               headers={"content-type": "image/jpeg"}).status_code == 400
        assert client.get("/health").status_code == 200
    with client_with(get_reader(), read_timeout_s=0.2) as client:
        response = client.post("/predict", content=board_jpeg,
                               headers={"content-type": "image/jpeg"})
        assert response.status_code == 200
        assert_prediction(response.json())


def test_the_setting_comes_from_the_environment(clean_env: pytest.MonkeyPatch) -> None:
    assert Settings().read_timeout_s == 6.0
    clean_env.setenv("BOARDREAD_READ_TIMEOUT_S", "2.5")
    assert Settings().read_timeout_s == 2.5


@dataclass
class Remaining(FakeContext):
    remaining_ms: int = 10_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@pytest.mark.parametrize(("remaining_ms", "expected"), [
    (None, 6.0),  # not on Lambda: the setting
    (10_000, 6.0),  # the template's 10 s timeout, a fresh invocation
    (4_000, 4.0 - LAMBDA_MARGIN_S),  # a slow S3 read used most of the invocation
    (500, MIN_DEADLINE_S),
])
def test_on_lambda_the_deadline_leaves_time_to_answer(remaining_ms: int | None,
                                                      expected: float) -> None:
    scope = {} if remaining_ms is None else {"aws.context": Remaining(remaining_ms=remaining_ms)}
    assert deadline_for(scope, 6.0) == pytest.approx(expected)


def test_the_template_timeout_is_above_the_deadline() -> None:
    from pathlib import Path

    from samtranslator.yaml_helper import yaml_parse

    template = yaml_parse((Path(__file__).resolve().parents[2] / "template.yaml").read_text())
    timeout = template["Globals"]["Function"]["Timeout"]
    assert Settings().read_timeout_s + LAMBDA_MARGIN_S < timeout
