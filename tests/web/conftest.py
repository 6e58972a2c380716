"""The page in a real headless Chromium (Debian's, at /usr/bin/chromium) against the real API.

Session fixtures start ``uvicorn boardread_api.local:app`` in a subprocess on a free port (it
serves the API and ``web/`` at /) and a small static "site" server on another port, whose origin
the API allows by CORS (``BOARDREAD_SITE_ORIGIN``), for the deployed-layout tests where the page
and the API live on different origins. Screenshots go to ``test-artifacts/web/``; with
``BOARDREAD_UPDATE_SCREENSHOTS=1`` the README's screenshots in ``web/screenshots/`` are rewritten.
"""

from __future__ import annotations

import contextlib
import email.parser
import email.policy
import mimetypes
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.servers import ServerDidNotStart, free_port, stop_server, wait_for_health
from training.glyphs import GlyphSpec
from training.render import render_photo

REPO = Path(__file__).resolve().parents[2]
WEB_DIR = REPO / "web"
ARTIFACTS = REPO / "test-artifacts" / "web"
README_SCREENSHOTS = WEB_DIR / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
SERVER_START_S = 120  # the API imports its models and TFLite; CI machines are busy
TIMEOUT_MS = 20_000  # one wait in the page (the smoke models answer in well under a second)
SEVEN = GlyphSpec("hershey", "digit", "7", "hershey:futura", "futural", "7")
SEVEN_SEED = 5  # a 2288x1716 whiteboard JPEG whose board outline the reader finds


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the item, so fixtures can screenshot failures."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


# --------------------------------------------------------------------------- photos


@pytest.fixture(scope="session")
def photos(tmp_path_factory: pytest.TempPathFactory) -> Photos:
    return Photos(tmp_path_factory.mktemp("photos"))


class Photos:
    """Files a person might choose, written once per session."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _write(self, name: str, data: bytes) -> Path:
        path = self.folder / name
        if not path.exists():
            path.write_bytes(data)
        return path

    @property
    def board(self) -> Path:
        """A rendered phone photo of a board with a 7 on it (2288 x 1716 JPEG)."""
        photo = render_photo(SEVEN, SEVEN_SEED, "whiteboard")
        assert photo.fmt == "jpeg" and photo.size == (2288, 1716)
        return self._write("board-7.jpg", photo.data)

    @property
    def text(self) -> Path:
        return self._write("notes.txt", b"not a photo, just some notes\n")

    @property
    def broken_jpeg(self) -> Path:
        """Named and typed as a JPEG, but no decoder can read it."""
        return self._write("broken.jpg", b"\xff\xd8\xff\xe0" + b"\x00garbage" * 64)

    def make(self, name: str, data: bytes) -> Path:
        return self._write(name, data)


# --------------------------------------------------------------------------- servers


@dataclass
class SiteServer:
    """A static host standing in for the S3 site: serves ``files`` (path -> body, type)."""

    origin: str
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)

    def publish_folder(self, folder: Path, *, overrides: dict[str, bytes] | None = None) -> None:
        """Serve every file of ``folder`` at /<name>; ``overrides`` replace some by name."""
        self.files.clear()
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            name = path.relative_to(folder).as_posix()
            self.files[name] = (path.read_bytes(), content_type(name))
        for name, body in (overrides or {}).items():
            self.files[name] = (body, content_type(name))


def content_type(name: str) -> str:
    if name.endswith(".js"):
        return "text/javascript"
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


@pytest.fixture(scope="session")
def site_server() -> Iterator[SiteServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SiteHandler)
    site = SiteServer(origin=f"http://127.0.0.1:{server.server_address[1]}")
    server.site = site  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    yield site
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


class _SiteHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        site: SiteServer = self.server.site  # type: ignore[attr-defined]
        name = self.path.split("?", 1)[0].lstrip("/") or "index.html"
        if name not in site.files:
            self.send_error(404)
            return
        body, media_type = site.files[name]
        self.send_response(200)
        self.send_header("Content-Type", media_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass(frozen=True)
class ApiServer:
    url: str
    log: Path


@pytest.fixture(scope="session")
def api_server(site_server: SiteServer) -> Iterator[ApiServer]:
    """``uvicorn boardread_api.local:app``: the API plus web/ at /, as ``make run`` serves it."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for stale in ARTIFACTS.glob("FAILED-*.png"):  # failures of an earlier run
        stale.unlink()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOARDREAD_")}
    # A generous read deadline: a busy CI machine must not turn a slow read into invalid_image.
    env.update(BOARDREAD_WEB_DIR=str(WEB_DIR), BOARDREAD_SITE_ORIGIN=site_server.origin,
               BOARDREAD_LOG_LEVEL="WARNING", BOARDREAD_READ_TIMEOUT_S="25")
    log = ARTIFACTS / "uvicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "boardread_api.local:app",
             "--host", "127.0.0.1", "--port", str(port), "--no-access-log"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_for_health(url, process, log, SERVER_START_S)
        except ServerDidNotStart as exc:
            pytest.fail(str(exc))
        yield ApiServer(url=url, log=log)
    finally:
        stop_server(process, 15)


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM} "
                    "(apt-get install chromium; .ci/run does)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright is not installed (pip install -e '.[dev]')")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@dataclass
class PageRun:
    """A page plus what it did: requests sent, requests that failed, uncaught script errors."""

    page: Any
    api: ApiServer
    requests: list[Any] = field(default_factory=list)
    failed: list[Any] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def open(self, url: str | None = None) -> None:
        self.page.goto(url or f"{self.api.url}/")
        self.page.wait_for_function("document.readyState === 'complete'")

    def choose(self, path: Path) -> None:
        self.page.locator("input[type=file]").set_input_files(str(path))

    def wait_for_result(self) -> str:
        label = self.page.locator("[data-testid=result-label]")
        label.wait_for(state="visible")
        self.page.wait_for_function(
            "document.querySelector('[data-testid=result-label]').textContent.trim() !== ''")
        return str(label.text_content()).strip()

    def wait_for_error(self) -> str:
        error = self.page.locator("[data-testid=error]")
        error.wait_for(state="visible")
        return str(error.inner_text())

    def wait_until(self, condition: Callable[[], bool], what: str) -> None:
        """Let the page run (and its events reach us) until ``condition()`` holds."""
        deadline = time.monotonic() + TIMEOUT_MS / 1000
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            self.page.wait_for_timeout(50)

    def predict_requests(self) -> list[Any]:
        return [r for r in self.requests if "/predict" in r.url]

    def screenshot(self, name: str, *, readme: str | None = None) -> Path:
        """Save test-artifacts/web/<name>.png; with BOARDREAD_UPDATE_SCREENSHOTS=1 also
        web/screenshots/<readme>.png (the ones the README shows)."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        # The viewport grown to the page rather than full_page=True: Chromium's full-page
        # capture drops touch emulation for a moment, which hides the phone's camera button.
        viewport = self.page.viewport_size
        height = int(self.page.evaluate("document.documentElement.scrollHeight"))
        self.page.set_viewport_size({"width": viewport["width"], "height": max(height, 1)})
        try:
            self.page.screenshot(path=str(path))
        finally:
            self.page.set_viewport_size(viewport)
        if readme and os.environ.get("BOARDREAD_UPDATE_SCREENSHOTS") == "1":
            README_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, README_SCREENSHOTS / f"{readme}.png")
        return path


@pytest.fixture
def new_page(browser: Any, api_server: ApiServer,
             request: pytest.FixtureRequest) -> Iterator[Callable[..., PageRun]]:
    """``new_page(viewport=DESKTOP, **context_options)``: a fresh browser context and page."""
    contexts: list[Any] = []
    runs: list[PageRun] = []

    def make(viewport: dict[str, int] = DESKTOP, **options: Any) -> PageRun:
        context = browser.new_context(viewport=viewport, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        run = PageRun(page=page, api=api_server)
        page.on("request", lambda r: run.requests.append(r))
        page.on("requestfailed", lambda r: run.failed.append(r))
        page.on("pageerror", lambda exc: run.page_errors.append(str(exc)))
        page.on("console", lambda message: run.page_errors.append(message.text)
                if "Content Security Policy" in message.text else None)
        runs.append(run)
        return run

    yield make
    report = getattr(request.node, "report_call", None)
    for index, run in enumerate(runs):
        if report is not None and report.failed:
            with contextlib.suppress(Exception):
                run.screenshot(f"FAILED-{request.node.name}-{index}")
    for context in contexts:
        context.close()
    errors = [error for run in runs for error in run.page_errors]
    assert not errors, f"uncaught errors or CSP violations in the page: {errors}"


@pytest.fixture
def page_run(new_page: Callable[..., PageRun]) -> PageRun:
    """A desktop-sized page, opened on the local server."""
    run = new_page()
    run.open()
    return run


# --------------------------------------------------------------------------- helpers


def multipart_parts(content_type_header: str, body: bytes) -> dict[str, tuple[str | None, bytes, str]]:
    """The parts of a multipart/form-data body: name -> (filename, bytes, content type)."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type_header.encode() + b"\r\n\r\n" + body)
    parts: dict[str, tuple[str | None, bytes, str]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes | None)
        parts[str(name)] = (part.get_filename(), payload or b"", part.get_content_type())
    return parts


def multipart_order(content_type_header: str, body: bytes) -> list[str]:
    """Field names of a multipart body, in the order sent."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type_header.encode() + b"\r\n\r\n" + body)
    return [str(part.get_param("name", header="content-disposition"))
            for part in message.iter_parts()]
