"""Failures in words, made deterministic by route interception: server errors, an API that
cannot be reached or does not answer, photos too large, and a new photo while one is in flight."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.web.conftest import PageRun, Photos, multipart_order, multipart_parts
from tests.web.payloads import contract_error, prediction

pytestmark = pytest.mark.browser

SEVEN = prediction("digit", "7", 0.97, [("digit", "7", 0.97), ("letter", "T", 0.02),
                                        ("digit", "1", 0.01)])
KAY = prediction("letter", "K", 0.91, [("letter", "K", 0.91), ("letter", "X", 0.05),
                                       ("letter", "R", 0.02)])


def config_js(**extra: Any) -> str:
    return f"window.BOARDREAD_CONFIG = Object.freeze({json.dumps({'apiUrl': '', **extra})});"


def with_config(run: PageRun, **extra: Any) -> PageRun:
    run.page.route("**/config.js", lambda route: route.fulfill(
        content_type="text/javascript", body=config_js(**extra)))
    return run


@pytest.mark.parametrize(("status", "content_type", "body", "words"), [
    (500, "application/json", contract_error("internal_error", "Something went wrong."),
     "Something went wrong on our side"),
    (502, "text/html", "<html><body>Bad Gateway</body></html>",
     "Something went wrong on our side"),
    (503, "application/json", '{"message":"Service Unavailable"}',
     "Something went wrong on our side"),
    (413, "application/json", contract_error("payload_too_large", "Too big."),
     "That photo is too large"),
    (413, "application/json", '{"message":"Request Entity Too Large"}',  # API Gateway's own
     "That photo is too large"),
    (400, "application/json", contract_error("image_too_large", "Over 40 megapixels."),
     "That photo is too large"),
    (400, "application/json", contract_error("image_too_small", "Under 16 px."),
     "That image is too small"),
    (400, "application/json", contract_error("invalid_image", "Not readable."),
     "can’t be read as a photo"),
    (415, "application/json", contract_error("unsupported_media_type", "Not an image type."),
     "can’t be read as a photo"),
    (422, "application/json", contract_error("missing_file", "No 'file' field."),
     "No 'file' field."),
    (429, "application/json", '{"message":"Too Many Requests"}',  # API Gateway throttling
     "boardread is busy right now"),
], ids=["500", "502-html", "503", "413", "413-gateway", "image_too_large", "image_too_small",
        "invalid_image", "unsupported_media_type", "missing_file", "429-gateway"])
def test_server_refusals_and_faults_in_words(new_page: Any, photos: Photos, status: int,
                                             content_type: str, body: str, words: str) -> None:
    run = new_page()
    run.page.route("**/predict*", lambda route: route.fulfill(
        status=status, content_type=content_type, body=body))
    run.open()
    run.choose(photos.board)
    text = run.wait_for_error()
    assert words in text
    assert run.page.locator("#result").is_hidden()
    if "Kx1yWj3PIAMEbQ=" in body:
        assert "Reference: Kx1yWj3PIAMEbQ=" in text
    # The page is not stuck: a new photo can be chosen and read.
    run.page.unroute("**/predict*")
    run.page.route("**/predict*", lambda route: route.fulfill(json=SEVEN))
    run.choose(photos.board)
    assert run.wait_for_result() == "7"
    assert run.page.locator("[data-testid=error]").is_hidden()


def test_a_server_error_can_be_retried(new_page: Any, photos: Photos) -> None:
    run = new_page()
    answers: list[dict[str, Any]] = [
        {"status": 500, "content_type": "application/json",
         "body": contract_error("internal_error", "Something went wrong.")},
        {"json": SEVEN},
    ]
    bodies: list[int] = []

    def answer(route: Any) -> None:
        bodies.append(len(route.request.post_data_buffer or b""))
        route.fulfill(**answers.pop(0))

    run.page.route("**/predict*", answer)
    run.open()
    run.choose(photos.board)
    assert "(error 500)" in run.wait_for_error()
    retry = run.page.get_by_role("button", name="Try again")
    assert retry.is_visible()
    run.screenshot("error-server")
    retry.click()
    assert run.wait_for_result() == "7"
    assert run.page.locator("[data-testid=error]").is_hidden() and retry.is_hidden()
    assert len(bodies) == 2 and bodies[0] == bodies[1] > 0  # the same photo, sent again


def test_an_unreachable_api(new_page: Any, photos: Photos) -> None:
    run = new_page()
    run.page.route("**/predict*", lambda route: route.abort("connectionrefused"))
    run.open()
    run.choose(photos.board)
    text = run.wait_for_error()
    assert "Can’t reach boardread" in text and "connection" in text
    assert run.page.get_by_role("button", name="Try again").is_visible()
    run.screenshot("error-unreachable")


def test_an_api_that_does_not_answer_times_out(new_page: Any, photos: Photos) -> None:
    run = with_config(new_page(), requestTimeoutMs=500)
    held: list[Any] = []
    run.page.route("**/predict*", lambda route: held.append(route))  # never answered
    run.open()
    run.choose(photos.board)
    assert "took too long" in run.wait_for_error()
    run.wait_until(lambda: bool(run.failed), "the request to be aborted")
    assert len(held) == 1 and "/predict" in run.failed[0].url


def test_an_answer_that_is_not_json(new_page: Any, photos: Photos) -> None:
    run = new_page()
    run.page.route("**/predict*", lambda route: route.fulfill(
        status=200, content_type="text/html", body="<html>captive portal</html>"))
    run.open()
    run.choose(photos.board)
    assert "does not understand" in run.wait_for_error()


def test_a_new_photo_aborts_the_request_in_flight(new_page: Any, photos: Photos) -> None:
    run = new_page()
    held: list[Any] = []

    def answer(route: Any) -> None:
        if not held:
            held.append(route)  # the first photo's request hangs
        else:
            route.fulfill(json=KAY)

    run.page.route("**/predict*", answer)
    run.open()
    with run.page.expect_request("**/predict*"):
        run.choose(photos.board)
    assert run.page.locator("[role=status] progress").is_visible()
    run.screenshot("progress")
    with run.page.expect_event("requestfailed") as failed:
        run.choose(photos.board)  # a new photo while the first is in flight
    assert "/predict" in failed.value.url
    assert run.wait_for_result() == "K"
    # The first answer, arriving late, must not replace the newer one.
    try:
        held[0].fulfill(json=SEVEN)
    except PlaywrightError:
        pass  # already aborted by the page: nothing to deliver
    run.page.wait_for_timeout(300)
    assert run.page.locator("[data-testid=result-label]").inner_text() == "K"
    assert run.page.locator("[data-testid=error]").is_hidden()


def test_a_big_photo_goes_through_uploads(new_page: Any, photos: Photos) -> None:
    """POST /uploads, the photo to the presigned URL (fields first, file last), then
    POST /predict?key= with no body."""
    run = with_config(new_page(), directUploadMaxBytes=1000)
    key = "uploads/" + "0123456789abcdef" * 2
    bucket_url = f"{run.api.url}/fake-bucket/"
    fields = {"key": key, "policy": "eyJjb25kaXRpb25zIjpbXX0=", "x-amz-signature": "abc"}
    calls: list[tuple[str, str, bytes, str]] = []

    def record(route: Any) -> Any:
        request = route.request
        calls.append((request.method, request.url, request.post_data_buffer or b"",
                      request.headers.get("content-type", "")))
        return route

    run.page.route("**/uploads", lambda route: record(route).fulfill(status=201, json={
        "key": key, "url": bucket_url, "fields": fields, "expires_in": 300,
        "max_bytes": 20_000_000}))
    run.page.route("**/fake-bucket/", lambda route: record(route).fulfill(status=204, body=""))
    run.page.route("**/predict*", lambda route: record(route).fulfill(json=KAY))
    run.open()
    run.choose(photos.board)
    assert run.wait_for_result() == "K"

    assert [(method, url) for method, url, _, _ in calls] == [
        ("POST", f"{run.api.url}/uploads"),
        ("POST", bucket_url),
        ("POST", f"{run.api.url}/predict?debug=true&key=uploads%2F{key[8:]}"),
    ]
    _, _, form, form_type = calls[1]
    assert multipart_order(form_type, form) == [*fields, "file"]
    parts = multipart_parts(form_type, form)
    assert {name: parts[name][1].decode() for name in fields} == fields
    assert parts["file"][1][:3] == b"\xff\xd8\xff"  # the JPEG made in the browser
    assert calls[2][2] == b""


def test_a_photo_over_the_uploads_limit_is_too_large(new_page: Any, photos: Photos) -> None:
    run = with_config(new_page(), directUploadMaxBytes=1000)
    run.page.route("**/uploads", lambda route: route.fulfill(status=201, json={
        "key": "uploads/" + "0" * 32, "url": f"{run.api.url}/fake-bucket/", "fields": {},
        "expires_in": 300, "max_bytes": 2000}))
    run.open()
    run.choose(photos.board)
    assert "That photo is too large" in run.wait_for_error()
    assert run.predict_requests() == []
