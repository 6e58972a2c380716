"""The page against the real local server (``boardread_api.local``): photos in, answers out.

The packaged models may be interim smoke models, so no test asserts which character is read,
only that one is shown with its board preview.
"""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.web.conftest import PageRun, Photos, multipart_parts

pytestmark = pytest.mark.browser

BOARD_PREVIEW = "img[data-testid=board-preview]"


def capture_predict_uploads(run: PageRun) -> list[dict[str, Any]]:
    """Record each /predict request's multipart parts, then let it through to the server."""
    seen: list[dict[str, Any]] = []

    def record(route: Any) -> None:
        request = route.request
        body = request.post_data_buffer or b""
        seen.append({"url": request.url,
                     "parts": multipart_parts(request.headers["content-type"], body)})
        route.continue_()

    run.page.route("**/predict*", record)
    return seen


def uploaded_image(upload: dict[str, Any]) -> tuple[str | None, Image.Image, str]:
    filename, data, media_type = upload["parts"]["file"]
    image = Image.open(io.BytesIO(data))
    image.load()
    return filename, image, media_type


def wait_for_image(run: PageRun, selector: str) -> dict[str, Any]:
    """Wait until the <img> has loaded; its natural size and src."""
    run.page.wait_for_function(
        "(s) => { const i = document.querySelector(s); return i && i.complete && i.naturalWidth > 0; }",
        arg=selector)
    info: dict[str, Any] = run.page.eval_on_selector(
        selector, "i => ({width: i.naturalWidth, height: i.naturalHeight, src: i.src, alt: i.alt})")
    return info


def gray_at(image: Image.Image, x: int, y: int) -> int:
    value = image.convert("L").getpixel((x, y))
    assert isinstance(value, int)
    return value


def scroll_width(run: PageRun) -> int:
    return int(run.page.evaluate("document.documentElement.scrollWidth"))


def test_a_board_photo_gets_an_answer_and_the_board_the_models_saw(
        new_page: Any, photos: Photos) -> None:
    run = new_page()
    uploads = capture_predict_uploads(run)
    run.open()
    run.choose(photos.board)

    label = run.wait_for_result()
    assert len(label) == 1, label  # a digit, a letter, or the drawing mark
    board = wait_for_image(run, BOARD_PREVIEW)
    assert board["src"].startswith(("data:image/png;base64,", "blob:"))
    assert board["alt"] and board["width"] <= 256 and board["height"] <= 256
    page = run.page
    assert page.locator("[data-testid=result-verdict]").inner_text().strip()
    assert page.locator("[data-testid=result-category]").inner_text().strip()
    confidence = page.locator("[data-testid=result-confidence]").inner_text().strip()
    assert re.fullmatch(r"[<>]?\d{1,3}% \((sure|fairly sure|not sure)\)", confidence), confidence
    assert page.locator("[data-testid=alternatives] > li").count() == 3
    meter = page.locator("[role=meter]")
    assert 0 <= int(str(meter.get_attribute("aria-valuenow"))) <= 100
    assert page.locator("[data-testid=error]").is_hidden()
    assert not page.locator("#camera-button").is_visible()  # no camera on a desktop
    status = page.locator("[role=status]").inner_text()
    assert "sure" in status  # the one-line summary a screen reader announces

    # What was sent: one JPEG, shrunk in the browser from 2288 x 1716 to 1600 px on the long side.
    assert [u["url"] for u in uploads] == [f"{run.api.url}/predict?debug=true"]
    filename, image, media_type = uploaded_image(uploads[0])
    assert (filename, media_type, image.format) == ("board-7.jpg", "image/jpeg", "JPEG")
    assert image.size == (1600, 1200)
    photo = wait_for_image(run, "[data-testid=photo-preview]")
    assert photo["src"].startswith("blob:") and (photo["width"], photo["height"]) == (1600, 1200)
    run.screenshot("desktop-result", readme="desktop")


@pytest.mark.parametrize("width", [375, 360])
def test_on_a_phone_nothing_scrolls_sideways(new_page: Any, photos: Photos, width: int) -> None:
    run = new_page(viewport={"width": width, "height": 812}, is_mobile=True, has_touch=True)
    run.open()
    assert scroll_width(run) <= width
    # A phone gets the camera button as well as the picker.
    assert run.page.locator("#camera-button").is_visible()
    run.screenshot(f"phone-{width}-start")

    run.choose(photos.board)
    assert run.wait_for_result()
    wait_for_image(run, BOARD_PREVIEW)
    assert scroll_width(run) <= width
    run.screenshot(f"phone-{width}-result", readme="phone" if width == 375 else None)
    # The correction form, open with the letter box, fits too.
    run.page.locator("[data-testid=feedback-toggle]").click()
    run.page.get_by_role("radio", name="A letter (A–Z)").check()
    assert run.page.locator("[data-testid=feedback-label]").is_visible()
    assert scroll_width(run) <= width

    # An error quoting a long file name wraps rather than widening the page.
    long_name = "IMG_20261125_154512_" + "x" * 60 + ".txt"
    run.choose(photos.make(long_name, b"notes"))
    assert long_name in run.wait_for_error()
    assert scroll_width(run) <= width


def intercept_file_choosers(run: PageRun) -> list[Any]:
    """File choosers the page opens, from now on. Listening switches Chromium's interception on
    asynchronously, so do this well before the action (expect_file_chooser alone races it)."""
    choosers: list[Any] = []
    run.page.on("filechooser", lambda chooser: choosers.append(chooser))
    return choosers


def next_file_chooser(run: PageRun, choosers: list[Any]) -> Any:
    run.page.wait_for_function("() => true")  # a round trip, so the event has been dispatched
    if not choosers:
        run.page.wait_for_event("filechooser")
    return choosers.pop(0)


def test_the_camera_button_opens_the_picker_with_capture(new_page: Any, photos: Photos) -> None:
    run = new_page(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    choosers = intercept_file_choosers(run)
    run.open()
    run.page.locator("#camera-button").tap()
    chooser = next_file_chooser(run, choosers)
    assert chooser.element.get_attribute("capture") == "environment"
    chooser.set_files(str(photos.board))
    assert run.wait_for_result()
    # Choosing from the gallery afterwards does not open the camera again.
    assert run.page.locator("input[type=file]").get_attribute("capture") is None


def test_a_text_file_is_refused_before_any_upload(page_run: PageRun, photos: Photos) -> None:
    page_run.choose(photos.text)
    text = page_run.wait_for_error()
    assert "not a photo" in text and "notes.txt" in text
    assert page_run.predict_requests() == []
    assert page_run.page.locator("#result").is_hidden()
    page_run.screenshot("error-text-file")


def test_an_unreadable_image_gets_the_servers_refusal_in_words(
        page_run: PageRun, photos: Photos) -> None:
    # Typed image/jpeg, so it passes the browser's check; the browser cannot decode it either,
    # so it goes as it is, and the server answers 400 invalid_image.
    with page_run.page.expect_response("**/predict*") as response_info:
        page_run.choose(photos.broken_jpeg)
    response = response_info.value
    assert response.status == 400 and response.json()["error"]["code"] == "invalid_image"
    text = page_run.wait_for_error()
    assert "can’t be read as a photo" in text
    assert f"Reference: {response.json()['error']['request_id']}" in text
    assert page_run.page.locator("#result").is_hidden()


def test_the_picker_is_reached_and_opened_with_the_keyboard(
        new_page: Any, photos: Photos) -> None:
    page_run = new_page()
    choosers = intercept_file_choosers(page_run)
    page_run.open()
    page = page_run.page
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "file"
    # The input is visually hidden; its focus ring is drawn on the drop zone it labels.
    outline = page.eval_on_selector("#photo-input + label", "l => getComputedStyle(l).outlineStyle")
    assert outline == "solid"
    page_run.screenshot("keyboard-focus")
    page.keyboard.press("Enter")
    next_file_chooser(page_run, choosers).set_files(str(photos.board))
    assert page_run.wait_for_result()
    # Focus stays where it was: the next photo is one key press away.
    assert page.evaluate("document.activeElement.type") == "file"


DROP_OR_PASTE = """async ({data, name, type, how}) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, {type}));
  if (how === "paste") {
    document.body.dispatchEvent(new ClipboardEvent("paste",
      {clipboardData: transfer, bubbles: true, cancelable: true}));
    return null;
  }
  const zone = document.getElementById("dropzone");
  const options = {dataTransfer: transfer, bubbles: true, cancelable: true};
  zone.dispatchEvent(new DragEvent("dragenter", options));
  const accepted = !zone.dispatchEvent(new DragEvent("dragover", options));
  const highlighted = zone.classList.contains("is-dragging");
  zone.dispatchEvent(new DragEvent("drop", options));
  return {accepted, highlighted, after: zone.classList.contains("is-dragging")};
}"""


def give_file(run: PageRun, path: Path, media_type: str, how: str) -> Any:
    data = base64.b64encode(path.read_bytes()).decode()
    return run.page.evaluate(DROP_OR_PASTE,
                             {"data": data, "name": path.name, "type": media_type, "how": how})


def test_a_dropped_photo_is_read(page_run: PageRun, photos: Photos) -> None:
    drag = give_file(page_run, photos.board, "image/jpeg", "drop")
    assert drag == {"accepted": True, "highlighted": True, "after": False}
    assert page_run.wait_for_result()
    wait_for_image(page_run, BOARD_PREVIEW)


def test_a_pasted_photo_is_read(page_run: PageRun, photos: Photos) -> None:
    give_file(page_run, photos.board, "image/jpeg", "paste")
    assert page_run.wait_for_result()
    wait_for_image(page_run, BOARD_PREVIEW)


def test_a_dropped_text_file_is_refused(page_run: PageRun, photos: Photos) -> None:
    give_file(page_run, photos.text, "text/plain", "drop")
    assert "not a photo" in page_run.wait_for_error()
    assert page_run.predict_requests() == []


@pytest.mark.parametrize("decoder", ["createImageBitmap", "img"])
def test_photos_are_sent_upright_and_transparent_pixels_white(
        new_page: Any, photos: Photos, decoder: str) -> None:
    """EXIF orientation is applied before sending (the JPEG sent carries none), and a
    transparent PNG is flattened on white, not black; also where the page decodes with an
    <img> (browsers without createImageBitmap, or whose createImageBitmap ignores EXIF)."""
    run = new_page()
    if decoder == "img":
        run.page.add_init_script("window.createImageBitmap = undefined;")
    uploads = capture_predict_uploads(run)
    run.open()

    # Stored 320 x 200 (landscape) with orientation 6: a phone held upright. Shown 200 x 320.
    stored = Image.new("RGB", (320, 200), (240, 240, 240))
    stored.paste((20, 20, 20), (0, 0, 40, 200))  # a dark band on the stored left edge
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to view
    buffer = io.BytesIO()
    stored.save(buffer, "JPEG", quality=95, exif=exif)
    run.choose(photos.make("upright.jpg", buffer.getvalue()))
    assert run.wait_for_result()
    _, image, _ = uploaded_image(uploads[-1])
    assert image.size == (200, 320)
    assert image.getexif().get(0x0112) in (None, 1)
    assert gray_at(image, 100, 10) < 80, "the stored left edge is the top once upright"

    # 2400 x 600, transparent but for a dark square in the middle: sent as 1600 x 400 JPEG.
    clear = Image.new("RGBA", (2400, 600), (0, 0, 0, 0))
    clear.paste((10, 10, 10, 255), (1000, 100, 1400, 500))
    buffer = io.BytesIO()
    clear.save(buffer, "PNG")
    run.choose(photos.make("transparent.png", buffer.getvalue()))
    assert run.wait_for_result()
    filename, image, _ = uploaded_image(uploads[-1])
    assert filename == "transparent.jpg" and image.format == "JPEG" and image.size == (1600, 400)
    assert gray_at(image, 20, 20) > 240 and gray_at(image, 800, 200) < 40


def test_a_photo_too_big_to_send_directly_needs_uploads(new_page: Any, photos: Photos) -> None:
    """Over the direct-upload size the page asks POST /uploads; the local server has no uploads
    bucket (501 uploads_unavailable), which the page explains as a photo too large to send."""
    run = new_page()
    run.page.route("**/config.js", lambda route: route.fulfill(
        content_type="text/javascript",
        body='window.BOARDREAD_CONFIG = Object.freeze({"apiUrl": "", "directUploadMaxBytes": 1000});'))
    run.open()
    with run.page.expect_response("**/uploads") as response_info:
        run.choose(photos.board)
    assert response_info.value.status == 501
    assert "too large" in run.wait_for_error()
    assert run.predict_requests() == []
