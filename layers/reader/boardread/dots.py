"""Glyphs made of dots (LED matrices, pegboards) joined into strokes.

Scaled to the model's 32 pixels, a grid of dots turns into a moire of stripes and checks that
depends on the grid's pitch more than on the glyph; joining neighbouring dots first gives the
models the glyph's shape, the same whatever the pitch or the dot size.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

_MIN_DOTS = 6  # fewer pieces than this are strokes, not a dot pattern
_REGULAR = 0.7  # share of the pieces that must be about the median dot's size
_MIN_FILL = 0.5  # a dot fills at least this share of its bounding box (strokes fill less)
_SPACING = (0.6, 3.5)  # nearest centre over the diameter of a disc of the median area
_ON_GRID = 0.6  # share of the dots whose nearest neighbour is within 25 % of the pitch
_ALIGNED = 0.6  # how much the steps to nearest neighbours agree on the grid's axes (0..1)
_SAMPLE = 400  # nearest neighbours are measured for at most this many dots
_SEPARATIONS = 2  # erosions tried to part dots that touch (glow, big pegs)


@dataclass(frozen=True)
class DotGrid:
    pitch: float  # centre to centre, pixels
    diameter: float  # of one dot, pixels


def find_dot_grid(mask: np.ndarray) -> DotGrid | None:
    """The grid when the mask's pieces are dots of one size on a grid (also when neighbouring
    dots touch), else None: strokes, chalk grain, a blob."""
    kernel = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))
    pieces = mask
    for erosions in range(_SEPARATIONS + 1):
        if erosions:
            pieces = cv2.erode(pieces, kernel)  # one more than the last try, not all again
        grid = _grid(pieces)
        if grid is not None:
            return DotGrid(grid.pitch, grid.diameter + 2 * erosions)
    return None


def join_dots(image: np.ndarray, grid: DotGrid) -> np.ndarray:
    """Each dot grown to fill its cell, then the gaps to diagonal neighbours closed: the dots
    become strokes as thick as a cell. Returns the joined glyph cut to its own extent (the
    grown dots at the edges included)."""
    grow = max(0, round(0.55 * grid.pitch - grid.diameter / 2))
    side = round(grid.pitch * 1.2) | 1
    image = cv2.copyMakeBorder(image, side, side, side, side, cv2.BORDER_CONSTANT, value=(0,))
    if grow:
        image = cv2.dilate(image, _disc(2 * grow + 1))
    joined = cv2.morphologyEx(image, cv2.MORPH_CLOSE, _disc(side))
    x, y, w, h = cv2.boundingRect((joined > 0).astype(np.uint8))
    return joined[y : y + h, x : x + w]


def _disc(side: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side))


def _grid(mask: np.ndarray) -> DotGrid | None:
    count, _, stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count - 1 < _MIN_DOTS:
        return None
    w, h, areas = (stats[1:, i].astype(np.float64) for i in (2, 3, 4))
    median = float(np.median(areas))
    regular = (areas >= median / 2.5) & (areas <= median * 2.5)
    if regular.mean() < _REGULAR or float(np.median((areas / (w * h))[regular])) < _MIN_FILL:
        return None
    steps = _nearest_neighbour_steps(centroids[1:][regular])
    nearest = np.hypot(steps[:, 0], steps[:, 1])
    pitch = float(np.median(nearest))
    on_grid = float(np.mean(np.abs(nearest - pitch) <= 0.25 * pitch))
    # On a grid every step is along an axis or a diagonal: 8 x its angle is the same angle
    # (rays of a sun or specks of chalk point every way).
    angle = np.arctan2(steps[:, 1], steps[:, 0])
    aligned = float(np.hypot(np.cos(8 * angle).mean(), np.sin(8 * angle).mean()))
    diameter = 2.0 * np.sqrt(median / np.pi)
    low, high = _SPACING
    grid = on_grid >= _ON_GRID and aligned >= _ALIGNED
    return DotGrid(pitch, diameter) if grid and low * diameter <= pitch <= high * diameter \
        else None


def _nearest_neighbour_steps(points: np.ndarray) -> np.ndarray:
    """(dx, dy) from each dot (at most _SAMPLE of them) to its nearest neighbour."""
    sample = points[np.linspace(0, len(points) - 1, min(len(points), _SAMPLE)).astype(int)]
    dx = points[None, :, 0] - sample[:, None, 0]
    dy = points[None, :, 1] - sample[:, None, 1]
    d = np.hypot(dx, dy)
    d[d == 0] = np.inf  # each dot itself
    j = d.argmin(axis=1)
    rows = np.arange(len(sample))
    return np.stack([dx[rows, j], dy[rows, j]], axis=1)
