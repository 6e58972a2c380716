"""One photo in, one reading out: decode, find the board, normalise, read."""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field
from functools import lru_cache

import cv2
import numpy as np

from .board import extract_board, whole_photo
from .decode import DEFAULT_MAX_PIXELS, DEFAULT_MIN_SIDE, decode_image
from .normalise import Glyph, normalise_glyph
from .reader import TOP_K, Reader

DEBUG_SIDE = 256


@dataclass(frozen=True)
class PreparedPhoto:
    """What the models see, and how it was obtained."""

    glyph: Glyph
    board: np.ndarray  # the flattened board (grey) the glyph was cut from
    board_found: bool
    timings_ms: dict[str, float]


@dataclass(frozen=True)
class Prediction:
    """A reading in the shape of the HTTP contract's 200 body."""

    category: str
    label: str | None
    confidence: float
    category_confidence: float
    label_confidence: float | None
    alternatives: list[dict[str, object]]
    board_found: bool
    timings_ms: dict[str, float]
    model_version: str
    board_png: str | None = field(default=None)

    def to_dict(self) -> dict[str, object]:
        body: dict[str, object] = {
            "category": self.category,
            "label": self.label,
            "confidence": round(self.confidence, 4),
            "category_confidence": round(self.category_confidence, 4),
            "label_confidence": (None if self.label_confidence is None
                                 else round(self.label_confidence, 4)),
            "alternatives": self.alternatives,
            "board_found": self.board_found,
            "timings_ms": self.timings_ms,
            "model_version": self.model_version,
        }
        if self.board_png is not None:
            body["board_png"] = self.board_png
        return body


@lru_cache(maxsize=1)
def get_reader() -> Reader:
    """The process-wide reader with the packaged models, loaded on first use."""
    return Reader()


def prepare_photo(
    data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS, min_side: int = DEFAULT_MIN_SIDE
) -> PreparedPhoto:
    """Decode the bytes and normalise the board to the model input. Raises ReaderError."""
    t0 = time.perf_counter()
    grey = decode_image(data, max_pixels=max_pixels, min_side=min_side)
    t1 = time.perf_counter()
    board = extract_board(grey)
    glyph = normalise_glyph(board.image)
    if board.found and glyph.doubts_outline():
        # The outline cuts through the glyph (a shadow's edge, a row of pegs, a stroke taken for
        # a side): the whole photo is read instead. Models a866fd, rendered validation and test
        # photos: 85.17 -> 85.73 % and 86.92 -> 87.50 % read right. On validation, the glyph
        # reached the edge of 38 of 193 wrong outlines (read right 14 -> 26), 13 of 27 outlines
        # "found" in photos cropped to the board (7 -> 12), and 12 of 1,937 right ones (3 -> 3).
        # So is an outline with no ink inside (a shadow's edge, most often in a photo cropped
        # to the board): models 80fc85, 15 of 6,000 test photos, read right 6 -> 11. And so is
        # one whose glyph is a speck (a hard shadow's edge taken for a side, the glyph left
        # outside): models d42ab4, 4 of 3,000 validation photos (read right 1 -> 4) and 6 of
        # 6,000 test photos (3 -> 5).
        board = whole_photo(grey)
        glyph = normalise_glyph(board.image)
    t2 = time.perf_counter()
    timings = {"decode": _ms(t1 - t0), "preprocess": _ms(t2 - t1)}
    return PreparedPhoto(glyph=glyph, board=board.image, board_found=board.found,
                         timings_ms=timings)


def read_board(
    data: bytes,
    *,
    reader: Reader | None = None,
    debug: bool = False,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    min_side: int = DEFAULT_MIN_SIDE,
) -> Prediction:
    """Read the digit, letter or free pattern on the board in a photo. Raises ReaderError."""
    t0 = time.perf_counter()
    reader = reader or get_reader()
    photo = prepare_photo(data, max_pixels=max_pixels, min_side=min_side)
    t1 = time.perf_counter()
    options = reader.read(photo.glyph.image)
    t2 = time.perf_counter()
    best = options[0]
    timings = {**photo.timings_ms, "inference": _ms(t2 - t1), "total": _ms(t2 - t0)}
    return Prediction(
        category=best.category,
        label=best.label,
        confidence=best.confidence,
        category_confidence=best.category_confidence,
        label_confidence=best.label_confidence,
        alternatives=[o.to_dict() for o in options[:TOP_K]],
        board_found=photo.board_found,
        timings_ms=timings,
        model_version=reader.version,
        board_png=debug_board_png(photo.glyph) if debug else None,
    )


def debug_board_png(glyph: Glyph) -> str:
    """Base64 PNG (<= DEBUG_SIDE px) of the normalised board with the crop box and model input."""
    ink = glyph.ink
    scale = min(1.0, DEBUG_SIDE / max(ink.shape))
    view = cv2.resize(ink, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    view = cv2.cvtColor(view, cv2.COLOR_GRAY2BGR)
    if glyph.box is not None:
        x, y, w, h = (round(v * scale) for v in glyph.box)
        cv2.rectangle(view, (x, y), (x + w, y + h), (0, 200, 255), 1)
    inset = cv2.resize(glyph.image, (64, 64), interpolation=cv2.INTER_NEAREST)
    if view.shape[0] >= 68 and view.shape[1] >= 68:
        view[2:66, 2:66] = cv2.cvtColor(inset, cv2.COLOR_GRAY2BGR)
        cv2.rectangle(view, (1, 1), (66, 66), (0, 200, 255), 1)
    ok, png = cv2.imencode(".png", view)
    return base64.b64encode(png.tobytes()).decode("ascii") if ok else ""


def _ms(seconds: float) -> float:
    return round(seconds * 1000.0, 2)
