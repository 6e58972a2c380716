"""A one-line progress bar for the batch CLI, on stderr (stdout may carry the CSV)."""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Self, TextIO


class Progress:
    """``upload   [############------------]  12/30  40%``.

    On a terminal the line is redrawn in place; elsewhere (a pipe, a CI log) only the last
    state is written, once, when the bar is closed.
    """

    def __init__(self, label: str, total: int, *, stream: TextIO | None = None,
                 width: int = 30) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self.width = width
        self.stream = stream if stream is not None else sys.stderr
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self._closed = False
        self._draw()

    def line(self) -> str:
        fraction = self.done / self.total if self.total else 1.0
        filled = round(fraction * self.width)
        count = f"{self.done}/{self.total}".rjust(2 * len(str(self.total)) + 1)
        return (f"{self.label:<8} [{'#' * filled}{'-' * (self.width - filled)}] "
                f"{count} {fraction:>4.0%}")

    def update(self, done: int) -> None:
        self.done = max(0, min(done, self.total))
        self._draw()

    def advance(self, step: int = 1) -> None:
        self.update(self.done + step)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.live:
            self.stream.write("\n")
        else:
            self.stream.write(self.line() + "\n")
        self.stream.flush()

    def _draw(self) -> None:
        if self.live:
            self.stream.write("\r" + self.line())
            self.stream.flush()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()
