"""Real photos for the core tests: rendered boards (seeded), encoded as a phone would."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from training.glyphs import GlyphSpec
from training.render import RenderedPhoto, render_photo

SEVEN = GlyphSpec("hershey", "digit", "7", "hershey:futura", "futural", "7")
KAY = GlyphSpec("hershey", "letter", "K", "hershey:roman", "rowmans", "K")


def render_until(spec: GlyphSpec, style: str, *, cropped: bool, start: int = 0) -> RenderedPhoto:
    """The first seeded render of ``style`` that is (or is not) cropped to the board."""
    for seed in range(start, start + 200):
        photo = render_photo(spec, seed, style)
        if photo.cropped == cropped:
            return photo
    raise AssertionError("no such render in 200 seeds")


@pytest.fixture(scope="session")
def whiteboard_photo() -> RenderedPhoto:
    return render_until(SEVEN, "whiteboard", cropped=False)


@pytest.fixture(scope="session")
def cropped_photo() -> RenderedPhoto:
    return render_until(KAY, "paper", cropped=True)


def encode(image: np.ndarray, ext: str = ".png", params: list[int] | None = None) -> bytes:
    ok, buf = cv2.imencode(ext, image, params or [])
    assert ok
    return buf.tobytes()


def flat_board(text: str = "7", *, invert: bool = False, size: int = 400) -> np.ndarray:
    """A plain board photographed straight on: dark marker on white (or chalk on black)."""
    board = np.full((size, size), 235, np.uint8)
    cv2.putText(board, text, (size // 4, size * 3 // 4), cv2.FONT_HERSHEY_SIMPLEX, size / 80,
                30, max(4, size // 40), cv2.LINE_AA)
    return 255 - board if invert else board
