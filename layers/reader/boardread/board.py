"""Find the board in a photo and warp it flat."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from .greylevels import grey_median

BOARD_SIDE = 320  # long side of the flattened board
_SEARCH_SIDE = 480  # long side of the copy the outline is searched on
_MIN_AREA = 0.12  # a board covers at least this share of the photo
_MAX_AREA = 0.985  # ... and is not the photo's own edge
_MIN_EDGE_CONTRAST = 12.0  # grey levels between just inside and just outside the outline
_MIN_EDGE_SUPPORT = 0.8  # share of the outline that runs along a real edge in the photo
_MAX_VERTICES = 10  # outlines simplified to more corners than this are not tried as 4-subsets
_EDGE_GRADIENT = 40.0  # Sobel magnitude that counts as an edge
# Canny's hysteresis thresholds, fixed like _EDGE_GRADIENT. Scaled by the photo's median grey
# (0.5 m + 10, 1.2 m + 30) they rose past a bright board's own edge: on 2,276 validation scenes
# 146 boards were missed against 59 with these, 1,937 outlines right against 2,048.
_CANNY_THRESHOLDS = (40.0, 100.0)
_MAX_LINES = 10  # longest distinct straight lines combined into outlines (210 quads)
_MIN_LINE = 0.15  # shortest line segment tried as part of a side (share of the short side)
_MAX_SEGMENTS = 100  # longest segments looked at for those lines (hatching makes thousands)
_MIN_EDGE_ALIGNMENT = 0.6  # share of the outline where the photo's edge runs along it
_ALIGNED_COS = 0.9  # an edge runs along a side when its gradient is within ~25 deg of the normal


@dataclass(frozen=True)
class Board:
    """The flattened board (uint8 grey) and whether an outline was found."""

    image: np.ndarray
    found: bool
    corners: np.ndarray | None = None  # tl, tr, br, bl in the decoded photo's pixels


def extract_board(grey: np.ndarray) -> Board:
    """The board warped flat, or the whole photo when no outline is found."""
    corners = find_board(grey)
    if corners is None:
        return whole_photo(grey)
    return Board(image=flatten_board(grey, corners), found=True, corners=corners)


def whole_photo(grey: np.ndarray) -> Board:
    """The whole photo, scaled as a flattened board is, read as the board (``found`` false)."""
    return Board(image=_fit(grey, BOARD_SIDE), found=False)


def find_board(grey: np.ndarray) -> np.ndarray | None:
    """Corners (tl, tr, br, bl) of the board's outline in ``grey``, or None."""
    scale = min(1.0, _SEARCH_SIDE / max(grey.shape[:2]))
    if round(min(grey.shape[:2]) * scale) < 1:  # a strip over ~1000:1 has no board (and no pixel)
        return None
    # Bilinear, not area averaging: the blur below smooths what it skips, at a sixth of the
    # time (800 px: 0.16 against 1.0 ms). On 1,500 test photos read by models 219cf8: 1,161
    # identical model inputs, board found alike in 1,481, 81.8 % right against 81.3 %.
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
    small = cv2.GaussianBlur(small, (5, 5), 0)
    edges: _EdgeMaps | None = None  # made for the first outline that needs them
    canny = _canny(small)
    contours = _large_contours(small, canny)
    # Hull outlines first; the slower corner subsets and the outlines made of the photo's
    # straight lines only when no hull outline holds up.
    stages = (lambda: [q for c in contours for q in _as_quads(c, subsets=False)],
              lambda: [q for c in contours for q in _as_quads(c, subsets=True)]
              + _line_quads(canny))
    for stage in stages:
        quads = _keep_plausible(stage(), small.shape)
        if not quads:
            continue
        # The largest well-supported outline: partial outlines (three corners and a point where
        # a stroke or shadow crosses an edge) are always smaller than the board's own. Largest
        # first, so the edge checks stop at the first that holds up (a stable sort keeps the
        # earlier of equal areas, as max() would).
        quads.sort(key=cv2.contourArea, reverse=True)
        if edges is None:
            edges = _edge_maps(small)
        # Support for all at once (a photo can make thousands of corner subsets); the costlier
        # checks only for the outlines it leaves.
        supported = _edge_support(edges.near, np.stack(quads)) >= _MIN_EDGE_SUPPORT
        for quad in itertools.compress(quads, supported):
            if (_edge_alignment(edges, quad) >= _MIN_EDGE_ALIGNMENT
                    and _edge_contrast(small, quad) >= _MIN_EDGE_CONTRAST):
                return order_corners(quad.astype(np.float32) / scale)
    return None


def flatten_board(grey: np.ndarray, corners: np.ndarray, side: int = BOARD_SIDE) -> np.ndarray:
    """Warp the quadrilateral ``corners`` to an upright rectangle whose long side is ``side``."""
    tl, tr, br, bl = corners
    width = max(float(np.linalg.norm(tr - tl)), float(np.linalg.norm(br - bl)))
    height = max(float(np.linalg.norm(bl - tl)), float(np.linalg.norm(br - tr)))
    scale = side / max(width, height, 1.0)
    w, h = max(8, round(width * scale)), max(8, round(height * scale))
    # Shrink the photo first so the warp never samples more than ~2:1 (thin strokes survive).
    pre = min(1.0, 2.0 * scale)
    if pre < 1.0:
        grey = cv2.resize(grey, None, fx=pre, fy=pre, interpolation=cv2.INTER_AREA)
        corners = corners * pre
    target = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(corners.astype(np.float32), target)
    return cv2.warpPerspective(grey, matrix, (w, h), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REPLICATE)


def order_corners(points: np.ndarray) -> np.ndarray:
    """Four points as top-left, top-right, bottom-right, bottom-left (float32)."""
    return _order_corners_many(points.reshape(1, 4, 2).astype(np.float32))[0]


def _canny(small: np.ndarray) -> np.ndarray:
    return cv2.Canny(small, *_CANNY_THRESHOLDS)


def _large_contours(small: np.ndarray, canny: np.ndarray) -> list[np.ndarray]:
    """Outlines big enough to be a board, from edges and from both threshold polarities."""
    area = small.shape[0] * small.shape[1]
    edges = cv2.dilate(canny, np.ones((3, 3), np.uint8), iterations=2)
    _, otsu = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    # Opening cuts the thin bridges (cables, shadows, clutter) that join a board to its
    # surroundings in a threshold image.
    binaries = [edges, cv2.morphologyEx(edges, cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8))]
    for region in (otsu, 255 - otsu):
        binaries.append(region)
        for k in (11, 25):
            kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))  # rect: separable, fast
            binaries.append(cv2.morphologyEx(region, cv2.MORPH_OPEN, kernel))
    found = []
    for binary in binaries:
        contours, _ = cv2.findContours(binary, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        found += [c for c in contours if cv2.contourArea(c) >= _MIN_AREA * area]
    return found


def _as_quads(contour: np.ndarray, *, subsets: bool) -> list[np.ndarray]:
    """Quadrilaterals made of the outline's corners.

    The convex hull covers a board seen alone; when the board's region has merged with
    something beside it, the board's four corners are still among the outline's vertices.
    """
    if not subsets:
        hull = cv2.convexHull(contour)
        perimeter = cv2.arcLength(hull, True)
        for eps in (0.02, 0.035, 0.05):
            approx = cv2.approxPolyDP(hull, eps * perimeter, True)
            if len(approx) == 4 and cv2.isContourConvex(approx):
                return [approx.reshape(4, 2).astype(np.float32)]
        return []
    perimeter = cv2.arcLength(contour, True)
    for eps in (0.01, 0.02, 0.03, 0.05):
        poly = cv2.approxPolyDP(contour, eps * perimeter, True).reshape(-1, 2)
        if len(poly) <= _MAX_VERTICES:
            break
    if not 4 < len(poly) <= _MAX_VERTICES:
        return []
    return list(_convex_subsets(poly.astype(np.float32)))


def _convex_subsets(poly: np.ndarray) -> np.ndarray:
    """Every 4 of the polygon's vertices (V x 2), in its order, that make a convex
    quadrilateral (N x 4 x 2). Convex as ``cv2.isContourConvex`` has it: every turn the same
    way, none straight; all subsets at once (a 10-vertex outline makes 210)."""
    quads = poly[_four_of(len(poly))]
    sides = np.roll(quads, -1, axis=1) - quads
    incoming = np.roll(sides, 1, axis=1)
    turns = incoming[..., 0] * sides[..., 1] - incoming[..., 1] * sides[..., 0]
    return quads[(turns > 0).all(axis=1) | (turns < 0).all(axis=1)]


@lru_cache(maxsize=_MAX_VERTICES + 1)
def _four_of(count: int) -> np.ndarray:
    return np.array(list(itertools.combinations(range(count), 4)), dtype=np.intp)


def _line_quads(canny: np.ndarray) -> list[np.ndarray]:
    """Quadrilaterals bounded by four of the longest straight lines in the photo.

    Where the board's region merges with its surroundings (same brightness, clutter across
    its edge) no outline follows it, but its sides are still the photo's long straight edges.
    """
    lines = _long_lines(canny)
    if len(lines) < 4:
        return []
    combos = np.array(list(itertools.combinations(range(len(lines)), 4)))
    theta, rho = lines[combos, 0], lines[combos, 1]  # (C, 4) each
    # Opposite sides are the two pairs of lines closest in direction: sorted by direction,
    # (0, 1) and (2, 3), or (1, 2) and (3, 0) when a pair straddles the 0/180 degree seam.
    order = np.argsort(theta, axis=1)
    theta, rho = np.take_along_axis(theta, order, 1), np.take_along_axis(rho, order, 1)
    gaps = np.diff(np.concatenate([theta, theta[:, :1] + np.pi], axis=1), axis=1)
    shift = (gaps[:, 0] + gaps[:, 2] > gaps[:, 1] + gaps[:, 3]).astype(int)
    pick = (np.arange(4)[None] + shift[:, None]) % 4
    theta, rho = np.take_along_axis(theta, pick, 1), np.take_along_axis(rho, pick, 1)
    # sides a0, a1 (opposite) and b0, b1: corners a0b0, a0b1, a1b1, a1b0 go round the quad
    corners = np.stack([_intersect(theta[:, a], rho[:, a], theta[:, b], rho[:, b])
                        for a, b in ((0, 2), (0, 3), (1, 3), (1, 2))], axis=1)
    finite = np.isfinite(corners).all(axis=(1, 2))
    return [q.astype(np.float32) for q in corners[finite]]


def _long_lines(canny: np.ndarray) -> np.ndarray:
    """Up to _MAX_LINES distinct long lines as (theta in [0, pi), rho), longest first."""
    h, w = canny.shape
    segments = cv2.HoughLinesP(canny, 1, np.pi / 180, threshold=40,
                               minLineLength=_MIN_LINE * min(h, w), maxLineGap=6)
    if segments is None:
        return np.empty((0, 2))
    x0, y0, x1, y1 = segments.reshape(-1, 4).T.astype(np.float64)
    theta = np.arctan2(x1 - x0, -(y1 - y0)) % np.pi  # direction of the normal
    rho = x0 * np.cos(theta) + y0 * np.sin(theta)
    kept: list[tuple[float, float]] = []
    for i in np.argsort(-np.hypot(x1 - x0, y1 - y0))[:_MAX_SEGMENTS]:
        if not any(_same_line(theta[i], rho[i], t, r) for t, r in kept):
            kept.append((theta[i], rho[i]))
            if len(kept) == _MAX_LINES:
                break
    return np.array(kept)


def _same_line(t0: float, r0: float, t1: float, r1: float) -> bool:
    """Within ~5 degrees and 8 px (a line near the 0/180 seam has its rho negated there)."""
    turn = abs(t0 - t1)
    return (turn < 0.09 and abs(r0 - r1) < 8) or (np.pi - turn < 0.09 and abs(r0 + r1) < 8)


def _intersect(t0: np.ndarray, r0: np.ndarray, t1: np.ndarray, r1: np.ndarray) -> np.ndarray:
    """Where lines x cos t + y sin t = r meet, (N, 2); inf where they are nearly parallel."""
    det = np.cos(t0) * np.sin(t1) - np.sin(t0) * np.cos(t1)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = (r0 * np.sin(t1) - r1 * np.sin(t0)) / det
        y = (np.cos(t0) * r1 - np.cos(t1) * r0) / det
    out = np.stack([x, y], axis=1)
    out[np.abs(det) < 0.2] = np.inf  # under ~12 degrees apart: no usable corner
    return out


def _keep_plausible(quads: list[np.ndarray], shape: tuple[int, ...]) -> list[np.ndarray]:
    """The quads (4 x 2 each) that could be a board (see ``_plausible``), in their order."""
    if not quads:
        return []
    return list(itertools.compress(quads, _plausible(np.stack(quads), shape)))


def _plausible(quads: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Which quads (N x 4 x 2) could be a board seen in perspective: big, roughly rectangular,
    filling its outline, not the frame of the photo itself. All at once: the corner subsets of
    one photo make hundreds."""
    h, w = shape[:2]
    x, y = quads[..., 0].astype(np.float64), quads[..., 1].astype(np.float64)
    area = 0.5 * np.abs((x * np.roll(y, -1, axis=1) - np.roll(x, -1, axis=1) * y).sum(axis=1))
    ok = (_MIN_AREA * w * h <= area) & (area <= _MAX_AREA * w * h)
    margin = 0.02 * max(w, h)
    near_edge = ((quads[..., 0] < margin) | (quads[..., 0] > w - 1 - margin)
                 | (quads[..., 1] < margin) | (quads[..., 1] > h - 1 - margin))
    ok &= near_edge.sum(axis=1) < 3
    ordered = _order_corners_many(quads)
    edges = np.roll(ordered, -1, axis=1) - ordered
    sides = np.sqrt((edges**2).sum(axis=2))
    for a, b in ((0, 2), (1, 3)):  # opposite sides of similar length
        longer = np.maximum(sides[:, a], sides[:, b]).astype(np.float64)
        ok &= np.minimum(sides[:, a], sides[:, b]) >= 0.55 * longer
    incoming = np.roll(edges, 1, axis=1)
    cos = -(incoming * edges).sum(axis=2) / (np.roll(sides, 1, axis=1) * sides + 1e-6)
    # every corner angle within 55..125 degrees
    return ok & (np.abs(cos).max(axis=1).astype(np.float64) <= 0.57)


def _order_corners_many(quads: np.ndarray) -> np.ndarray:
    """Each of N quads (N x 4 x 2) as top-left, top-right, bottom-right, bottom-left: the
    smallest and largest x + y, the smallest and largest y - x."""
    s = quads.sum(axis=2)
    d = quads[..., 1] - quads[..., 0]
    picks = np.stack([s.argmin(axis=1), d.argmin(axis=1), s.argmax(axis=1), d.argmax(axis=1)], 1)
    return np.take_along_axis(quads, picks[..., None], axis=1)


@dataclass(frozen=True)
class _EdgeMaps:
    gx: np.ndarray  # Sobel gradients of the search copy, float32
    gy: np.ndarray
    magnitude: np.ndarray
    near: np.ndarray  # 1 where a strong edge lies within 2 px, else 0


def _edge_maps(small: np.ndarray) -> _EdgeMaps:
    """The gradients of the search copy and where strong edges (Sobel magnitude >=
    _EDGE_GRADIENT) lie within 2 px.

    Thresholded before the 5x5 dilation: the same pixels as dilating the magnitudes and then
    thresholding, with a byte-wide dilation instead of a float one (a sixth of the time).
    """
    gx = cv2.Sobel(small, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(small, cv2.CV_32F, 0, 1, ksize=3)
    magnitude = cv2.magnitude(gx, gy)
    strong = (magnitude >= _EDGE_GRADIENT).view(np.uint8)
    return _EdgeMaps(gx, gy, magnitude, cv2.dilate(strong, np.ones((5, 5), np.uint8)))


def _outline_points(quads: np.ndarray, per_side: int = 40) -> np.ndarray:
    """``per_side`` points along each side of each quad (... x 4 x 2), side after side
    (... x 4 * per_side x 2)."""
    t = np.linspace(0, 1, per_side, endpoint=False)[:, None]
    starts = quads[..., :, None, :]
    points = starts + (np.roll(quads, -1, axis=-2)[..., :, None, :] - starts) * t
    return points.reshape(*quads.shape[:-2], 4 * per_side, 2)


def _pixels(points: np.ndarray, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of the pixels nearest to ``points`` (... x 2, as x, y), kept
    inside an image of ``shape``."""
    xs = np.clip(points[..., 0].round().astype(np.intp), 0, shape[1] - 1)
    ys = np.clip(points[..., 1].round().astype(np.intp), 0, shape[0] - 1)
    return ys, xs


def _edge_support(near_edges: np.ndarray, quads: np.ndarray) -> np.ndarray:
    """Per quad (N x 4 x 2): the share of points along its outline that lie on a strong edge
    of the photo."""
    return near_edges[_pixels(_outline_points(quads), near_edges.shape)].mean(axis=-1)


def _edge_alignment(edges: _EdgeMaps, quad: np.ndarray, per_side: int = 40) -> float:
    """Share of points along the outline where the strongest edge within 2 px across it is
    strong and runs along the side (its gradient points across the side).

    A board's edge is one straight edge; the outline of a patch of LED dots, pegs or chalk
    grain lies on edges too (``_edge_support`` holds up), but they point every way.
    """
    sides = np.roll(quad, -1, axis=0) - quad
    normals = np.stack([-sides[:, 1], sides[:, 0]], axis=1)
    normals /= np.maximum(np.hypot(normals[:, 0], normals[:, 1]), 1e-6)[:, None]
    normal = np.repeat(normals, per_side, axis=0)  # one per outline point
    across = _outline_points(quad, per_side)[None] + np.arange(-2, 3)[:, None, None] * normal
    ys, xs = _pixels(across, edges.near.shape)
    strongest = edges.magnitude[ys, xs].argmax(axis=0)[None]  # offset across, per point
    ys, xs = (np.take_along_axis(a, strongest, axis=0)[0] for a in (ys, xs))
    magnitude = edges.magnitude[ys, xs]
    along = np.abs(edges.gx[ys, xs] * normal[:, 0] + edges.gy[ys, xs] * normal[:, 1])
    aligned = (magnitude >= _EDGE_GRADIENT) & (along >= _ALIGNED_COS * magnitude)
    return float(aligned.mean())


def _edge_contrast(small: np.ndarray, quad: np.ndarray) -> float:
    """Median grey just inside the outline against just outside it.

    A real board differs from what surrounds it; a square drawn on a board does not.
    """
    centre = quad.mean(axis=0)
    bands = [((quad - centre) * scale + centre).astype(np.int32)
             for scale in (0.80, 0.92, 1.08, 1.20)]
    # Only the window around the outer band is looked at: the same pixels, less work.
    lo = np.maximum(bands[3].min(axis=0), 0)  # x, y
    hi = np.minimum(bands[3].max(axis=0) + 1, small.shape[1::-1])
    window = small[lo[1] : hi[1], lo[0] : hi[0]]
    if window.size == 0:
        return 0.0
    medians = []
    # Bands a little away from the outline, so a drawn line on it falls in neither.
    for inner, outer in ((bands[0], bands[1]), (bands[2], bands[3])):
        ring = np.zeros(window.shape, np.uint8)
        cv2.fillConvexPoly(ring, np.asarray(outer - lo, np.int32), (255,))
        cv2.fillConvexPoly(ring, np.asarray(inner - lo, np.int32), (0,))
        if cv2.countNonZero(ring) < 20:
            return 0.0
        medians.append(grey_median(window, ring))
    return abs(medians[0] - medians[1])


def _fit(grey: np.ndarray, side: int) -> np.ndarray:
    scale = side / max(grey.shape[:2])
    if scale >= 1.0:
        return grey
    h, w = grey.shape[:2]
    if round(min(h, w) * scale) < 1:  # a strip: keep one pixel across rather than none
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        return cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
    return cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
