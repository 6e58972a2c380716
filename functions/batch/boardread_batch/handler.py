"""Lambda entry point of BatchFunction (template ``Handler: boardread_batch.handler.handler``).

S3 invokes it asynchronously for each object created under ``incoming/`` in the data bucket.
Everything at module level runs once per container: settings, logging, the models. boto3 (in
Lambda's runtime, not in the artifact) is imported when the first photo needs S3.

A bad photo is not a failure: it gets an error result and the handler returns normally. The
handler raises only when S3 or the invocation's time failed it, after trying every record, so
Lambda's asynchronous retry (EventInvokeConfig) tries the event again; objects whose result is
already written are then skipped by their ETag.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import cv2
from boardread import Reader, get_reader
from boardread.malloc import keep_freed_memory

from .logs import configure_logging
from .process import FAILED, ObjectReader, objects_of
from .settings import BatchSettings

logger = logging.getLogger("boardread_batch.object")


class BatchIncomplete(Exception):
    """Raised after every record was tried, when some could not be (an S3 fault, no time
    left), so that Lambda retries the event."""


def load_reader(model_dir: Path | None) -> Reader:
    """The packaged models (the process-wide reader), or ``model_dir``'s; one thread each."""
    return get_reader() if model_dir is None else Reader(model_dir, num_threads=1)


cv2.setNumThreads(1)  # Lambda's CPU share follows memory; the interpreters use one thread too
keep_freed_memory()  # a photo's arrays, freed, serve the next one (1600-4032 px reads ~5 % faster)
settings = BatchSettings.from_env()
configure_logging(settings.log_level)
worker = ObjectReader(load_reader(settings.model_dir), settings)
_cold_start = True


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Read every object the S3 event names; one JSON log line per object."""
    global _cold_start
    cold_start, _cold_start = _cold_start, False
    request_id = getattr(context, "aws_request_id", None)
    remaining_ms = getattr(context, "get_remaining_time_in_millis", None)
    time_left = (lambda: remaining_ms() / 1000.0) if callable(remaining_ms) else None
    answers, failed = [], []
    for obj in objects_of(event):
        outcome = worker.process(obj, time_left=time_left)
        fields = {**outcome.log_fields(), "cold_start": cold_start,
                  "lambda_request_id": request_id}
        logger.log(outcome.level, "object", extra={"fields": fields}, exc_info=outcome.exc_info)
        answers.append({"key": outcome.key, "status": outcome.status,
                        "result_key": outcome.result_key})
        if outcome.status == FAILED:
            failed.append(outcome.key)
    if failed:
        raise BatchIncomplete(f"{len(failed)} of {len(answers)} object(s) not done: {failed}")
    return {"objects": answers}
