"""Photos are read in reused threads, at most a set number at once."""

import threading

from boardread.threads import ReaderThreads


def _threads(name: str) -> int:
    return sum(t.name == name for t in threading.enumerate())


def _run_and_wait(pool: ReaderThreads, job=lambda: None) -> None:
    done = threading.Event()

    def work() -> None:
        job()
        done.set()

    pool.submit(work)
    assert done.wait(5)


def test_reads_one_after_another_share_one_thread() -> None:
    pool = ReaderThreads(limit=4, name="test-sequential")
    seen = set()
    for _ in range(50):
        _run_and_wait(pool, lambda: seen.add(threading.get_ident()))
    assert len(seen) == 1 and _threads("test-sequential") == 1


def test_a_stuck_read_holds_one_thread_and_the_others_go_on() -> None:
    pool = ReaderThreads(limit=2, name="test-stuck")
    release = threading.Event()
    pool.submit(lambda: release.wait(10))
    for _ in range(5):
        _run_and_wait(pool)
    assert _threads("test-stuck") == 2
    release.set()


def test_past_the_limit_reads_wait_their_turn() -> None:
    pool = ReaderThreads(limit=1, name="test-limit")
    release, second = threading.Event(), threading.Event()
    pool.submit(lambda: release.wait(10))
    pool.submit(second.set)
    assert not second.wait(0.2)  # the only thread is busy
    release.set()
    assert second.wait(5)
    assert _threads("test-limit") == 1
