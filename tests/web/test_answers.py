"""How the page puts an answer into words, with the API's answers fixed by route interception
(the contract's JSON, so the words do not depend on which models are packaged)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import PageRun, Photos
from tests.web.payloads import prediction

pytestmark = pytest.mark.browser


def answer_with(run: PageRun, body: dict[str, Any], photo: Any) -> PageRun:
    run.page.route("**/predict*", lambda route: route.fulfill(json=body))
    run.open()
    run.choose(photo)
    run.wait_for_result()
    return run


def text(run: PageRun, testid: str) -> str:
    return str(run.page.locator(f"[data-testid={testid}]").inner_text()).strip()


def alternatives(run: PageRun) -> list[str]:
    items = run.page.locator("[data-testid=alternatives] > li")
    return [" ".join(str(t).split()) for t in items.all_inner_texts()]


def test_a_sure_answer(new_page: Any, photos: Photos) -> None:
    run = answer_with(new_page(), prediction("digit", "7", 0.97, [
        ("digit", "7", 0.97), ("letter", "T", 0.02), ("digit", "1", 0.01)]), photos.board)
    assert text(run, "result-label") == "7"
    assert text(run, "result-verdict") == "It is the digit 7."
    assert text(run, "result-category") == "A digit (0–9), 100% sure it is a digit"
    assert text(run, "result-confidence") == "97% (sure)"
    meter = run.page.locator("[role=meter]")
    assert meter.get_attribute("aria-valuenow") == "97"
    assert meter.get_attribute("data-level") == "high"
    assert alternatives(run) == ["7 The digit 7 97%", "T The letter T 2%", "1 The digit 1 1%"]
    assert run.page.locator("#board-note").is_hidden()
    assert "It is the digit 7. 97% sure." in run.page.locator("[role=status]").inner_text()


def test_a_fairly_sure_answer(new_page: Any, photos: Photos) -> None:
    run = answer_with(new_page(), prediction("letter", "K", 0.64, [
        ("letter", "K", 0.64), ("letter", "X", 0.2), ("letter", "R", 0.1)]), photos.board)
    assert text(run, "result-label") == "K"
    assert text(run, "result-verdict") == "Probably the letter K."
    assert text(run, "result-confidence") == "64% (fairly sure)"


def test_a_low_confidence_answer_says_it_is_not_sure(new_page: Any, photos: Photos) -> None:
    run = answer_with(new_page(), prediction("digit", "8", 0.41, [
        ("digit", "8", 0.41), ("letter", "B", 0.38), ("digit", "3", 0.004)]), photos.board)
    assert text(run, "result-label") == "8"
    assert text(run, "result-verdict") == "boardread is not sure: 8 or B?"
    assert text(run, "result-confidence") == "41% (not sure)"
    assert run.page.locator("[role=meter]").get_attribute("data-level") == "low"
    assert alternatives(run)[2] == "3 The digit 3 <1%"
    run.screenshot("answer-not-sure")


def test_a_drawing_is_called_a_drawing(new_page: Any, photos: Photos) -> None:
    run = answer_with(new_page(), prediction("free_pattern", None, 0.93, [
        ("free_pattern", None, 0.93), ("digit", "0", 0.04), ("letter", "O", 0.02)]),
        photos.board)
    assert text(run, "result-label")  # a mark stands in for the missing character
    assert text(run, "result-verdict") == "It is a drawing, not a character."
    assert text(run, "result-category") == "A drawing, not a character"
    assert alternatives(run)[0] == "✎ A drawing, not a character 93%"


def test_an_unsure_drawing(new_page: Any, photos: Photos) -> None:
    run = answer_with(new_page(), prediction("free_pattern", None, 0.33, [
        ("free_pattern", None, 0.33), ("digit", "0", 0.3), ("digit", "1", 0.2)]), photos.board)
    assert text(run, "result-verdict") == "boardread is not sure: a drawing or 0?"


def test_no_board_outline_is_explained(new_page: Any, photos: Photos) -> None:
    run = answer_with(new_page(), prediction("digit", "4", 0.9996, [
        ("digit", "4", 0.9996), ("digit", "9", 0.0003), ("letter", "A", 0.0)],
        board_found=False), photos.board)
    # Nearly certain is not certain; a nil chance is nil.
    assert text(run, "result-confidence") == ">99% (sure)"
    assert [line.split()[-1] for line in alternatives(run)] == [">99%", "<1%", "0%"]
    assert run.page.locator("#board-note").is_visible()
    assert "No board outline was found" in run.page.locator("#board-note").inner_text()


def test_the_board_preview_is_the_debug_png(new_page: Any, photos: Photos) -> None:
    body = prediction("digit", "1", 0.9, [("digit", "1", 0.9), ("letter", "I", 0.05),
                                          ("letter", "L", 0.02)])
    run = new_page()
    asked: list[str] = []

    def answer(route: Any) -> None:
        asked.append(route.request.url)
        route.fulfill(json=body)

    run.page.route("**/predict*", answer)
    run.open()
    run.choose(photos.board)
    run.wait_for_result()
    assert all(url.endswith("/predict?debug=true") for url in asked) and asked
    preview = run.page.locator("img[data-testid=board-preview]")
    assert preview.get_attribute("src") == f"data:image/png;base64,{body['board_png']}"
    run.page.wait_for_function(
        "document.querySelector('img[data-testid=board-preview]').naturalWidth === 64")


def test_an_answer_without_board_png_hides_the_preview(new_page: Any, photos: Photos) -> None:
    run = answer_with(new_page(), prediction("digit", "2", 0.9, [
        ("digit", "2", 0.9), ("letter", "Z", 0.05), ("digit", "7", 0.02)], with_board=False),
        photos.board)
    assert text(run, "result-label") == "2"
    assert run.page.locator("img[data-testid=board-preview]").is_hidden()


def test_where_the_words_change(new_page: Any, photos: Photos) -> None:
    """90% and over: "It is"; from 60%: "Probably"; under 60%: not sure (web/README.md says why),
    judged on the percentage shown."""
    cases = [(0.9, "It is the digit 5."), (0.8951, "It is the digit 5."),
             (0.8949, "Probably the digit 5."), (0.6, "Probably the digit 5."),
             (0.5949, "boardread is not sure: 5 or S?")]
    bodies = [prediction("digit", "5", c, [("digit", "5", c), ("letter", "S", 0.2),
                                           ("digit", "6", 0.1)]) for c, _ in cases]
    run = new_page()
    run.page.route("**/predict*", lambda route: route.fulfill(json=bodies.pop(0)))
    run.open()
    for _, words in cases:
        run.choose(photos.board)
        run.wait_for_result()
        assert text(run, "result-verdict") == words
