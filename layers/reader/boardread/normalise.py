"""From a flattened board to the MNIST-like image the models read.

Polarity (dark ink on a light board, or chalk and LEDs light on dark), uneven light, glare and
shadow are removed by subtracting a morphological estimate of the bare board (where the ink is
weak, one at stroke scale, which also takes out patches of shadow or glare); the ink is then
cropped, padded to a square and resized; a glyph of dots (LED matrix, pegboard) is first joined
into strokes. The result is white ink on black, like MNIST.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .dots import find_dot_grid, join_dots
from .greylevels import grey_median, grey_percentile
from .pieces import keep_glyph_pieces

MODEL_SIDE = 32  # model input is MODEL_SIDE x MODEL_SIDE, one channel
GLYPH_SIDE = 26  # the glyph's long side inside it
_BORDER_SHAVE = 0.025  # share of each side dropped: frame rims and warp edges
_MIN_CONTRAST = 14.0  # weaker ink than this (grey levels) is treated as no ink
_STATS_MARGIN = 0.1  # share of each side left out of the levels the ink threshold is set by
# Shadows and glare patches: ink weaker than this share of the strongest is measured again
# against the board's level over this many stroke widths (see _without_patches).
_WEAK_INK = 0.75
_PATCH_KERNEL = 3.0
# The stroke width that scale is set by is measured where the ink is clear: over this share of
# the strongest, by polarity. Dark ink on a light board: 0.75, or a hard-edged shadow half as
# dark as the ink is measured as a broad stroke and the step skipped (validation, models
# d42ab4: 0.5 -> 89.03 %, 0.65 89.23, 0.7 89.37, 0.75 89.40, 0.8 89.27, 0.85 89.27). Chalk and
# LEDs keep 0.5: grainy or glowing strokes measured thin at 0.75 and bold chalk was hollowed
# (0.75 for both: 88.07 %, chalkboards 90.0 -> 84.2).
_CLEAR_INK = {False: 0.75, True: 0.5}  # by light_on_dark
_EDGE_MARGIN = 0.015  # share of the board's long side: a glyph this near an edge "reaches" it
_LIGHT_BOARD, _DARK_BOARD = 150, 95  # median grey levels of a board that tell its polarity
_CENTRE_SHAVE = 0.25  # share of each side left out of a board's central half
_SPECK_SIDE = 0.05  # share of the board's long side: a glyph smaller than this is a speck


@dataclass(frozen=True)
class Glyph:
    """The model input and what it was cut from."""

    image: np.ndarray  # MODEL_SIDE x MODEL_SIDE uint8, white ink on black
    ink: np.ndarray  # the board's ink map, uint8, white ink on black
    box: tuple[int, int, int, int] | None  # x, y, w, h of the glyph in ``ink``; None if empty
    light_on_dark: bool

    def doubts_outline(self) -> bool:
        """True when the glyph suggests that a board outline found in the photo is wrong:
        there is no ink inside it, the glyph runs to its edge, or it is only a speck."""
        return self.box is None or self.reaches_edge() or self.is_speck()

    def reaches_edge(self) -> bool:
        """True when the glyph runs to within _EDGE_MARGIN of the board's edge: on a board
        found in a photo, the outline then most likely cuts through the glyph."""
        if self.box is None:
            return False
        x, y, w, h = self.box
        height, width = self.ink.shape
        margin = round(_EDGE_MARGIN * max(height, width))
        return x <= margin or y <= margin or x + w >= width - margin or y + h >= height - margin

    def is_speck(self) -> bool:
        """True when the glyph's long side is under _SPECK_SIDE of the board's: nobody
        photographs a board for that, so on a board found in a photo the outline most likely
        missed the glyph (a hard shadow's edge taken for a side) and kept a fleck of dust."""
        return self.box is not None and max(self.box[2:]) < _SPECK_SIDE * max(self.ink.shape)


def normalise_glyph(board: np.ndarray) -> Glyph:
    """Normalise a flattened grey board into the model's input."""
    board = _inner(board, _BORDER_SHAVE)
    ink, light_on_dark = ink_map(board)
    mask = _ink_mask(ink)
    mask = keep_glyph_pieces(mask, ink)
    if not mask.any():
        empty = np.zeros((MODEL_SIDE, MODEL_SIDE), np.uint8)
        return Glyph(image=empty, ink=ink, box=None, light_on_dark=light_on_dark)
    support = cv2.dilate(mask, np.ones((3, 3), np.uint8))
    ink = np.where(support > 0, ink, 0).astype(np.uint8)
    x, y, w, h = cv2.boundingRect(mask)
    crop = ink[y : y + h, x : x + w]
    grid = find_dot_grid(mask[y : y + h, x : x + w])
    if grid is not None:
        crop = join_dots(crop, grid)
    image = fit_to_square(crop)
    return Glyph(image=image, ink=ink, box=(x, y, w, h), light_on_dark=light_on_dark)


def ink_map(board: np.ndarray) -> tuple[np.ndarray, bool]:
    """Ink strength per pixel (uint8, 0 = bare board) and whether the ink is light on dark."""
    grey = cv2.GaussianBlur(board, (3, 3), 0).astype(np.int16)
    light_on_dark = _polarity_by_level(board)
    if light_on_dark is None:  # a mid-grey board: the stronger ink decides, so both are made
        dark_ink, light_ink = _dark_ink(board, grey), _light_ink(board, grey)
        light_on_dark = grey_percentile(light_ink, 99.5) > grey_percentile(dark_ink, 99.5)
        ink = light_ink if light_on_dark else dark_ink
    else:
        ink = _light_ink(board, grey) if light_on_dark else _dark_ink(board, grey)
    return _without_patches(board, grey, ink, light_on_dark), light_on_dark


def fit_to_square(crop: np.ndarray) -> np.ndarray:
    """Pad a crop to a square, scale its long side to GLYPH_SIDE, centre it, stretch to 0..255."""
    h, w = crop.shape
    scale = GLYPH_SIDE / max(h, w)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    small = cv2.resize(crop, (nw, nh), interpolation=interpolation).astype(np.float32)
    out = np.zeros((MODEL_SIDE, MODEL_SIDE), np.float32)
    top, left = (MODEL_SIDE - nh) // 2, (MODEL_SIDE - nw) // 2
    out[top : top + nh, left : left + nw] = small
    peak = float(np.percentile(out[out > 0], 99)) if (out > 0).any() else 0.0
    if peak > 0:
        out = np.clip(out * (255.0 / peak), 0, 255)
    return out.astype(np.uint8)


def _inner(image: np.ndarray, share: float) -> np.ndarray:
    """``image`` without ``share`` of each side (all of it when that would leave under 8 px)."""
    h, w = image.shape
    dy, dx = round(h * share), round(w * share)
    return image[dy : h - dy, dx : w - dx] if h - 2 * dy >= 8 and w - 2 * dx >= 8 else image


def _dark_ink(board: np.ndarray, grey: np.ndarray) -> np.ndarray:
    """How much darker than the bare board (its closing) each pixel is."""
    closed = _background(board, cv2.MORPH_CLOSE)
    return np.clip(closed.astype(np.int16) - grey, 0, 255).astype(np.uint8)


def _light_ink(board: np.ndarray, grey: np.ndarray) -> np.ndarray:
    """How much lighter than the bare board (its opening) each pixel is."""
    opened = _background(board, cv2.MORPH_OPEN)
    return np.clip(grey - opened.astype(np.int16), 0, 255).astype(np.uint8)


def _background(board: np.ndarray, operation: int) -> np.ndarray:
    """The bare board under dark ink (``MORPH_CLOSE``) or under light ink (``MORPH_OPEN``),
    estimated at half size."""
    h, w = board.shape
    half = cv2.resize(board, (max(1, w // 2), max(1, h // 2)), interpolation=cv2.INTER_AREA)
    k = _board_kernel(board.shape)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))  # rect: separable, fast
    bare = cv2.blur(cv2.morphologyEx(half, operation, kernel), (k, k))
    return cv2.resize(bare, (w, h), interpolation=cv2.INTER_LINEAR)


def _board_kernel(shape: tuple[int, ...]) -> int:
    """Side of the bare-board estimate's kernel at half size: ~1/4 of the board."""
    return max(7, (max(shape[:2]) // 8) | 1)


def _without_patches(board: np.ndarray, grey: np.ndarray, ink: np.ndarray,
                     light_on_dark: bool) -> np.ndarray:
    """The ink map without shadows and glare patches: wider than the strokes and weaker than
    the glyph's ink. Weak ink is measured again against the board's level at stroke scale (a
    kernel of a few stroke widths), which follows a patch but not a stroke; strong ink keeps
    its first measure, so the glyph stays whole inside a shadow and a bold stroke is not
    hollowed where the stroke width was underestimated."""
    strong = _strongest(ink)
    if strong < _MIN_CONTRAST:
        return ink
    width = _stroke_width(ink, _CLEAR_INK[light_on_dark] * strong)
    if width is None:
        return ink
    side = max(3, round(_PATCH_KERNEL * width) | 1)
    if side >= 2 * _board_kernel(board.shape):  # no finer than the board-scale estimate
        return ink
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (side, side))
    level = cv2.morphologyEx(board, cv2.MORPH_OPEN if light_on_dark else cv2.MORPH_CLOSE, kernel)
    level = cv2.blur(level, (side, side)).astype(np.int16)
    local = np.clip(grey - level if light_on_dark else level - grey, 0, 255).astype(np.uint8)
    return np.where(ink < _WEAK_INK * strong, np.minimum(ink, local), ink)


def _stroke_width(ink: np.ndarray, clear: float) -> float | None:
    """The width (pixels) of the broad strokes: twice the 90th percentile of the distance to
    the edge along the ridges of the clearly inked parts (ink over ``clear``)."""
    inked = (cv2.GaussianBlur(ink, (5, 5), 0) > clear).astype(np.uint8)
    core = cv2.morphologyEx(inked, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))  # chalk grain
    distance = cv2.distanceTransform(core, cv2.DIST_L2, 3)
    ridge = (distance > 0) & (distance >= cv2.dilate(distance, np.ones((3, 3), np.uint8)))
    if not ridge.any():
        return None
    return 2.0 * float(np.percentile(distance[ridge], 90))


def _polarity_by_level(board: np.ndarray) -> bool | None:
    """True for a dark board (light ink), False for a light one, None for a mid-grey board,
    whose polarity the ink itself must tell. A board mid-grey as a whole may be clearly light
    or dark in its central half, where a photo is aimed: a whole photo read when the board was
    missed mixes the board with its surroundings (models d42ab4: 4 validation photos changed,
    read right +1; 13 test photos, +6 / -1)."""
    for region in (board, _inner(board, _CENTRE_SHAVE)):
        median = grey_median(region)
        if median >= _LIGHT_BOARD:
            return False
        if median <= _DARK_BOARD:
            return True
    return None


def _strongest(ink: np.ndarray) -> float:
    """The strongest ink's level: the 99.8th percentile of the board's inner part (see
    ``_ink_mask``)."""
    return grey_percentile(_inner(ink, _STATS_MARGIN), 99.8)


def _ink_mask(ink: np.ndarray) -> np.ndarray:
    """Where the ink is, thresholded by the levels of the board's inner part: a frame's rim or
    the photo's surroundings at the edges are often brighter in the ink map than the glyph
    and would set the bar above it."""
    strong = _strongest(ink)
    if strong < _MIN_CONTRAST:
        return np.zeros_like(ink)
    otsu, _ = cv2.threshold(_inner(ink, _STATS_MARGIN), 0, 255,
                            cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    threshold = max(float(otsu), 0.35 * strong, _MIN_CONTRAST)
    return (ink > threshold).astype(np.uint8) * 255
