"""Batch fixtures: moto's S3 with the bucket the events name, the events' photos, and the batch
handler imported afresh (a new Lambda container) inside moto."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import (
    AWS_REGION,
    EVENTS_DIR,
    collected_records,
    create_bucket,
    event_body,
    load_event,
)

REGION = AWS_REGION
BATCH_EVENTS_DIR = EVENTS_DIR / "batch"


def load_s3_event(name: str) -> dict[str, Any]:
    """``events/batch/<name>.json`` as Lambda passes it to the handler."""
    event: dict[str, Any] = json.loads((BATCH_EVENTS_DIR / f"{name}.json").read_text())
    return event


def s3_event_names() -> list[str]:
    return sorted(p.stem for p in BATCH_EVENTS_DIR.glob("*.json"))


def multipart_file(event: dict[str, Any]) -> bytes:
    """The ``file`` part of an API event's one-field multipart body."""
    body = event_body(event)
    boundary = body.split(b"\r\n", 1)[0]
    part = body.split(b"\r\n\r\n", 1)[1]
    return part.rsplit(b"\r\n" + boundary, 1)[0]


def event_photo(name: str) -> bytes:
    """The bytes an S3 event is about: events/make_events.py builds them from the API events'
    photos, so they are read back from those (the same JPEG, PNG and text)."""
    return {
        "put-jpeg": lambda: multipart_file(load_event("predict-jpeg-multipart")),
        "put-space-key": lambda: event_body(load_event("predict-png-raw")),
        "put-not-image": lambda: multipart_file(load_event("predict-not-image")),
        "put-outside-incoming": lambda: b'{"key": "incoming/2026-11-25-class-4b/board-07.jpg"}\n',
    }[name]()


@pytest.fixture
def s3(moto_s3: Any) -> Any:
    """moto's S3 with the events' bucket, versioned like the stack's DataBucket."""
    bucket = load_s3_event("put-jpeg")["Records"][0]["s3"]["bucket"]["name"]
    create_bucket(moto_s3, bucket, versioned=True)
    return moto_s3


@pytest.fixture
def bucket(s3: Any) -> str:
    name: str = s3.list_buckets()["Buckets"][0]["Name"]
    return name


@pytest.fixture
def fresh_batch(aws_env: pytest.MonkeyPatch, fresh_import: Callable[[str], ModuleType]
                ) -> Callable[..., ModuleType]:
    """``fresh_batch(**env)``: ``boardread_batch.handler`` imported anew with BOARDREAD_* env
    (a new container). Its logger's state is put back after (``fresh_import``)."""

    def load(**env: str) -> ModuleType:
        for name, value in env.items():
            aws_env.setenv(name, value)
        return fresh_import("boardread_batch.handler")

    return load


@pytest.fixture
def batch_module(s3: Any, fresh_batch: Callable[..., ModuleType]) -> ModuleType:
    """The handler module of a new container, its S3 client made on first use (moto's)."""
    return fresh_batch()


@pytest.fixture
def object_log() -> Iterator[list[logging.LogRecord]]:
    """The records of ``boardread_batch.object`` (one per object)."""
    with collected_records("boardread_batch.object") as records:
        yield records


def s3_event_for(bucket: str, key: str, data: bytes, etag: str | None = None) -> dict[str, Any]:
    """The notification S3 sends for ``key`` (holding ``data``) put in ``bucket``: the shape
    of events/batch/put-jpeg.json with this object's name, size and ETag."""
    from boardread_batch.keys import key_for_event

    event = load_s3_event("put-jpeg")
    record = event["Records"][0]["s3"]
    record["bucket"]["name"], record["bucket"]["arn"] = bucket, f"arn:aws:s3:::{bucket}"
    record["object"].update(key=key_for_event(key), size=len(data),
                            eTag=etag or hashlib.md5(data).hexdigest())
    return event
