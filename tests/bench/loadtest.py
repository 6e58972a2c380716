"""Load and leak test (a script, not a test): concurrent clients against the local server.

    python -m tests.bench.loadtest                         # make loadtest: 8 clients, >= 60 s
                                                           # and >= 10,000 requests
    python -m tests.bench.loadtest --seconds 5 --requests 300   # a short run that shows it works

Starts ``uvicorn boardread_api.local:app`` on 127.0.0.1 (a free port; the same app Lambda runs),
waits for /health, then ``--clients`` threads post a mix of good photos (rendered boards at 640
to 2288 px, JPEG and PNG) and the bad-input corpus of tests/hardening/corpus.py (empty,
truncated, bombs, wrong types, broken multipart, ...) for at least ``--seconds`` and until
``--requests`` requests are done (it stops by itself after 10x ``--seconds`` in any case).

A failure is a 5xx, a connection error or timeout, or a status other than the one the contract
gives the case. Printed: requests, failures, throughput, p50/p95 latency (all, good, bad), and
the server's RSS after 1/10 of the requests and at the end (default: after 1,000 and 10,000),
which must be within ``--rss-tolerance`` (10 %). Exit status 1 when there is a failure or the RSS
grew more than that.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.servers import ServerDidNotStart, free_port, stop_server, wait_for_health

REPO = Path(__file__).resolve().parents[2]
GOOD_SHARE = 0.5  # half the requests are photos to read, half the corpus's bad and odd inputs
SKIPPED_CASES = {"over-limit-body"}  # 8 MB per request: tested in the corpus, not a load


@dataclass(frozen=True)
class Request:
    name: str
    url: str
    body: bytes
    headers: dict[str, str]
    status: int
    good: bool


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    done: int = 0
    failures: list[str] = field(default_factory=list)
    latency_good: list[float] = field(default_factory=list)
    latency_bad: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    rss_mb: dict[int, float] = field(default_factory=dict)


def requests_mix() -> list[Request]:
    """The good photos and the corpus, each with the status the contract gives it."""
    import warnings

    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from tests.conftest import event_body, load_event, render_jpeg
    from tests.hardening.corpus import MULTIPART, build_corpus, file_part, multipart

    board_jpeg = render_jpeg(5)
    board_png = event_body(load_event("predict-png-raw"))
    good = [Request(f"photo-{i}", "/predict", multipart(file_part(data)), {"content-type":
                                                                          MULTIPART}, 200, True)
            for i, data in enumerate([board_jpeg] + [render_jpeg(seed, long_side=side) for
                                                     seed, side in ((1, 640), (2, 1600),
                                                                    (3, 1200))])]
    good.append(Request("photo-png", "/predict", board_png, {"content-type": "image/png"}, 200,
                        True))
    bad = [Request(c.name, c.url, c.body, c.headers, c.status, c.code is None)
           for c in build_corpus(board_jpeg, board_png) if c.name not in SKIPPED_CASES]
    return good + bad


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def start_server(port: int, log_path: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOARDREAD_")}
    env["BOARDREAD_LOG_LEVEL"] = "ERROR"  # one JSON line per 5xx only: 4xx are the point here
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "boardread_api.local:app", "--host", "127.0.0.1",
             "--port", str(port), "--no-access-log", "--log-level", "warning"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_health(f"http://127.0.0.1:{port}", server, log_path, timeout_s=120)
    except ServerDidNotStart as exc:
        server.kill()
        raise SystemExit(str(exc)) from None
    return server


def run_client(index: int, base_url: str, mix: list[Request], tally: Tally, stop: threading.Event,
               checkpoints: list[int], server_pid: int) -> None:
    rng = random.Random(index)
    good = [r for r in mix if r.good and r.name.startswith("photo")]
    bad = [r for r in mix if not r.name.startswith("photo")]
    with httpx.Client(base_url=base_url, timeout=30) as client:
        while not stop.is_set():
            request = rng.choice(good) if rng.random() < GOOD_SHARE else rng.choice(bad)
            started = time.perf_counter()
            problem = None
            try:
                response = client.post(request.url, content=request.body, headers=request.headers)
                status = response.status_code
                if status >= 500 or status != request.status:
                    problem = f"{request.name}: {status} (expected {request.status}) " \
                              f"{response.text[:200]}"
                elif not response.headers.get("content-type", "").startswith("application/json"):
                    problem = f"{request.name}: {response.headers.get('content-type')} body"
            except httpx.HTTPError as exc:
                status = 0
                problem = f"{request.name}: {type(exc).__name__} {exc}"
            elapsed = (time.perf_counter() - started) * 1000
            with tally.lock:
                tally.done += 1
                tally.statuses[status] = tally.statuses.get(status, 0) + 1
                (tally.latency_good if request.good else tally.latency_bad).append(elapsed)
                if problem:
                    tally.failures.append(problem)
                if tally.done in checkpoints:
                    tally.rss_mb[tally.done] = rss_mb(server_pid)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60.0, help="run at least this long")
    parser.add_argument("--requests", type=int, default=10_000,
                        help="and at least this many requests (RSS at 1/10 and at the end)")
    parser.add_argument("--rss-tolerance", type=float, default=0.10)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)

    mix = requests_mix()
    checkpoints = [max(1, args.requests // 10), args.requests]
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        log_path = Path(tmp) / "server.log"
        server = start_server(port, log_path)
        try:
            rss_start = rss_mb(server.pid)
            tally = Tally()
            stop = threading.Event()
            threads = [threading.Thread(target=run_client, daemon=True, args=(
                i, f"http://127.0.0.1:{port}", mix, tally, stop, checkpoints, server.pid))
                for i in range(args.clients)]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            while True:
                time.sleep(0.2)
                elapsed = time.perf_counter() - started
                with tally.lock:
                    done = tally.done
                if (elapsed >= args.seconds and done >= args.requests) or \
                        elapsed >= 10 * args.seconds:
                    break
            stop.set()
            for thread in threads:
                thread.join(timeout=60)
            elapsed = time.perf_counter() - started
            rss_end = rss_mb(server.pid)
            alive = server.poll() is None
        finally:
            stop_server(server, 30)
        server_errors = [line for line in log_path.read_text(errors="replace").splitlines()
                         if '"level":"ERROR"' in line or "Traceback" in line]

    first, last = checkpoints
    rss_first, rss_last = tally.rss_mb.get(first), tally.rss_mb.get(last)
    growth = (rss_last / rss_first - 1) if rss_first and rss_last else float("nan")
    every = tally.latency_good + tally.latency_bad
    figures: dict[str, Any] = {
        "clients": args.clients, "seconds": round(elapsed, 1), "requests": tally.done,
        "failures": len(tally.failures), "server_error_lines": len(server_errors),
        "server_alive": alive, "throughput_rps": round(tally.done / elapsed, 1),
        "statuses": dict(sorted(tally.statuses.items())),
        "p50_ms": round(percentile(every, 50), 1), "p95_ms": round(percentile(every, 95), 1),
        "good_p50_ms": round(percentile(tally.latency_good, 50), 1),
        "good_p95_ms": round(percentile(tally.latency_good, 95), 1),
        "bad_p50_ms": round(percentile(tally.latency_bad, 50), 1),
        "bad_p95_ms": round(percentile(tally.latency_bad, 95), 1),
        "rss_mb": {"start": round(rss_start, 1), f"after_{first}": rss_first and round(rss_first, 1),
                   f"after_{last}": rss_last and round(rss_last, 1), "end": round(rss_end, 1)},
        "rss_growth": round(growth, 4),
    }
    print(f"boardread load test: {args.clients} clients, {elapsed:.0f} s, {tally.done} requests "
          f"({figures['throughput_rps']}/s), {len(mix)} kinds of request "
          f"({sum(r.name.startswith('photo') for r in mix)} photos, the rest the bad-input "
          f"corpus), half photos")
    print(f"  failed requests: {len(tally.failures)}   (5xx, connection errors, wrong status)")
    print(f"  statuses: {figures['statuses']}")
    print(f"  latency ms  all p50 {figures['p50_ms']} p95 {figures['p95_ms']}   "
          f"readings p50 {figures['good_p50_ms']} p95 {figures['good_p95_ms']}   "
          f"refusals p50 {figures['bad_p50_ms']} p95 {figures['bad_p95_ms']}")
    print(f"  server RSS MB: start {rss_start:.1f}, after {first} requests "
          f"{rss_first or float('nan'):.1f}, after {last} {rss_last or float('nan'):.1f} "
          f"({growth:+.1%}), end {rss_end:.1f}")
    for problem in tally.failures[:10]:
        print(f"  FAILED {problem}")
    for line in server_errors[:5]:
        print(f"  SERVER {line[:300]}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    print(json.dumps(figures))
    reasons = [text for bad, text in (
        (bool(tally.failures), f"{len(tally.failures)} failed requests"),
        (bool(server_errors), f"{len(server_errors)} server error lines"),
        (not alive, "the server died"),
        (tally.done < args.requests, f"only {tally.done} requests"),
        (not growth <= args.rss_tolerance,
         f"RSS grew {growth:+.1%} (a short run measures the warm-up, not a leak)"),
    ) if bad]
    print("PASS" if not reasons else "FAIL: " + "; ".join(reasons))
    return 0 if not reasons else 1


if __name__ == "__main__":
    sys.exit(main())
