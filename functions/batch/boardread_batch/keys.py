"""Where things live in the data bucket: ``incoming/<batch>/<file>`` and its result
``results/<batch>/<file>.json``; and how S3 events spell keys."""

from __future__ import annotations

import re
from urllib.parse import quote_plus, unquote_plus

INCOMING_PREFIX = "incoming/"
RESULTS_PREFIX = "results/"
RESULT_SUFFIX = ".json"
BATCH_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def key_from_event(encoded: str) -> str:
    """The object key from an S3 event record, which URL-encodes it (a space is '+', '+' is
    '%2B', '/' stays)."""
    return unquote_plus(encoded)


def key_for_event(key: str) -> str:
    """How S3 writes ``key`` in an event record (the inverse of ``key_from_event``)."""
    return quote_plus(key, safe="/")


def is_photo_key(key: str) -> bool:
    """True for an object under ``incoming/``, not a folder marker (``incoming/a/``)."""
    return key.startswith(INCOMING_PREFIX) and len(key) > len(INCOMING_PREFIX) and (
        not key.endswith("/"))


def result_key(key: str) -> str:
    """``incoming/<rest>`` -> ``results/<rest>.json``. Raises ValueError for other keys."""
    if not is_photo_key(key):
        raise ValueError(f"not a photo key under {INCOMING_PREFIX}: {key!r}")
    return RESULTS_PREFIX + key[len(INCOMING_PREFIX):] + RESULT_SUFFIX


def check_batch_id(batch_id: str) -> str:
    """``batch_id`` itself when it is one safe path segment (letters, digits, ``._-``)."""
    if not BATCH_ID_PATTERN.fullmatch(batch_id):
        raise ValueError(f"a batch id is 1-100 letters, digits, '.', '_' or '-': {batch_id!r}")
    return batch_id


def batch_prefix(batch_id: str) -> str:
    return f"{INCOMING_PREFIX}{check_batch_id(batch_id)}/"


def results_prefix(batch_id: str) -> str:
    return f"{RESULTS_PREFIX}{check_batch_id(batch_id)}/"
