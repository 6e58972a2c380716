"""Accessibility checks that a browser can measure: text contrast (WCAG AA) in the light and dark
colour schemes, names for every control and image, and live regions for answers and errors."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import PageRun, Photos
from tests.web.payloads import contract_error, prediction

pytestmark = pytest.mark.browser

# For each visible element with its own text: its colour, the colour behind it (the first
# opaque background up the tree, blending translucent ones), and the WCAG contrast ratio.
CONTRAST = """() => {
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const [r, g, b, a = 1] = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return {r, g, b, a};
  };
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a), g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a), a: 1});
  const background = (el) => {
    const layers = [];
    for (let node = el; node; node = node.parentElement) {
      const c = parse(getComputedStyle(node).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    let colour = {r: 255, g: 255, b: 255, a: 1};
    for (const layer of layers.reverse()) colour = over(layer, colour);
    return colour;
  };
  const luminance = ({r, g, b}) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const results = [];
  for (const el of document.body.querySelectorAll("*")) {
    const ownText = Array.from(el.childNodes).some(
      (n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    if (!ownText || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || el.closest(".visually-hidden, .status:not(.is-busy)")) {
      continue;
    }
    const bg = background(el);
    const fg = over(parse(style.color), bg);
    const [hi, lo] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    results.push({text: el.textContent.trim().slice(0, 40), ratio: (hi + 0.05) / (lo + 0.05),
                  needed: large ? 3 : 4.5});
  }
  return results;
}"""


def low_contrast(run: PageRun) -> list[str]:
    found = run.page.evaluate(CONTRAST)
    assert found, "no text measured"
    return [f"{r['text']!r}: {r['ratio']:.2f} < {r['needed']}" for r in found
            if r["ratio"] < r["needed"]]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_contrast_meets_wcag_aa(new_page: Any, photos: Photos, scheme: str) -> None:
    run = new_page(color_scheme=scheme)
    answers = [{"json": prediction("digit", "8", 0.41, [
        ("digit", "8", 0.41), ("letter", "B", 0.38), ("digit", "3", 0.1)], board_found=False)}]
    run.page.route("**/predict*", lambda route: route.fulfill(**answers[0]))
    run.open()
    problems = low_contrast(run)  # the first view: picker and tips

    run.choose(photos.board)
    run.wait_for_result()
    run.page.locator("summary").click()  # the details too
    problems += low_contrast(run)  # a low-confidence answer, in its warning colour

    # The correction form: a field's error, then the server's refusal in words.
    run.page.route("**/feedback", lambda route: route.fulfill(
        status=501, content_type="application/json",
        body=contract_error("feedback_unavailable", "No data bucket.")))
    run.page.locator("[data-testid=feedback-toggle]").click()
    run.page.get_by_role("radio", name="A digit (0–9)").check()
    run.page.get_by_role("button", name="Send").click()  # nothing typed: the field's error
    run.page.locator("[data-testid=feedback-label-error]").wait_for()
    problems += low_contrast(run)
    run.page.locator("[data-testid=feedback-label]").fill("4")
    run.page.get_by_role("button", name="Send").click()
    run.page.locator("[data-testid=feedback-message][data-kind=error]").wait_for()
    problems += low_contrast(run)

    run.choose(photos.text)
    run.wait_for_error()
    problems += low_contrast(run)
    assert not problems, problems
    run.screenshot(f"contrast-{scheme}")


def test_controls_and_images_have_names_and_regions_are_live(
        page_run: PageRun, photos: Photos) -> None:
    page = page_run.page
    file_input = page.locator("input[type=file]")
    assert file_input.count() == 1  # one input for picker, drop, paste and camera
    assert file_input.get_attribute("accept") == "image/*"
    # Its name is the whole drop zone's text, so it says what else works.
    picker = page.get_by_role("button", name="Choose a photo or drop it here, or paste it")
    assert picker.evaluate("e => e.type") == "file"
    assert page.locator("[data-testid=error]").get_attribute("role") == "alert"
    status = page.locator("#status")
    assert status.get_attribute("role") == "status"
    assert status.get_attribute("aria-live") == "polite"

    page_run.choose(photos.board)
    page_run.wait_for_result()
    images = page.locator("img:visible")
    assert images.count() >= 3  # logo (decorative), the board the models saw, the photo
    for index in range(images.count()):
        assert images.nth(index).get_attribute("alt") is not None
    assert page.locator("img[data-testid=board-preview]").get_attribute("alt")
    meter = page.get_by_role("meter")
    assert meter.count() == 1 and meter.get_attribute("aria-valuetext")
    # The correction form: a disclosure button, a named group of kinds, a named box, a live
    # region for what sending did.
    toggle = page.get_by_role("button", name="Wrong? Tell us what it is")
    assert toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    kinds = page.get_by_role("group", name="What is on the board?")
    assert kinds.get_by_role("radio").count() == 3
    kinds.get_by_role("radio", name="A letter (A–Z)").check()
    assert page.get_by_role("textbox", name="Which letter?").is_visible()
    assert page.get_by_role("button", name="Send").is_visible()
    assert page.locator("[data-testid=feedback-message]").get_attribute("aria-live") == "polite"
    assert page.evaluate("document.documentElement.lang") == "en"
    # Headings in order: one h1, the answer's h2, the alternatives' h3.
    levels = page.eval_on_selector_all(
        "h1:not([hidden]), h2, h3", "hs => hs.filter(h => h.getClientRects().length)"
        ".map(h => h.tagName)")
    assert levels[0] == "H1" and levels.count("H1") == 1 and "H2" in levels and "H3" in levels


def test_without_javascript_the_page_says_so(new_page: Any) -> None:
    run = new_page(java_script_enabled=False)
    run.open()
    message = run.page.locator("noscript p")  # get_by_text does not look inside <noscript>
    assert message.is_visible() and "needs JavaScript" in message.inner_text()
