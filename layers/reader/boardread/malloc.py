"""How glibc's malloc treats the photos' memory: a photo's arrays are tens of blocks of 0.1 to
8 MB, allocated and freed once per photo, in every process that reads many photos (the Lambda
function, the local server, the training data's renderers).
"""

from __future__ import annotations

from typing import Any

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
    ``make bench-api``); rendering a training photo took 78-80 ms against 70-73 (the same
    bytes). Fixed thresholds: blocks under HEAP_BELOW_BYTES from the heap, and up to
    KEEP_FREE_BYTES of it kept free. False where there is no glibc: nothing changes there.
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
