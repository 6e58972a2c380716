"""Shared fixtures: a fake Lambda context, the events in events/, the API app, real photos and
moto's AWS."""

from __future__ import annotations

import base64
import importlib
import json
import logging
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import cv2
import numpy as np
import pytest
from boardread_api import Settings, create_app, get_settings
from boardread_api.settings import ENV_PREFIX
from fastapi import FastAPI
from fastapi.testclient import TestClient
from moto import mock_aws

from training.glyphs import GlyphSpec
from training.render import render_photo

REPO = Path(__file__).resolve().parents[1]
EVENTS_DIR = REPO / "events"
AWS_REGION = "eu-west-1"  # the region of the fake credentials, the events and the buckets
SEVEN = GlyphSpec("hershey", "digit", "7", "hershey:futura", "futural", "7")


FREED_BLOCK_PROBE = """
def rss_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
block = bytearray(3 << 20)  # zeroed: every page touched
held = rss_kb()
del block
print(held - rss_kb())
"""


def freed_block_given_back_kb(setup: str) -> int:
    """In a fresh process that first runs ``setup``: how much of a freed 3 MB block (a photo's
    arrays) glibc gave back to the system at once, in KB."""
    done = subprocess.run([sys.executable, "-c", setup + "\n" + FREED_BLOCK_PROBE],
                          capture_output=True, text=True, timeout=120, check=True)
    return int(done.stdout.strip().splitlines()[-1])


@dataclass
class FakeContext:
    """The parts of Lambda's context object that Mangum and our logs read."""

    function_name: str = "boardread-api"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 1769
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:boardread-api"
    aws_request_id: str = "6f1c2b9e-3d4a-4e5f-8a7b-9c0d1e2f3a4b"
    log_group_name: str = "/aws/lambda/boardread-api"
    log_stream_name: str = "2026/11/25/[$LATEST]0123456789abcdef0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def load_event(name: str) -> dict[str, Any]:
    """``events/<name>.json`` as Lambda would pass it to the handler."""
    event: dict[str, Any] = json.loads((EVENTS_DIR / f"{name}.json").read_text())
    return event


def event_names() -> list[str]:
    return sorted(p.stem for p in EVENTS_DIR.glob("*.json"))


def event_body(event: dict[str, Any]) -> bytes:
    body = event.get("body") or ""
    return base64.b64decode(body) if event.get("isBase64Encoded") else body.encode()


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """No BOARDREAD_* variable from the shell leaks into a test; get_settings() is re-read."""
    import os

    for name in list(os.environ):
        if name.startswith(ENV_PREFIX):
            monkeypatch.delenv(name)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


@pytest.fixture
def api_settings(clean_env: pytest.MonkeyPatch) -> Settings:
    """The defaults: packaged models, 8 MB bodies, no uploads bucket."""
    return Settings()


@pytest.fixture
def make_client(clean_env: pytest.MonkeyPatch) -> Iterator[Callable[..., TestClient]]:
    """``make_client(**settings_fields, s3_client=None, app=None)``: a TestClient on create_app."""
    clients: list[TestClient] = []

    def make(*, s3_client: Any = None, app: FastAPI | None = None, **fields: Any) -> TestClient:
        client = TestClient(app or create_app(Settings(**fields), s3_client=s3_client))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(api_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings)) as test_client:
        yield test_client


@contextmanager
def collected_records(name: str) -> Iterator[list[logging.LogRecord]]:
    """Every record of logger ``name`` while the block runs, whatever the logging config."""
    records: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger(name)
    handler = Collect(level=logging.DEBUG)
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        yield records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


@pytest.fixture
def access_log() -> Iterator[list[logging.LogRecord]]:
    """The records of ``boardread_api.access`` (one per request)."""
    with collected_records("boardread_api.access") as records:
        yield records


# The entry points' package loggers: configured when a handler module is imported.
ENTRY_LOGGERS = ("boardread_api", "boardread_batch")


@pytest.fixture
def fresh_import(clean_env: pytest.MonkeyPatch) -> Iterator[Callable[[str], ModuleType]]:
    """Import a module anew (as a new Lambda container would); the old one is put back after.

    The entry points configure logging at import, so their loggers' state is restored too.
    """
    loggers = [logging.getLogger(name) for name in ENTRY_LOGGERS]
    saved = [(list(lg.handlers), lg.propagate, lg.level) for lg in loggers]

    def load(name: str) -> ModuleType:
        clean_env.delitem(sys.modules, name, raising=False)
        get_settings.cache_clear()
        return importlib.import_module(name)

    yield load
    for logger, (handlers, propagate, level) in zip(loggers, saved, strict=True):
        logger.handlers[:] = handlers
        logger.propagate, logger.level = propagate, level


def render_jpeg(seed: int = 5, *, long_side: int | None = None, quality: int = 90) -> bytes:
    """A seeded whiteboard photo of a 7, optionally rescaled to ``long_side`` and re-encoded."""
    photo = render_photo(SEVEN, seed, "whiteboard")
    if long_side is None and photo.fmt == "jpeg":
        return photo.data
    image = cv2.imdecode(np.frombuffer(photo.data, np.uint8), cv2.IMREAD_COLOR)
    if long_side is not None:
        scale = long_side / max(image.shape[:2])
        image = cv2.resize(image, None, fx=scale, fy=scale,
                           interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return buf.tobytes()


@pytest.fixture(scope="session")
def board_jpeg() -> bytes:
    """A real 2288x1716 JPEG from the renderer (the photo in predict-jpeg-multipart.json)."""
    return render_jpeg(5)


@pytest.fixture(scope="session")
def board_png() -> bytes:
    """A real PNG of a board photo (the photo in predict-png-raw.json)."""
    return event_body(load_event("predict-png-raw"))


# ------------------------------------------------------------------------------ moto's AWS


@pytest.fixture
def aws_env(clean_env: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Fake credentials and Lambda's region (no real AWS call can succeed); no BOARDREAD_*."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": AWS_REGION,
                        "AWS_REGION": AWS_REGION}.items():
        clean_env.setenv(name, value)
    return clean_env


@pytest.fixture
def moto_s3(aws_env: pytest.MonkeyPatch) -> Iterator[Any]:
    """moto's S3, with no bucket yet (``create_bucket``)."""
    with mock_aws():
        yield boto3.client("s3", region_name=AWS_REGION)


def create_bucket(s3: Any, name: str, *, versioned: bool = False) -> str:
    """A bucket in AWS_REGION; ``versioned`` as the stack's DataBucket is."""
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": AWS_REGION})
    if versioned:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name
