"""One S3 object in, one result JSON out: ``incoming/<rest>`` -> ``results/<rest>.json``.

The result is the ``/predict`` body of shared/docs/api.md plus the source's ``key``, ``etag``
and ``version_id``; a photo the reader refuses gets ``"error": {"code", "message"}`` (and the
``model_version``) instead of the reading. Nothing here raises for a bad photo. The S3 client is
passed in (tests give moto's) or made on first use; botocore is never imported here, so the
module loads with only the function's artifacts on ``sys.path``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from boardread import Reader, ReaderError, read_board

from .deadline import Overtime, call_with_deadline
from .keys import is_photo_key, key_from_event, result_key
from .settings import BatchSettings

logger = logging.getLogger(__name__)

# What happened to one object (the log line's and the handler's ``status``).
READ = "read"  # a reading was written to results/
ERROR = "error"  # an error result was written: not an image, too small, too big, ...
UNCHANGED = "unchanged"  # the result for this ETag and model version exists: nothing written
SKIPPED = "skipped"  # not an object under incoming/ (or a folder marker): nothing read
GONE = "gone"  # deleted or replaced since the event; the newer object has its own event
FAILED = "failed"  # S3 or the time left failed us: nothing written, the handler raises

INTERNAL_ERROR = "internal_error"
# Time kept back from the invocation for the result's PutObject and the log line.
WRITE_MARGIN_S = 3.0
# Less time than this for a read is no fair trial: fail (Lambda retries) rather than write a
# timeout result for a photo that might read fine.
MIN_READ_S = 1.0
_MISSING = {"NoSuchKey", "NotFound", "404"}
_REPLACED = {"PreconditionFailed", "412"}
# Without s3:ListBucket (the role has none) S3 answers 403, not 404, for a missing result.
_NO_RESULT = _MISSING | {"AccessDenied", "403"}


@dataclass(frozen=True)
class S3Object:
    """One object named by an S3 event record, its key URL-decoded."""

    bucket: str
    key: str
    event_name: str = ""
    size: int | None = None
    etag: str | None = None


def objects_of(event: Mapping[str, Any]) -> list[S3Object]:
    """The objects an S3 notification names (one record per event in practice)."""
    found = []
    for record in event.get("Records") or []:
        s3 = record.get("s3") or {}
        obj = s3.get("object") or {}
        found.append(S3Object(
            bucket=str((s3.get("bucket") or {}).get("name", "")),
            key=key_from_event(str(obj.get("key", ""))),
            event_name=str(record.get("eventName", "")),
            size=obj.get("size"),
            etag=obj.get("eTag"),
        ))
    return found


@dataclass
class Outcome:
    """What happened to one object, for the log line and the handler's answer."""

    bucket: str
    key: str
    status: str
    result_key: str | None = None
    reason: str | None = None
    error_code: str | None = None
    board_found: bool | None = None
    model_version: str | None = None
    size: int | None = None
    etag: str | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    exc_info: tuple[type[BaseException], BaseException, TracebackType | None] | None = None

    def log_fields(self) -> dict[str, Any]:
        fields = {"bucket": self.bucket, "key": self.key, "status": self.status,
                  "result_key": self.result_key, "size": self.size, "etag": self.etag,
                  "timings_ms": self.timings_ms, "board_found": self.board_found,
                  "error_code": self.error_code, "reason": self.reason,
                  "model_version": self.model_version}
        return {k: v for k, v in fields.items() if v is not None and v != {}}

    @property
    def level(self) -> int:
        if self.status == FAILED or self.error_code == INTERNAL_ERROR:
            return logging.ERROR
        return logging.WARNING if self.status == ERROR else logging.INFO


def make_s3_client() -> Any:
    """An S3 client for the function's region (Lambda's runtime ships boto3)."""
    import boto3
    from botocore.config import Config

    return boto3.client("s3", config=Config(retries={"mode": "standard", "max_attempts": 4}))


class ObjectReader:
    """Reads objects under ``incoming/`` into ``results/``; one per container."""

    def __init__(self, reader: Reader, settings: BatchSettings, *, s3: Any = None,
                 s3_factory: Callable[[], Any] = make_s3_client) -> None:
        self.reader = reader
        self.settings = settings
        self._s3 = s3
        self._s3_factory = s3_factory

    @property
    def s3(self) -> Any:
        if self._s3 is None:
            self._s3 = self._s3_factory()
        return self._s3

    def process(self, obj: S3Object, *, time_left: Callable[[], float] | None = None) -> Outcome:
        """Read ``obj`` and write its result, unless it is not a photo under ``incoming/`` or
        its result for this ETag and model version exists. Never raises: S3 faults come back
        as ``FAILED`` with ``exc_info``. ``time_left()``: seconds the invocation has left."""
        outcome = Outcome(obj.bucket, obj.key, SKIPPED, size=obj.size, etag=obj.etag)
        if not obj.event_name.startswith("ObjectCreated:"):
            outcome.reason = f"event {obj.event_name!r} is not ObjectCreated"
            return outcome
        if not is_photo_key(obj.key):
            outcome.reason = "not an object under incoming/"
            return outcome
        outcome.result_key = result_key(obj.key)
        started = time.perf_counter()
        try:
            self._process(obj, outcome, time_left)
        except Exception as exc:  # noqa: BLE001 - reading never raises: this is S3 or time
            outcome.status = FAILED
            outcome.reason = f"{type(exc).__name__}: {_s3_code(exc) or exc}"
            outcome.exc_info = (type(exc), exc, exc.__traceback__)
        outcome.timings_ms["object"] = _ms_since(started)
        return outcome

    def _process(self, obj: S3Object, outcome: Outcome,
                 time_left: Callable[[], float] | None) -> None:
        assert outcome.result_key is not None
        started = time.perf_counter()
        try:
            head = self.s3.head_object(Bucket=obj.bucket, Key=obj.key)
        except Exception as exc:
            if _s3_code(exc) in _MISSING:
                outcome.status, outcome.reason = GONE, "deleted since the event"
                return
            raise
        outcome.timings_ms["head"] = _ms_since(started)
        etag = str(head["ETag"]).strip('"')
        outcome.etag, outcome.size = etag, int(head["ContentLength"])
        outcome.model_version = self.reader.version
        source = {"key": obj.key, "etag": etag, "version_id": head.get("VersionId")}

        previous = self._previous_result(obj.bucket, outcome.result_key)
        if _is_current(previous, etag, self.reader.version):
            assert previous is not None
            outcome.status, outcome.reason = UNCHANGED, "result exists for this ETag and model"
            outcome.board_found = previous.get("board_found")
            outcome.error_code = (previous.get("error") or {}).get("code")
            return

        if outcome.size > self.settings.max_object_bytes:
            body = self._too_large(source)
        else:
            fetched = time.perf_counter()
            data = self._fetch(obj, str(head["ETag"]), outcome)
            if data is None:
                return
            outcome.timings_ms["fetch"] = _ms_since(fetched)
            body = self._read(data, source, outcome, time_left)

        written = time.perf_counter()
        self.s3.put_object(Bucket=obj.bucket, Key=outcome.result_key,
                           Body=(json.dumps(body) + "\n").encode(),
                           ContentType="application/json")
        outcome.timings_ms["write"] = _ms_since(written)
        error = body.get("error")
        outcome.status = ERROR if error else READ
        outcome.error_code = error["code"] if error else None
        outcome.board_found = body.get("board_found")

    def _previous_result(self, bucket: str, key: str) -> dict[str, Any] | None:
        """The result already written for this object, or None (none, or not JSON)."""
        try:
            got = self.s3.get_object(Bucket=bucket, Key=key)
        except Exception as exc:
            if _s3_code(exc) in _NO_RESULT:
                return None
            raise
        try:
            previous = json.loads(got["Body"].read())
        except ValueError:
            return None
        return previous if isinstance(previous, dict) else None

    def _fetch(self, obj: S3Object, etag: str, outcome: Outcome) -> bytes | None:
        """The object's bytes as of the HeadObject (If-Match), or None when it is gone."""
        try:
            got = self.s3.get_object(Bucket=obj.bucket, Key=obj.key, IfMatch=etag)
        except Exception as exc:
            code = _s3_code(exc)
            if code in _MISSING or code in _REPLACED:
                outcome.status, outcome.reason = GONE, "deleted or replaced since the event"
                return None
            raise
        body = got["Body"]
        try:
            data: bytes = body.read(self.settings.max_object_bytes + 1)
        finally:
            body.close()
        return data

    def _read(self, data: bytes, source: dict[str, Any], outcome: Outcome,
              time_left: Callable[[], float] | None) -> dict[str, Any]:
        """The result body: the reading, or the error a bad photo ends in."""
        if len(data) > self.settings.max_object_bytes:
            return self._too_large(source)
        seconds = self.settings.read_timeout_s
        if time_left is not None:
            left = time_left()
            if left - WRITE_MARGIN_S < min(seconds, MIN_READ_S):
                raise TimeoutError(f"only {left:.1f} s left in the invocation")
            seconds = min(seconds, left - WRITE_MARGIN_S)
        try:
            prediction = call_with_deadline(
                seconds, read_board, data, reader=self.reader,
                max_pixels=self.settings.max_pixels, min_side=self.settings.min_side)
        except ReaderError as exc:
            return self._error_body(source, exc.code, exc.message)
        except Overtime:
            return self._error_body(
                source, "invalid_image",
                f"The image could not be read within {seconds:.1f} s (decoding and finding the "
                "board); send a JPEG or PNG photo.")
        except Exception as exc:  # noqa: BLE001 - a fault in reading: a retry would do the same
            outcome.exc_info = (type(exc), exc, exc.__traceback__)
            return self._error_body(source, INTERNAL_ERROR,
                                    "The photo could not be read because of a fault on our side.")
        outcome.timings_ms.update(prediction.timings_ms)
        return {**source, **prediction.to_dict()}

    def _too_large(self, source: dict[str, Any]) -> dict[str, Any]:
        limit_mb = self.settings.max_object_bytes / 1e6
        return self._error_body(source, "payload_too_large",
                                f"The photo is over the {limit_mb:g} MB limit.")

    def _error_body(self, source: dict[str, Any], code: str, message: str) -> dict[str, Any]:
        return {**source, "error": {"code": code, "message": message},
                "model_version": self.reader.version}


def _is_current(previous: dict[str, Any] | None, etag: str, model_version: str) -> bool:
    """A result for these bytes by these models, and not an internal error (retried anew)."""
    return (previous is not None and previous.get("etag") == etag
            and previous.get("model_version") == model_version
            and (previous.get("error") or {}).get("code") != INTERNAL_ERROR)


def _s3_code(exc: BaseException) -> str | None:
    """botocore ClientError's error code ("NoSuchKey", "404", ...), else None."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = (response.get("Error") or {}).get("Code")
        return str(code) if code is not None else None
    return None


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000.0, 2)
