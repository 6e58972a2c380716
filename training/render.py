"""Render a phone photo of a board with one glyph on it, deterministically from a seed.

Boards: whiteboard, chalkboard, paper, LED dot matrix, pegboard; with or without a frame.
Scenes: clutter around the board, perspective, rotation, scale, uneven light, glare, shadow,
blur, noise, JPEG quality and photo sizes from 640 to 4000 px; some photos are already cropped
to the board.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .glyphs import GlyphSpec, draw_glyph

BOARD_STYLES = ("whiteboard", "chalkboard", "paper", "led", "pegboard")
STYLE_WEIGHTS = (0.28, 0.22, 0.2, 0.15, 0.15)
BOARD_SIDE = 600  # long side of the board image before it is put in the scene
RENDER_SIDE = 960  # scenes are composed at most this big, then scaled to the photo size
_MAX_CELLS = 31  # refining stops at this many cells across or the next (steps of two): 31-32
_MIN_COUNTER = 0.005  # of the glyph box: smaller loops are a jittered pen crossing itself


@dataclass(frozen=True)
class RenderedPhoto:
    data: bytes  # the encoded photo, as a phone would upload it
    style: str
    framed: bool
    cropped: bool  # the photo shows only the board (no outline to find)
    size: tuple[int, int]
    fmt: str
    corners: np.ndarray | None  # the board's outline in the photo (None when cropped)


def render_photo(spec: GlyphSpec, seed: int, style: str | None = None) -> RenderedPhoto:
    """The photo for ``spec``; the same (spec, seed) always gives the same bytes."""
    rng = np.random.default_rng(seed)
    cv2.setRNGSeed(seed % (2**31))  # cv2.randn draws the sensor noise
    style = style or str(rng.choice(BOARD_STYLES, p=STYLE_WEIGHTS))
    mask = draw_glyph(spec, rng)
    board, framed = draw_board(mask, style, rng)
    cropped = bool(rng.random() < 0.25)
    long_side = _photo_side(rng)
    w, h = _photo_shape(long_side, rng)
    scale = min(1.0, RENDER_SIDE / long_side)
    rw, rh = round(w * scale), round(h * scale)
    if cropped:
        photo, corners = _cropped_scene(board, rw, rh, rng), None
    else:
        photo, quad = _scene(board, rw, rh, rng)
        corners = quad / scale
    photo = _camera(photo, rng)
    if (rw, rh) != (w, h):
        photo = cv2.resize(photo, (w, h), interpolation=cv2.INTER_LINEAR)
    data, fmt = _encode(photo, rng)
    return RenderedPhoto(data=data, style=style, framed=framed, cropped=cropped, size=(w, h),
                         fmt=fmt, corners=corners)


# ------------------------------------------------------------------------------- boards


def draw_board(mask: np.ndarray, style: str, rng: np.random.Generator
               ) -> tuple[np.ndarray, bool]:
    """A BGR board image with the glyph on it, and whether it has a frame."""
    aspect = rng.uniform(0.7, 1.6)
    bw, bh = (BOARD_SIDE, round(BOARD_SIDE / aspect)) if aspect >= 1 else (
        round(BOARD_SIDE * aspect), BOARD_SIDE)
    glyph_mask, box = _place(mask, bw, bh, rng)
    board = _STYLE_DRAWERS[style](glyph_mask, box, bw, bh, rng)
    framed = style != "paper" and rng.random() < 0.6
    if framed:
        board = _frame(board, rng)
    return board, framed


def _place(mask: np.ndarray, bw: int, bh: int, rng: np.random.Generator
           ) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """The glyph mask at board size, and its box (x, y, w, h)."""
    mh, mw = mask.shape
    target = rng.uniform(0.35, 0.72) * min(bw, bh)
    scale = target / max(mh, mw)
    gw, gh = max(4, round(mw * scale)), max(4, round(mh * scale))
    if gw > 0.85 * bw or gh > 0.85 * bh:
        shrink = min(0.85 * bw / gw, 0.85 * bh / gh)
        gw, gh = round(gw * shrink), round(gh * shrink)
    x = round((bw - gw) / 2 + rng.uniform(-0.4, 0.4) * (bw - gw) / 2)
    y = round((bh - gh) / 2 + rng.uniform(-0.4, 0.4) * (bh - gh) / 2)
    out = np.zeros((bh, bw), np.float32)
    out[y : y + gh, x : x + gw] = cv2.resize(mask, (gw, gh), interpolation=cv2.INTER_AREA)
    return np.clip(out, 0, 1), (x, y, gw, gh)


def _colour(base: tuple[float, float, float], spread: float, rng: np.random.Generator
            ) -> np.ndarray:
    return np.clip(np.array(base) + rng.normal(0, spread, 3), 0, 255).astype(np.float32)


def _per_channel(plane: np.ndarray) -> np.ndarray:
    """An (h, w) plane as an (h, w, 3) image. Arithmetic between same-shaped arrays runs 5-15x
    faster in numpy than broadcasting (h, w, 1) or (3,) over (h, w, 3), for the same numbers."""
    return cv2.merge([plane, plane, plane])


def _plain(bw: int, bh: int, colour: np.ndarray, rng: np.random.Generator, grain: float
           ) -> np.ndarray:
    noise = np.empty((bh, bw), np.float32)
    cv2.randn(noise, 0.0, grain)
    return cv2.merge([noise + c for c in colour])


def _paint(board: np.ndarray, mask: np.ndarray, colour: np.ndarray, alpha: float
           ) -> np.ndarray:
    """Lay ``colour`` over ``board`` with opacity ``mask * alpha`` (only where mask > 0)."""
    inked = mask > 0.004
    rows, cols = np.flatnonzero(inked.any(axis=1)), np.flatnonzero(inked.any(axis=0))
    if len(rows) == 0:
        return board
    y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    a = _per_channel(mask[y0:y1, x0:x1] * alpha)
    region = board[y0:y1, x0:x1]
    change = colour - region
    change *= a
    region += change
    return board


def _whiteboard(mask, box, bw, bh, rng):  # type: ignore[no-untyped-def]
    board = _plain(bw, bh, _colour((236, 238, 238), 8, rng), rng, 2.0)
    ghost = _ghost_strokes(bw, bh, rng)
    board = _paint(board, ghost, _colour((120, 120, 120), 30, rng), rng.uniform(0.0, 0.12))
    inks = [(30, 30, 30), (170, 70, 25), (40, 40, 190), (50, 130, 40), (90, 40, 120)]
    ink = _colour(inks[int(rng.integers(len(inks)))], 12, rng)
    return _paint(board, mask, ink, rng.uniform(0.75, 1.0))


def _chalkboard(mask, box, bw, bh, rng):  # type: ignore[no-untyped-def]
    bases = [(45, 70, 45), (35, 35, 38), (60, 62, 55), (50, 45, 30)]
    board = _plain(bw, bh, _colour(bases[int(rng.integers(len(bases)))], 8, rng), rng, 3.0)
    smudge = cv2.GaussianBlur(_ghost_strokes(bw, bh, rng), (0, 0), 9)
    chalk = _colour(((235, 235, 235), (150, 230, 240), (200, 180, 240))[int(rng.integers(3))],
                    8, rng)
    board = _paint(board, smudge, chalk, rng.uniform(0.05, 0.25))
    grain = cv2.GaussianBlur(rng.random((bh, bw)).astype(np.float32), (0, 0), 0.8)
    texture = np.clip((grain - rng.uniform(0.2, 0.45)) * 3.0, 0.2, 1.0)
    return _paint(board, mask * texture, chalk, rng.uniform(0.8, 1.0))


def _paper(mask, box, bw, bh, rng):  # type: ignore[no-untyped-def]
    board = _plain(bw, bh, _colour((238, 243, 246), 10, rng), rng, 2.5)
    lines = rng.random()
    if lines < 0.35:
        spacing = int(rng.integers(22, 45))
        rule = np.zeros((bh, bw), np.float32)
        rule[spacing // 2 :: spacing, :] = 1.0
        if lines < 0.15:
            rule[:, spacing // 2 :: spacing] = 1.0
        board = _paint(board, rule, _colour((210, 170, 140), 10, rng), rng.uniform(0.25, 0.5))
    inks = [(25, 25, 25), (140, 50, 20), (90, 90, 90), (30, 30, 150)]
    ink = _colour(inks[int(rng.integers(len(inks)))], 10, rng)
    return _paint(board, mask, ink, rng.uniform(0.65, 1.0))


def _dot_grid(mask: np.ndarray, box: tuple[int, int, int, int], rng: np.random.Generator
              ) -> tuple[np.ndarray, float, tuple[float, float]]:
    """Cells of a dot matrix over the glyph box: lit where the glyph has ink.

    A sign maker picks a grid fine enough for the glyph: from the drawn number of cells, the
    grid is made finer until the lit cells keep the glyph's counters (the holes of A, B, 0, e)
    and add none. Coarse grids filled them: a bold A on 7 cells lit a solid triangle."""
    x, y, gw, gh = box
    glyph = mask[y : y + gh, x : x + gw]
    counters = _holes(glyph > 0.5, min_area=_MIN_COUNTER * gw * gh)
    cells = int(rng.integers(7, 22))
    while True:
        lit, pitch = _lit_cells(glyph, cells)
        if cells >= _MAX_CELLS or _holes(lit, min_area=1) == counters:
            return lit, pitch, (x + pitch / 2, y + pitch / 2)
        cells += 2


def _lit_cells(glyph: np.ndarray, cells: int) -> tuple[np.ndarray, float]:
    gh, gw = glyph.shape
    pitch = max(gw, gh) / cells
    cols, rows = max(1, round(gw / pitch)), max(1, round(gh / pitch))
    thick = cv2.dilate(glyph, np.ones((3, 3), np.uint8), iterations=max(1, round(pitch / 6)))
    return cv2.resize(thick, (cols, rows), interpolation=cv2.INTER_AREA) > 0.3, pitch


def _holes(binary: np.ndarray, min_area: float) -> int:
    """Regions of background enclosed by the glyph (4-connected, as 8-connected ink encloses)."""
    background = np.pad(~binary, 1, constant_values=True).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(background, connectivity=4)
    outside = labels[0, 0]
    return sum(1 for i in range(1, count) if i != outside and stats[i, 4] >= min_area)


def _dots(board: np.ndarray, centres: np.ndarray, radius: float, colour: np.ndarray
          ) -> np.ndarray:
    layer = np.zeros(board.shape[:2], np.uint8)
    r = max(1, round(radius * 4))
    for cx, cy in np.rint(centres * 4).astype(np.int64).tolist():  # round() rounds half to even too
        cv2.circle(layer, (cx, cy), r, 255, -1, cv2.LINE_AA, shift=2)
    return _paint(board, layer.astype(np.float32) / 255.0, colour, 1.0)


def _grid_centres(bw: int, bh: int, pitch: float, origin: tuple[float, float]) -> np.ndarray:
    ox, oy = origin[0] % pitch, origin[1] % pitch
    xs = np.arange(ox, bw, pitch)
    ys = np.arange(oy, bh, pitch)
    grid_x, grid_y = np.meshgrid(xs, ys)  # row by row, as the dots are drawn
    return np.stack([grid_x, grid_y], axis=-1).reshape(-1, 2).astype(np.float32)


def _lit_centres(lit: np.ndarray, pitch: float, origin: tuple[float, float]) -> np.ndarray:
    rows, cols = np.nonzero(lit)
    return np.stack([origin[0] + cols * pitch, origin[1] + rows * pitch], 1).astype(np.float32)


def _led(mask, box, bw, bh, rng):  # type: ignore[no-untyped-def]
    board = _plain(bw, bh, _colour((18, 18, 18), 6, rng), rng, 2.0)
    lit, pitch, origin = _dot_grid(mask, box, rng)
    radius = pitch * rng.uniform(0.28, 0.45)
    board = _dots(board, _grid_centres(bw, bh, pitch, origin), radius,
                  _colour((45, 45, 50), 8, rng))
    colours = [(40, 40, 240), (60, 230, 60), (40, 180, 250), (240, 240, 240), (250, 160, 40)]
    colour = _colour(colours[int(rng.integers(len(colours)))], 10, rng)
    on = _dots(np.zeros_like(board), _lit_centres(lit, pitch, origin), radius, colour)
    glow = cv2.GaussianBlur(on, (0, 0), max(1.0, radius * 0.8))
    return np.clip(np.maximum(board, on) + 0.6 * glow, 0, 255)


def _pegboard(mask, box, bw, bh, rng):  # type: ignore[no-untyped-def]
    dark = rng.random() < 0.6
    base = ((40, 60, 90), (70, 50, 40), (35, 35, 35)) if dark else ((205, 215, 220),
                                                                      (180, 200, 215))
    board = _plain(bw, bh, _colour(base[int(rng.integers(len(base)))], 8, rng), rng, 3.0)
    lit, pitch, origin = _dot_grid(mask, box, rng)
    hole = _colour((15, 15, 15), 5, rng) if dark else board[0, 0] * rng.uniform(0.78, 0.88)
    board = _dots(board, _grid_centres(bw, bh, pitch, origin), pitch * 0.14, hole)
    if dark:
        pegs = [(60, 230, 250), (240, 240, 240), (120, 240, 140), (200, 160, 250), (80, 170, 255)]
    else:
        pegs = [(40, 40, 200), (160, 60, 20), (30, 30, 30), (40, 120, 30), (130, 30, 120)]
    peg = _colour(pegs[int(rng.integers(len(pegs)))], 10, rng)
    centres = _lit_centres(lit, pitch, origin)
    board = _dots(board, centres, pitch * rng.uniform(0.32, 0.45), peg)
    return _dots(board, centres - pitch * 0.1, pitch * 0.1, np.minimum(peg + 60, 255))


def _ghost_strokes(bw: int, bh: int, rng: np.random.Generator) -> np.ndarray:
    """Faint leftovers of earlier writing: erased marker or smudged chalk."""
    layer = np.zeros((bh, bw), np.uint8)
    for _ in range(int(rng.integers(0, 5))):
        pts = rng.uniform(0, 1, (int(rng.integers(3, 8)), 2)) * (bw, bh)
        cv2.polylines(layer, [pts.astype(np.int32)], False, 255, int(rng.integers(3, 20)))
    return cv2.GaussianBlur(layer.astype(np.float32) / 255.0, (0, 0), 2.0)


def _frame(board: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    frames = [(185, 188, 190), (40, 75, 115), (30, 30, 30), (220, 220, 220)]
    colour = _colour(frames[int(rng.integers(len(frames)))], 8, rng)
    width = max(4, round(rng.uniform(0.02, 0.05) * max(board.shape[:2])))
    framed = cv2.copyMakeBorder(board, width, width, width, width, cv2.BORDER_CONSTANT,
                                value=colour.tolist())
    shade = np.zeros(framed.shape[:2], np.float32)
    shade[width : -width, width : -width] = 1
    return framed - _per_channel(25 * (1 - cv2.GaussianBlur(shade, (0, 0), 2)) * (shade == 1))


_STYLE_DRAWERS = {"whiteboard": _whiteboard, "chalkboard": _chalkboard, "paper": _paper,
                  "led": _led, "pegboard": _pegboard}


# ------------------------------------------------------------------------------- scenes


def _photo_side(rng: np.random.Generator) -> int:
    u = rng.random()
    if u < 0.6:
        return int(rng.integers(640, 1281))
    if u < 0.9:
        return int(rng.integers(1280, 2401))
    return int(rng.integers(2400, 4001))


def _photo_shape(long_side: int, rng: np.random.Generator) -> tuple[int, int]:
    ratio = float(rng.choice([4 / 3, 4 / 3, 16 / 9, 1.0]))
    short = round(long_side / ratio)
    return (long_side, short) if rng.random() < 0.6 else (short, long_side)


def _background(w: int, h: int, rng: np.random.Generator) -> np.ndarray:
    corners = rng.uniform(40, 220, (2, 2, 3)).astype(np.float32)
    scene = cv2.resize(corners, (w, h), interpolation=cv2.INTER_LINEAR)
    for _ in range(int(rng.integers(4, 22))):
        colour = rng.uniform(0, 255, 3).tolist()
        kind = rng.integers(3)
        p = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        size = int(rng.integers(10, max(12, min(w, h) // 3)))
        if kind == 0:
            cv2.rectangle(scene, p, (p[0] + size, p[1] + int(size * rng.uniform(0.3, 2))),
                          colour, -1)
        elif kind == 1:
            cv2.ellipse(scene, p, (size, int(size * rng.uniform(0.3, 1))),
                        float(rng.uniform(0, 180)), 0, 360, colour, -1)
        else:
            q = (int(rng.integers(0, w)), int(rng.integers(0, h)))
            cv2.line(scene, p, q, colour, int(rng.integers(2, 12)))
    return cv2.blur(scene, (3, 3))


def _scene(board: np.ndarray, w: int, h: int, rng: np.random.Generator
           ) -> tuple[np.ndarray, np.ndarray]:
    """The board in perspective on a cluttered background."""
    scene = _background(w, h, rng)
    bh, bw = board.shape[:2]
    area_share = rng.uniform(0.25, 0.8)
    scale = np.sqrt(area_share * w * h / (bw * bh))
    half = np.array([bw, bh], np.float32) * scale / 2
    quad = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], np.float32) * half
    angle = np.deg2rad(rng.uniform(-12, 12))
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]], np.float32)
    quad = quad @ rot.T + rng.uniform(-0.08, 0.08, (4, 2)).astype(np.float32) * half * 2
    span = quad.max(axis=0) - quad.min(axis=0)
    fit = min(1.0, 0.96 * w / span[0], 0.96 * h / span[1])
    quad *= fit
    lo, hi = quad.min(axis=0), quad.max(axis=0)
    centre = np.array([rng.uniform(-lo[0], w - hi[0]), rng.uniform(-lo[1], h - hi[1])])
    quad = (quad + centre).astype(np.float32)
    src = np.array([[0, 0], [bw - 1, 0], [bw - 1, bh - 1], [0, bh - 1]], np.float32)
    matrix = cv2.getPerspectiveTransform(src, quad)
    # The board and its coverage in one warp (warpPerspective does INTER_AREA as INTER_LINEAR)
    both = cv2.warpPerspective(cv2.merge([board, np.ones((bh, bw), np.float32)]), matrix,
                               (w, h), flags=cv2.INTER_LINEAR)
    warped, alpha = np.ascontiguousarray(both[:, :, :3]), both[:, :, 3]
    # scene * (1 - alpha) + warped * alpha, in place: the same numbers, no full-size temporaries
    scene *= _per_channel(1 - alpha)
    warped *= _per_channel(alpha)
    scene += warped
    return scene, quad


def _cropped_scene(board: np.ndarray, w: int, h: int, rng: np.random.Generator) -> np.ndarray:
    """A photo taken close up: only the board's inside, mild perspective, no outline."""
    bh, bw = board.shape[:2]
    inset = rng.uniform(0.02, 0.08)
    src = np.array([[bw * inset, bh * inset], [bw * (1 - inset), bh * inset],
                    [bw * (1 - inset), bh * (1 - inset)], [bw * inset, bh * (1 - inset)]],
                   np.float32)
    src += rng.uniform(-0.03, 0.03, (4, 2)).astype(np.float32) * (bw, bh)
    dst = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    return cv2.warpPerspective(board, matrix, (w, h), flags=cv2.INTER_LINEAR,
                               borderMode=cv2.BORDER_REFLECT)


def _camera(photo: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Light, shadow, glare, colour cast, blur and sensor noise."""
    h, w = photo.shape[:2]
    # Smooth fields are made at 1/8 size and scaled up: the same look for a fraction of the cost.
    sw, sh = max(8, w // 8), max(8, h // 8)
    field = cv2.resize(rng.uniform(0.65, 1.15, (3, 3)).astype(np.float32), (sw, sh),
                       interpolation=cv2.INTER_CUBIC)
    glow = np.zeros((sh, sw), np.float32)
    if rng.random() < 0.3:
        shadow = np.zeros((sh, sw), np.float32)
        pts = (rng.uniform(0, 1, (int(rng.integers(3, 6)), 2)) * (sw, sh)).astype(np.int32)
        cv2.fillPoly(shadow, [cv2.convexHull(pts)], 1.0)
        shadow = cv2.GaussianBlur(shadow, (0, 0), rng.uniform(0.7, 4))
        field *= 1 - rng.uniform(0.15, 0.45) * shadow
    if rng.random() < 0.25:
        centre = (int(rng.integers(0, sw)), int(rng.integers(0, sh)))
        axes = (int(rng.integers(sw // 12 + 1, sw // 4 + 2)),
                int(rng.integers(sh // 12 + 1, sh // 4 + 2)))
        cv2.ellipse(glow, centre, axes, float(rng.uniform(0, 180)), 0, 360, 1.0, -1)
        glow = cv2.GaussianBlur(glow, (0, 0), max(axes) / 2) * rng.uniform(40, 130)
    field = cv2.resize(field, (w, h), interpolation=cv2.INTER_LINEAR)
    glow = cv2.resize(glow, (w, h), interpolation=cv2.INTER_LINEAR)
    cast = rng.uniform(0.88, 1.12, 3).astype(np.float32)
    # photo * (field * cast) + glow, in place in a new array (the caller's photo is untouched)
    lit = cv2.merge([field * c for c in cast])
    np.multiply(photo, lit, out=lit)
    lit += _per_channel(glow)
    photo = lit
    sigma = rng.uniform(0.0, 1.6) * max(h, w) / 1000
    if sigma > 0.3:
        photo = cv2.GaussianBlur(photo, (0, 0), sigma)
    if rng.random() < 0.1:
        k = int(rng.integers(3, 9))
        kernel = np.zeros((k, k), np.float32)
        kernel[k // 2, :] = 1.0 / k
        rot = cv2.getRotationMatrix2D((k / 2 - 0.5, k / 2 - 0.5), float(rng.uniform(0, 180)), 1)
        photo = cv2.filter2D(photo, -1, cv2.warpAffine(kernel, rot, (k, k)))
    noise = np.empty((h, w), np.float32)
    cv2.randn(noise, 0.0, float(rng.uniform(1, 7)))
    photo = photo + _per_channel(noise)
    return np.clip(photo, 0, 255, out=photo).astype(np.uint8)


def _encode(photo: np.ndarray, rng: np.random.Generator) -> tuple[bytes, str]:
    u = rng.random()
    if u < 0.9:
        ok, buf = cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(35, 96))])
        fmt = "jpeg"
    elif u < 0.96:
        ok, buf = cv2.imencode(".png", photo, [cv2.IMWRITE_PNG_COMPRESSION, 1])
        fmt = "png"
    else:
        ok, buf = cv2.imencode(".webp", photo, [cv2.IMWRITE_WEBP_QUALITY, int(rng.integers(50, 95))])
        fmt = "webp"
    assert ok
    return buf.tobytes(), fmt
