"""``boardread_api.local:app`` (``make run``): the same API plus the page in web/ at /."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from boardread_api.site import config_js
from fastapi.testclient import TestClient

from tests.api.contract import assert_prediction


def local_app(fresh_import: Callable[[str], ModuleType], monkeypatch: pytest.MonkeyPatch,
              web_dir: Path) -> TestClient:
    monkeypatch.setenv("BOARDREAD_WEB_DIR", str(web_dir))
    return TestClient(fresh_import("boardread_api.local").app)


def test_serves_the_page_and_the_api(fresh_import: Callable[[str], ModuleType],
                                     clean_env: pytest.MonkeyPatch, tmp_path: Path,
                                     board_jpeg: bytes) -> None:
    (tmp_path / "index.html").write_text("<!doctype html><title>boardread</title>")
    (tmp_path / "app.js").write_text("console.log('hi');")
    with local_app(fresh_import, clean_env, tmp_path) as client:
        page = client.get("/")
        assert page.status_code == 200 and "<title>boardread</title>" in page.text
        assert client.get("/app.js").headers["content-type"].startswith("text/javascript")
        config = client.get("/config.js")
        assert config.status_code == 200 and config.text == config_js("")
        predict = client.post("/predict", files={"file": ("b.jpg", board_jpeg, "image/jpeg")})
        assert predict.status_code == 200
        assert_prediction(predict.json())
        missing = client.get("/nothing-here.png")
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_a_committed_config_js_wins(fresh_import: Callable[[str], ModuleType],
                                    clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<!doctype html>")
    (tmp_path / "config.js").write_text("window.BOARDREAD_CONFIG = {apiUrl: 'http://x'};")
    with local_app(fresh_import, clean_env, tmp_path) as client:
        assert "http://x" in client.get("/config.js").text


def test_without_a_page_the_api_still_serves(fresh_import: Callable[[str], ModuleType],
                                             clean_env: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    for web_dir in (tmp_path / "absent", tmp_path):  # no folder; a folder without index.html
        with local_app(fresh_import, clean_env, web_dir) as client:
            root = client.get("/", follow_redirects=False)
            assert root.status_code == 307 and root.headers["location"] == "/docs"
            assert client.get("/health").status_code == 200
            assert client.get("/docs").status_code == 200


def test_config_js_format() -> None:
    assert config_js("https://abc.execute-api.eu-west-1.amazonaws.com/") == (
        'window.BOARDREAD_CONFIG = Object.freeze('
        '{"apiUrl": "https://abc.execute-api.eu-west-1.amazonaws.com"});\n'
    )
