"""Medians and percentiles of uint8 grey levels, counted from a 256-bin histogram.

The same numbers as ``np.median`` and ``np.percentile`` (linear interpolation), to the last bit,
without sorting: a board has ~100,000 pixels and only 256 possible values (0.1 ms instead of up to
1.7 ms per call).
"""

from __future__ import annotations

import math

import cv2
import numpy as np


def grey_median(values: np.ndarray, mask: np.ndarray | None = None) -> float:
    """``float(np.median(values[mask > 0]))`` (all of ``values`` without a mask) for uint8
    values; the selection must not be empty."""
    n, ranks = _ranks(values, mask)
    if n % 2:
        return float(_at(ranks, n // 2))
    return (_at(ranks, n // 2 - 1) + _at(ranks, n // 2)) / 2


def grey_percentile(values: np.ndarray, q: float) -> float:
    """``float(np.percentile(values, q))`` for a non-empty uint8 array, 0 <= q <= 100."""
    n, ranks = _ranks(values, None)
    virtual = (n - 1) * (q / 100)
    if virtual >= n - 1:
        return float(_at(ranks, n - 1))
    low = math.floor(virtual)
    gamma = virtual - low
    a, b = _at(ranks, low), _at(ranks, low + 1)
    # numpy's _lerp: from the nearer end, so q = 100 gives the maximum exactly
    return b - (b - a) * (1 - gamma) if gamma >= 0.5 else a + (b - a) * gamma


def _ranks(values: np.ndarray, mask: np.ndarray | None) -> tuple[int, np.ndarray]:
    """(count, cumulative count of each grey level and below) of the selected values."""
    if values.dtype != np.uint8:
        raise ValueError(f"need uint8 grey levels, got {values.dtype}")
    if values.ndim != 2:  # calcHist counts images; a 2-D one as it is (a column is slower)
        values = values.reshape(-1, 1)
    counts = cv2.calcHist([values], [0], mask, [256], [0, 256]).ravel().astype(np.int64)
    ranks = np.cumsum(counts)
    if ranks[-1] == 0:
        raise ValueError("no values to count")
    return int(ranks[-1]), ranks


def _at(ranks: np.ndarray, index: int) -> int:
    """The grey level at ``index`` in sorted order."""
    return int(np.searchsorted(ranks, index, side="right"))
