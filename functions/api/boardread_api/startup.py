"""Cold-start economies: work a Lambda container's init does not need to do.

Measured in CPU time on this machine, from a fresh process (``make bench-api`` for the total):
Python's cyclic garbage collector runs about thirty times while FastAPI, pydantic, NumPy and
OpenCV are imported, and finds nothing to free (about 30 ms), and once more over everything the
imports made when it is turned back on (about 15 ms); pydantic builds a validator for each of
FastAPI's forty-odd OpenAPI models at import, used only by ``/openapi.json`` (about 20 ms);
FastAPI imports ``pydantic.v1`` only to refuse its models (about 12 ms).

And how glibc's malloc is to treat the photos' memory: kept for the next photo
(``keep_freed_memory``, Lambda and local) and one arena for the local server's threads.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block (reference counting still frees).

    What the block made (modules, classes, the models) lives as long as the process: it is
    frozen when the block ends (``gc.freeze``), so no later collection walks it again.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def refuse_pydantic_v1() -> bool:
    """Make ``import pydantic.v1`` fail at once (a ``None`` in ``sys.modules``), unless it is
    already imported. FastAPI imports it only to check that no model is a pydantic v1 model,
    which it no longer supports, and treats an ImportError as "none is". True if refused.
    """
    if sys.modules.get("pydantic.v1") is not None:
        return False
    sys.modules["pydantic.v1"] = None  # type: ignore[assignment]
    return True


def defer_model_schemas() -> bool:
    """Make every pydantic model built from now on build its validator on first use.

    This is the ``defer_build`` setting of each model's config, made the default through
    pydantic's config defaults (an internal table, so it is looked up defensively: with a
    pydantic that lacks it, nothing changes and False is returned). Call it before FastAPI is
    imported. Behaviour is unchanged: a deferred model is complete once first used.
    """
    try:
        from pydantic._internal._config import config_defaults
    except ImportError:
        return False
    if "defer_build" not in config_defaults:
        return False
    config_defaults["defer_build"] = True
    return True


# glibc's mallopt parameter numbers (malloc.h)
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
KEEP_FREE_BYTES = 64 << 20  # freed heap kept for the next photo rather than given back
HEAP_BELOW_BYTES = 4 << 20  # blocks under this come from the heap, not a mapping of their own


def _mallopt() -> Any:
    """glibc's ``mallopt``, or None where there is none (musl, macOS)."""
    import ctypes

    try:
        return ctypes.CDLL(None).mallopt
    except (AttributeError, OSError):
        return None


def keep_freed_memory() -> bool:
    """Have glibc's malloc keep the memory a photo's arrays free for the next photo.

    By default glibc raises its mmap threshold to the largest block freed, serves the next
    photo's arrays from the heap, and then gives the heap's top back to the system after each
    request (its trim threshold follows at twice that): every read faulted its memory in again.
    In the warm server that was 1.5 ms of a 1600 px read's 8 ms of preprocessing and 0.4 of
    its decode (timings_ms in process 12.0 ms, served 14.1; with fixed thresholds, served 12.1:
    ``make bench-api``). Fixed thresholds: blocks under HEAP_BELOW_BYTES from the heap, and up
    to KEEP_FREE_BYTES of it kept free. False where there is no glibc: nothing changes there.
    """
    mallopt = _mallopt()
    if mallopt is None:
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, HEAP_BELOW_BYTES)
                and mallopt(M_TRIM_THRESHOLD, KEEP_FREE_BYTES))


def one_malloc_arena() -> bool:
    """Have glibc's malloc keep one arena for all threads (``mallopt(M_ARENA_MAX, 1)``).

    Under concurrent reads each reader thread gets an arena of its own, and what a photo's
    arrays leave free in one arena is never reused by the others: with 8 clients the local
    server grew from 352 to 429 MB RSS over 9,000 requests (one client: 141 MB, flat). With one
    arena: 249 MB after 1,000 requests, 195 after 10,000; 156 after 3,000 and 131 after 30,000,
    no slower (``make loadtest``; with ``keep_freed_memory`` as well, 133 and 135 MB). Lambda
    serves one request at a time and does not need it. False where there is no glibc (musl,
    macOS): nothing changes there.
    """
    mallopt = _mallopt()
    return mallopt is not None and bool(mallopt(M_ARENA_MAX, 1))
