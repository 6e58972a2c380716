"""A bound on the time one photo may take, as the API has (``boardread_api.deadline``).

The read runs in a reused daemon thread (``boardread.threads``); past the deadline the object
gets an ``invalid_image`` result at once, so a crafted file ends in an error result rather than
a Lambda timeout (which S3's asynchronous invocation would retry). Python cannot stop a thread:
the abandoned read finishes on its own and its result is dropped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from boardread.threads import ReaderThreads

T = TypeVar("T")
# One object is read at a time; the others are for reads abandoned past their deadline.
_readers = ReaderThreads(limit=4, name="boardread-batch-read")


class Overtime(Exception):
    """Raised when the call did not finish within its deadline."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"not done within {seconds:.1f} s")
        self.seconds = seconds


def call_with_deadline(seconds: float, func: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """``func(*args, **kwargs)`` in a worker thread; its exception is raised here. Raises
    Overtime after ``seconds``."""
    outcome: dict[str, Any] = {}
    done = threading.Event()

    def run() -> None:
        try:
            outcome["value"] = func(*args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
            outcome["error"] = exc
        finally:
            done.set()

    _readers.submit(run)
    if not done.wait(seconds):
        raise Overtime(seconds)
    if "error" in outcome:
        raise outcome["error"]
    value: T = outcome["value"]
    return value
