"""The local API server as the browser tests and the load test start it: a free port, then a
wait until ``/health`` answers (or the process dies)."""

from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path


class ServerDidNotStart(RuntimeError):
    """Raised when the server exits or does not answer /health in time; the message has the
    tail of its log."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_health(url: str, process: subprocess.Popen[bytes], log: Path,
                    timeout_s: float) -> None:
    """Return once ``url``/health says ok; raise ServerDidNotStart otherwise."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerDidNotStart(f"the API server exited ({process.returncode}):\n"
                                    f"{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if json.load(response).get("status") == "ok":
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise ServerDidNotStart(f"the API server did not answer /health in {timeout_s:.0f} s:\n"
                            f"{log.read_text(errors='replace')[-3000:]}")


def stop_server(process: subprocess.Popen[bytes], timeout_s: float) -> None:
    """Ask the server to stop; kill it if it has not within ``timeout_s``."""
    process.terminate()
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
