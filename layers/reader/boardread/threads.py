"""The threads photos are read in, shared by the API and the batch function."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable


class ReaderThreads:
    """The threads photos are read in: reused, daemons, at most ``limit``.

    Not anyio's thread pool: it imports its asyncio backend on first use (~13 ms of a cold
    start's first request, measured on the sam build). Not a thread per read: OpenCV and the
    interpreters keep per-thread buffers a finished thread leaves behind (RSS +1.2 KB a read,
    measured). Not concurrent.futures: its threads are joined at exit, so one abandoned read
    would hold up the process's end. Past ``limit`` busy threads, reads wait their turn.
    """

    def __init__(self, limit: int, name: str = "boardread-read") -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._idle = threading.Semaphore(0)
        self._started = 0
        self._limit = limit
        self._lock = threading.Lock()
        self._name = name

    def submit(self, job: Callable[[], None]) -> None:
        """Run ``job`` (which must not raise) in an idle thread, or a new one."""
        self._jobs.put(job)
        if self._idle.acquire(blocking=False):
            return
        with self._lock:
            if self._started >= self._limit:
                return
            self._started += 1
        threading.Thread(target=self._work, name=self._name, daemon=True).start()

    def _work(self) -> None:
        while True:
            self._jobs.get()()
            self._idle.release()
