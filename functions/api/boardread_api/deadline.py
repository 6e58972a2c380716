"""A bound on the time one photo may take: decode, preprocessing and inference together.

The reader runs in a worker thread; past the deadline the request answers 400 ``invalid_image``
at once (a crafted file must not hold a request, or a Lambda invocation, until its timeout).
Python cannot stop a thread, so the abandoned read finishes on its own and its result is
dropped; ``boardread.decode`` refuses the known slow inputs (huge headers, JPEGs of many scans)
before they start, so this is the backstop for what nobody has thought of yet.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, MutableMapping
from typing import Any, TypeVar

from boardread.threads import ReaderThreads

from .errors import ReadTimeout

T = TypeVar("T")
# On Lambda, time kept back from the invocation's remaining time to send the answer.
LAMBDA_MARGIN_S = 1.0
MIN_DEADLINE_S = 0.1
# Photos read at once in one process; more wait (abandoned reads hold theirs until they end).
READ_THREADS = 16


def deadline_for(scope: MutableMapping[str, Any], limit_s: float) -> float:
    """``limit_s``, or less on Lambda when the invocation has less time left (say after a slow
    S3 read): the answer must go out before Lambda stops the function with no body at all."""
    context = scope.get("aws.context")
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if callable(remaining):
        limit_s = min(limit_s, remaining() / 1000.0 - LAMBDA_MARGIN_S)
    return max(MIN_DEADLINE_S, limit_s)


async def run_with_deadline(seconds: float, func: Callable[..., T], /, *args: Any,
                            **kwargs: Any) -> T:
    """``func(*args, **kwargs)`` in a worker thread. Raises ReadTimeout after ``seconds``."""
    loop = asyncio.get_running_loop()
    outcome: asyncio.Future[T] = loop.create_future()

    def work() -> None:
        try:
            result, error = func(*args, **kwargs), None
        except BaseException as exc:  # noqa: BLE001 - handed to the awaiting request
            result, error = None, exc
        try:
            loop.call_soon_threadsafe(_settle, outcome, result, error)
        except RuntimeError:  # the loop has closed: nobody is waiting any more
            pass

    _readers.submit(work)
    try:
        return await asyncio.wait_for(outcome, seconds)
    except TimeoutError:
        raise ReadTimeout(
            f"The image could not be read within {seconds:.1f} s (decoding and finding the "
            "board); send a JPEG or PNG photo."
        ) from None


_readers = ReaderThreads(limit=READ_THREADS)


def _settle(outcome: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if outcome.done():  # cancelled: the deadline passed and the request has answered
        return
    if error is not None:
        outcome.set_exception(error)
    else:
        outcome.set_result(result)
