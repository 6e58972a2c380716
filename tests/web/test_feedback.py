"""The page's "Wrong? Tell us what it is": the form after an answer, what it sends to
POST /feedback, its checks and its errors in words; against route interception, the real local
server (no data bucket: 501), and the local app with a moto data bucket."""

from __future__ import annotations

import importlib
import io
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
import uvicorn
from boardread_api import get_settings
from moto import mock_aws
from PIL import Image

from tests.servers import free_port
from tests.web.conftest import WEB_DIR, PageRun, Photos, multipart_parts
from tests.web.payloads import contract_error, prediction

pytestmark = pytest.mark.browser

SEVEN = prediction("digit", "7", 0.97, [("digit", "7", 0.97), ("letter", "T", 0.02),
                                        ("digit", "1", 0.01)])
TOGGLE = "[data-testid=feedback-toggle]"
FORM = "[data-testid=feedback-form]"
MESSAGE = "[data-testid=feedback-message]"
DATA_BUCKET = "boardread-data-web"
REGION = "eu-west-1"


@dataclass
class Sent:
    """The multipart parts of each request to a route, in order."""

    parts: list[dict[str, tuple[str | None, bytes, str]]]


def record(run: PageRun, pattern: str, answer: dict[str, Any] | None = None) -> Sent:
    """Record each request's multipart parts; answer with ``answer`` (else pass it through)."""
    sent = Sent([])

    def handle(route: Any) -> None:
        request = route.request
        sent.parts.append(multipart_parts(request.headers["content-type"],
                                          request.post_data_buffer or b""))
        if answer is None:
            route.continue_()
        else:
            route.fulfill(**answer)

    run.page.route(pattern, handle)
    return sent


def answered(run: PageRun, photos: Photos) -> Sent:
    """The page open on a read board photo (the answer fixed by interception)."""
    predicted = record(run, "**/predict*", {"json": SEVEN})
    run.open()
    run.choose(photos.board)
    assert run.wait_for_result() == "7"
    return predicted


def receipt(category: str, label: str | None) -> dict[str, Any]:
    object_id = "5f0c6a1e9b8d4c3a2e1f0a9b8c7d6e5f"
    folder = category if label is None else f"{category}/{label}"
    return {"status": 201, "json": {"id": object_id, "key": f"feedback/{folder}/{object_id}.jpg",
                                    "category": category, "label": label}}


def correct(run: PageRun, kind: str, character: str | None = None) -> None:
    """Open the form, choose the kind by its visible name, type the character, press Send."""
    page = run.page
    if page.locator(FORM).is_hidden():
        page.locator(TOGGLE).click()
    page.get_by_role("radio", name=kind).check()
    if character is not None:
        page.locator("[data-testid=feedback-label]").fill(character)
    page.get_by_role("button", name="Send").click()


def message(run: PageRun) -> str:
    locator = run.page.locator(MESSAGE)
    locator.wait_for(state="visible")
    run.page.wait_for_function(
        "(s) => !document.querySelector(s).textContent.includes('Sending')", arg=MESSAGE)
    return str(locator.inner_text())


# ------------------------------------------------------------------------------ the form


def test_the_form_is_offered_only_with_an_answer(new_page: Any, photos: Photos) -> None:
    run = new_page()
    run.page.route("**/predict*", lambda route: route.fulfill(json=SEVEN))
    run.open()
    page = run.page
    assert page.locator(TOGGLE).is_hidden()
    run.choose(photos.text)  # refused before sending: no answer, so nothing to correct
    run.wait_for_error()
    assert page.locator(TOGGLE).is_hidden()

    run.choose(photos.board)
    run.wait_for_result()
    toggle = page.get_by_role("button", name="Wrong? Tell us what it is")
    assert toggle.is_visible() and page.locator(FORM).is_hidden()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert toggle.get_attribute("aria-controls") == "feedback-form"
    toggle.click()
    assert page.locator(FORM).is_visible() and toggle.get_attribute("aria-expanded") == "true"
    assert page.locator("[data-testid=feedback-label]").is_hidden()  # until digit or letter
    page.get_by_role("radio", name="A letter (A–Z)").check()
    assert page.get_by_role("textbox", name="Which letter?").is_visible()
    page.get_by_role("radio", name="A digit (0–9)").check()
    assert page.get_by_role("textbox", name="Which digit?").is_visible()
    page.get_by_role("radio", name="A drawing, not a character").check()
    assert page.locator("[data-testid=feedback-label]").is_hidden()
    toggle.click()
    assert page.locator(FORM).is_hidden()

    # A failed reading hides the answer, and the form with it; a new answer brings a closed form.
    page.unroute("**/predict*")
    page.route("**/predict*", lambda route: route.fulfill(
        status=500, content_type="application/json", body=contract_error("internal_error", "x")))
    toggle.click()
    run.choose(photos.board)
    run.wait_for_error()
    assert page.locator(TOGGLE).is_hidden() and page.locator(FORM).is_hidden()


def test_sending_posts_the_same_photo_and_the_correction(new_page: Any, photos: Photos) -> None:
    run = new_page()
    predicted = answered(run, photos)
    sent = record(run, "**/feedback", receipt("letter", "K"))
    correct(run, "A letter (A–Z)", "k")
    text = message(run)
    assert text == "Thank you. Saved as the letter K; it will help train boardread."

    (parts,) = sent.parts
    assert set(parts) == {"category", "label", "file"}
    assert parts["category"][1] == b"letter" and parts["label"][1] == b"K"
    filename, photo, media_type = parts["file"]
    # The very JPEG the page made for /predict (1600 px, shrunk in the browser), not the original.
    assert (filename, media_type) == ("board-7.jpg", "image/jpeg")
    assert photo == predicted.parts[0]["file"][1]
    assert Image.open(io.BytesIO(photo)).size == (1600, 1200)
    page = run.page
    assert page.locator(FORM).is_hidden() and page.locator(TOGGLE).is_hidden()
    assert page.evaluate("document.activeElement.id") == "feedback-message"
    assert page.locator(MESSAGE).get_attribute("aria-live") == "polite"
    run.screenshot("feedback-thanks")


def test_a_drawing_is_sent_without_a_label(new_page: Any, photos: Photos) -> None:
    run = new_page()
    answered(run, photos)
    sent = record(run, "**/feedback", receipt("free_pattern", None))
    correct(run, "A drawing, not a character")
    assert "Saved as a drawing, not a character" in message(run)
    (parts,) = sent.parts
    assert set(parts) == {"category", "file"} and parts["category"][1] == b"free_pattern"


def test_the_character_is_checked_before_sending(new_page: Any, photos: Photos) -> None:
    run = new_page()
    answered(run, photos)
    sent = record(run, "**/feedback", receipt("digit", "4"))
    page = run.page
    page.locator(TOGGLE).click()
    page.get_by_role("button", name="Send").click()
    assert page.locator("[data-testid=feedback-category-error]").inner_text() == (
        "Choose what is on the board.")

    correct(run, "A digit (0–9)", "")
    box = page.get_by_role("textbox", name="Which digit?")
    error = page.locator("[data-testid=feedback-label-error]")
    assert error.inner_text() == "Type the digit on the board, 0 to 9."
    assert page.locator("[data-testid=feedback-category-error]").is_hidden()
    assert box.get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "feedback-label"
    assert error.get_attribute("id") in str(box.get_attribute("aria-describedby"))

    correct(run, "A digit (0–9)", "x")
    assert error.inner_text() == "“x” is not a digit: type one of 0 to 9."
    box.fill("")
    box.press_sequentially("45")  # maxlength: one character is all the box takes
    assert box.input_value() == "4"
    assert error.is_hidden() and box.get_attribute("aria-invalid") is None
    run.screenshot("feedback-checked")
    assert sent.parts == []

    correct(run, "A letter (A–Z)", "4")
    assert error.inner_text() == "“4” is not a letter: type one of A to Z."
    assert sent.parts == []
    correct(run, "A digit (0–9)", "4")
    assert "Saved as the digit 4" in message(run)
    assert [p["label"][1] for p in sent.parts] == [b"4"]


def test_the_form_works_with_the_keyboard_alone(new_page: Any, photos: Photos) -> None:
    run = new_page()
    answered(run, photos)
    sent = record(run, "**/feedback", receipt("letter", "R"))
    page = run.page
    page.locator(TOGGLE).focus()
    page.keyboard.press("Enter")
    assert page.locator(FORM).is_visible()
    page.keyboard.press("Tab")  # into the radio group: the first kind
    assert page.evaluate("document.activeElement.value") == "digit"
    page.keyboard.press("ArrowDown")  # arrows move and choose within the group
    assert page.evaluate("document.activeElement.value") == "letter"
    assert page.get_by_role("radio", name="A letter (A–Z)").is_checked()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "feedback-label"
    page.keyboard.type("r")
    page.keyboard.press("Enter")  # Enter in the box sends the form
    assert "Saved as the letter R" in message(run)
    assert [(p["category"][1], p["label"][1]) for p in sent.parts] == [(b"letter", b"R")]


def test_a_big_photo_is_named_by_its_upload_key(new_page: Any, photos: Photos) -> None:
    """A photo that went through /uploads is not sent again: the correction names its key."""
    run = new_page()
    run.page.route("**/config.js", lambda route: route.fulfill(
        content_type="text/javascript",
        body='window.BOARDREAD_CONFIG = Object.freeze({"apiUrl": "", "directUploadMaxBytes": 1000});'))
    key = "uploads/" + "0123456789abcdef" * 2
    run.page.route("**/uploads", lambda route: route.fulfill(status=201, json={
        "key": key, "url": f"{run.api.url}/fake-bucket/", "fields": {"key": key},
        "expires_in": 300, "max_bytes": 20_000_000}))
    run.page.route("**/fake-bucket/", lambda route: route.fulfill(status=204, body=""))
    run.page.route("**/predict*", lambda route: route.fulfill(json=SEVEN))
    sent = record(run, "**/feedback", receipt("digit", "1"))
    run.open()
    run.choose(photos.board)
    run.wait_for_result()
    correct(run, "A digit (0–9)", "1")
    assert "Saved as the digit 1" in message(run)
    (parts,) = sent.parts
    assert set(parts) == {"category", "label", "key"} and parts["key"][1] == key.encode()


# ------------------------------------------------------------------------------ errors


@pytest.mark.parametrize(("answer", "words"), [
    ({"status": 501, "content_type": "application/json",
      "body": contract_error("feedback_unavailable", "No data bucket.")},
     "Corrections are not collected on this server."),
    ({"status": 400, "content_type": "application/json",
      "body": contract_error("invalid_label", "For a digit the label is one of 0-9.")},
     "boardread did not take the correction: For a digit the label is one of 0-9."),
    ({"status": 400, "content_type": "application/json",
      "body": contract_error("invalid_image", "The upload is not a readable image.")},
     "boardread did not take the correction: The upload is not a readable image."),
    ({"status": 413, "content_type": "application/json",
      "body": '{"message":"Request Entity Too Large"}'},
     "The photo is too large to send as a correction."),
    ({"status": 500, "content_type": "application/json",
      "body": contract_error("internal_error", "Something went wrong.")},
     "Something went wrong on our side (error 500). Send it again in a moment."),
    ({"status": 429, "content_type": "application/json", "body": '{"message":"Too Many"}'},
     "boardread is busy right now."),
    ({"status": 201, "content_type": "text/html", "body": "<html>portal</html>"},
     "does not understand"),
], ids=["501", "400-invalid_label", "400-invalid_image", "413", "500", "429", "not-json"])
def test_errors_are_said_in_words_and_sending_again_works(
        new_page: Any, photos: Photos, answer: dict[str, Any], words: str) -> None:
    run = new_page()
    answered(run, photos)
    answers = [answer, receipt("digit", "4")]
    calls: list[str] = []

    def handle(route: Any) -> None:
        calls.append(route.request.method)
        route.fulfill(**answers.pop(0))

    run.page.route("**/feedback", handle)
    correct(run, "A digit (0–9)", "4")
    text = message(run)
    assert words in text
    assert run.page.locator(MESSAGE).get_attribute("data-kind") == "error"
    if "Kx1yWj3PIAMEbQ=" in answer["body"]:
        assert "Reference: Kx1yWj3PIAMEbQ=" in text
    # The form stays, filled in, and can be sent again.
    send = run.page.get_by_role("button", name="Send")
    assert run.page.locator(FORM).is_visible() and send.is_enabled()
    assert run.page.locator("[data-testid=feedback-label]").input_value() == "4"
    send.click()
    assert "Saved as the digit 4" in message(run)
    assert calls == ["POST", "POST"]


def test_a_network_failure(new_page: Any, photos: Photos) -> None:
    run = new_page()
    answered(run, photos)
    run.page.route("**/feedback", lambda route: route.abort("connectionrefused"))
    correct(run, "A digit (0–9)", "4")
    text = message(run)
    assert "Can’t reach boardread: the correction was not sent" in text
    assert "internet connection" in text
    run.screenshot("feedback-error")


def test_a_new_photo_drops_the_correction_in_flight(new_page: Any, photos: Photos) -> None:
    run = new_page()
    answered(run, photos)
    held: list[Any] = []
    run.page.route("**/feedback", lambda route: held.append(route))
    correct(run, "A digit (0–9)", "4")
    run.wait_until(lambda: bool(held), "the correction to be sent")
    with run.page.expect_event("requestfailed") as failed:
        run.choose(photos.board)
    assert "/feedback" in failed.value.url
    run.wait_for_result()
    assert run.page.locator(FORM).is_hidden() and run.page.locator(MESSAGE).is_hidden()


def test_the_form_fits_a_360_px_phone(new_page: Any, photos: Photos) -> None:
    run = new_page(viewport={"width": 360, "height": 780}, is_mobile=True, has_touch=True)
    answered(run, photos)
    run.page.route("**/feedback", lambda route: route.fulfill(
        status=400, content_type="application/json",
        body=contract_error("invalid_label", "A long refusal " * 8 + "x" * 60)))
    correct(run, "A letter (A–Z)", "")
    assert run.page.locator("[data-testid=feedback-label-error]").is_visible()
    correct(run, "A letter (A–Z)", "q")
    assert "A long refusal" in message(run)
    assert int(run.page.evaluate("document.documentElement.scrollWidth")) <= 360
    run.screenshot("phone-360-feedback")


# ------------------------------------------------------------------------ real servers


def test_the_real_local_server_without_a_data_bucket(new_page: Any, photos: Photos) -> None:
    """``make run`` has no data bucket: the real API answers 501 and the page says so."""
    run = new_page()
    run.open()
    run.choose(photos.board)
    run.wait_for_result()
    with run.page.expect_response("**/feedback") as response_info:
        correct(run, "A digit (0–9)", "7")
    response = response_info.value
    assert response.status == 501
    assert response.json()["error"]["code"] == "feedback_unavailable"
    text = message(run)
    assert "Corrections are not collected on this server." in text
    assert f"Reference: {response.json()['error']['request_id']}" in text


@dataclass
class MotoServer:
    url: str
    s3: Any


@pytest.fixture(scope="module")
def moto_server() -> Iterator[MotoServer]:
    """``boardread_api.local:app`` with BOARDREAD_DATA_BUCKET set, served by uvicorn in a thread
    of this process, where moto stands in for S3 (moto's own server is not installed)."""
    logger = logging.getLogger("boardread_api")
    saved_logger = (list(logger.handlers), logger.propagate, logger.level)
    saved_module = sys.modules.pop("boardread_api.local", None)
    with pytest.MonkeyPatch.context() as env, mock_aws():
        for name in [n for n in os.environ if n.startswith("BOARDREAD_")]:
            env.delenv(name)
        for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                            "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": REGION,
                            "BOARDREAD_DATA_BUCKET": DATA_BUCKET,
                            "BOARDREAD_WEB_DIR": str(WEB_DIR), "BOARDREAD_LOG_LEVEL": "WARNING",
                            "BOARDREAD_READ_TIMEOUT_S": "25"}.items():
            env.setenv(name, value)
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=DATA_BUCKET,
                         CreateBucketConfiguration={"LocationConstraint": REGION})
        get_settings.cache_clear()
        try:
            app = importlib.import_module("boardread_api.local").app
        finally:
            get_settings.cache_clear()
            if saved_module is not None:
                sys.modules["boardread_api.local"] = saved_module
            else:
                sys.modules.pop("boardread_api.local", None)
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off",
                                               log_level="warning", access_log=False))
        thread = threading.Thread(target=server.run, name="moto-api", daemon=True)
        thread.start()
        deadline = time.monotonic() + 60
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        try:
            yield MotoServer(url=f"http://127.0.0.1:{port}", s3=s3)
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            logger.handlers[:] = saved_logger[0]
            logger.propagate, logger.level = saved_logger[1], saved_logger[2]


def test_a_correction_reaches_the_data_bucket(new_page: Any, photos: Photos,
                                              moto_server: MotoServer) -> None:
    run = new_page()
    predicted = record(run, "**/predict*")  # passed through to the server: a real reading
    run.open(f"{moto_server.url}/")
    run.choose(photos.board)
    run.wait_for_result()
    with run.page.expect_response("**/feedback") as response_info:
        correct(run, "A letter (A–Z)", "k")
    body = response_info.value.json()
    assert response_info.value.status == 201, body
    assert "Thank you. Saved as the letter K" in message(run)

    listing = moto_server.s3.list_objects_v2(Bucket=DATA_BUCKET, Prefix="feedback/")
    keys = [o["Key"] for o in listing.get("Contents", [])]
    assert body["key"] in keys and re.fullmatch(r"feedback/letter/K/[0-9a-f]{32}\.jpg",
                                                body["key"])
    data = moto_server.s3.get_object(Bucket=DATA_BUCKET, Key=body["key"])["Body"].read()
    stored = Image.open(io.BytesIO(data))
    sent = Image.open(io.BytesIO(predicted.parts[0]["file"][1]))
    # The page's 1600 x 1200 JPEG, stored at 1024 px on its long side, grey, without EXIF.
    assert sent.size == (1600, 1200) and stored.size == (1024, 768)
    assert stored.format == "JPEG" and stored.mode == "L" and not stored.getexif()
