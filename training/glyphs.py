"""Glyph sources: each draws one glyph as an ink mask (float32, 1 = ink, 0 = paper).

Sources are fonts, Hershey stroke fonts with a handwriting-like wobble, the real handwriting in
``../shared/data`` (MNIST digits, Omniglot letters and symbols, Quick, Draw! doodles) and
procedural free patterns. Every glyph has a *group*: the unit the splits are made on.
"""

from __future__ import annotations

import itertools
import math
import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
DIGITS = tuple(string.digits)
LETTERS = tuple(string.ascii_uppercase)
# Lower-case 'l' is drawn as a bare stroke, the same shape as 'I' and '1': it is left out.
LOWER_EXCLUDED = {"l"}
LOWER_CASE = tuple(c.lower() for c in LETTERS if c.lower() not in LOWER_EXCLUDED)
HERSHEY_DESIGNS = {
    "futura": ("futural", "futuram"),
    "roman": ("rowmans", "rowmand", "rowmant"),
    "times": ("timesr", "timesrb"),
    "times-italic": ("timesi", "timesib"),
    "script": ("scripts", "scriptc"),
    "cursive": ("cursive",),
}
# Free patterns from Hershey's symbol fonts, picked by eye: these fonts draw real Latin letters
# and digits at the letter and digit codes, and some symbols read as characters (× ~ X, ○ ~ O,
# † ~ t, ♄ ~ h, lines and brackets ~ 1/I), so only these codes are used. Shapes drawn by two
# fonts are listed once.
HERSHEY_SYMBOLS = {
    "astrology": "!#$%&'-/<>[_|~",
    "meteorology": "\"$&'?@`",
    "music": "'(/;~",
    "mathlow": "!\"%&'<=>?@^_",
    "markers": "bcdefgijklmno",
    "symbolic": "abcdefghmnpAFWX",
}
FREE_SHAPES = ("heart", "star", "spiral", "smiley", "pixel_art", "scribble", "house", "flower",
               "waves", "grid", "target", "sun", "cloud", "tree", "arrow_burst")
# Omniglot alphabets used as free patterns, without their characters that read as a Latin
# character or a digit (what each reads as): a drawn W is a W, whatever alphabet it came from.
OMNIGLOT_FREE = ("Balinese", "Early_Aramaic")
OMNIGLOT_LOOKALIKES = {
    "Balinese/character05": "7", "Balinese/character15": "U", "Balinese/character21": "U",
    "Early_Aramaic/character01": "t", "Early_Aramaic/character02": "9",
    "Early_Aramaic/character03": "7", "Early_Aramaic/character04": "4",
    "Early_Aramaic/character05": "E mirrored", "Early_Aramaic/character06": "4",
    "Early_Aramaic/character07": "I", "Early_Aramaic/character08": "B",
    "Early_Aramaic/character10": "Z", "Early_Aramaic/character11": "Y",
    "Early_Aramaic/character12": "L", "Early_Aramaic/character13": "y",
    "Early_Aramaic/character14": "9", "Early_Aramaic/character16": "O",
    "Early_Aramaic/character17": "7", "Early_Aramaic/character18": "r",
    "Early_Aramaic/character20": "4", "Early_Aramaic/character21": "W",
    "Early_Aramaic/character22": "X",
}

CANVAS = 128


@dataclass(frozen=True)
class GlyphSpec:
    """What to draw: enough to redraw the glyph, plus its labels and split group."""

    source: str  # font | hershey | mnist | omniglot | quickdraw | symbol | shape
    category: str  # digit | letter | free_pattern
    label: str | None
    group: str
    key: str  # font path, hershey font, dataset index, symbol char or shape name
    char: str = ""


# ----------------------------------------------------------------------------- drawing


def draw_glyph(spec: GlyphSpec, rng: np.random.Generator) -> np.ndarray:
    """The glyph's ink mask, cropped to its ink with a small margin."""
    drawer = _DRAWERS[spec.source]
    mask = drawer(spec, rng)
    return _crop(mask)


def _font_mask(spec: GlyphSpec, rng: np.random.Generator) -> np.ndarray:
    font = _font(spec.key, 96)
    image = Image.new("L", (CANVAS * 2, CANVAS * 2), 0)
    stroke = int(rng.choice([0, 0, 0, 1, 2, 3]))
    ImageDraw.Draw(image).text((CANVAS // 2, CANVAS // 3), spec.char, fill=255, font=font,
                               stroke_width=stroke, stroke_fill=255)
    return np.asarray(image, np.float32) / 255.0


@lru_cache(maxsize=512)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


@lru_cache(maxsize=32)
def _hershey(name: str):  # type: ignore[no-untyped-def]
    from HersheyFonts import HersheyFonts

    font = HersheyFonts()
    font.load_default_font(name)
    font.normalize_rendering(100)
    return font


def hershey_strokes(font: str, char: str) -> list[np.ndarray]:
    """The polylines Hershey font ``font`` draws for ``char`` (none for an empty glyph)."""
    strokes = [np.array(s, np.float32) for s in _hershey(font).strokes_for_text(char)]
    return [s for s in strokes if len(s) >= 2]


def _hershey_mask(spec: GlyphSpec, rng: np.random.Generator) -> np.ndarray:
    return draw_strokes(hershey_strokes(spec.key, spec.char), rng, flip_y=True)


def draw_strokes(strokes: list[np.ndarray], rng: np.random.Generator, *,
                 flip_y: bool = False) -> np.ndarray:
    """Draw polylines like a hand would: slant, wobble, uneven pen, then anti-aliased."""
    if not strokes:
        return np.zeros((CANVAS, CANVAS), np.float32)
    pts = np.concatenate(strokes)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    size = float(max(hi - lo)) or 1.0
    slant = rng.normal(0, 0.18)
    squash = rng.uniform(0.8, 1.2)
    thickness = int(rng.integers(3, 13))
    wobble = rng.uniform(0.0, 0.035) * size
    image = np.zeros((CANVAS * 2, CANVAS * 2), np.uint8)
    scale = 150.0 / size
    for stroke in strokes:
        s = (stroke - lo) * scale
        if flip_y:
            s[:, 1] = (hi[1] - lo[1]) * scale - s[:, 1]
        s = _densify(s, 6.0)
        s[:, 0] = s[:, 0] * squash + slant * (150 - s[:, 1])
        s += _smooth_noise(len(s), rng) * wobble * scale
        s += 50
        cv2.polylines(image, [np.round(s * 4).astype(np.int32)], False, 255,
                      thickness=thickness, lineType=cv2.LINE_AA, shift=2)
    return image.astype(np.float32) / 255.0


def _densify(points: np.ndarray, step: float) -> np.ndarray:
    out = [points[0]]
    for a, b in itertools.pairwise(points):
        n = max(1, int(np.linalg.norm(b - a) / step))
        for t in np.linspace(0, 1, n + 1)[1:]:
            out.append(a + (b - a) * t)
    return np.array(out, np.float32)


def _smooth_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    noise = rng.normal(0, 1, (n + 8, 2)).astype(np.float32)
    kernel = np.ones(9, np.float32) / 3.0
    return np.stack([np.convolve(noise[:, i], kernel, mode="valid")[:n] for i in (0, 1)], axis=1)


def _dataset_mask(spec: GlyphSpec, rng: np.random.Generator) -> np.ndarray:
    images = _dataset(spec.source)
    image = images[int(spec.key)].astype(np.float32) / 255.0
    if spec.source == "omniglot":
        image = 1.0 - image
        image = cv2.dilate(image, np.ones((3, 3), np.uint8), iterations=int(rng.integers(0, 3)))
    up = cv2.resize(image, (CANVAS, CANVAS), interpolation=cv2.INTER_CUBIC)
    if spec.source in ("quickdraw",):
        up = cv2.dilate(up, np.ones((3, 3), np.uint8), iterations=int(rng.integers(0, 3)))
    # Upscaled 28 px images are blurry: sharpen the edge into a pen stroke.
    return np.clip((up - 0.35) * 3.0, 0.0, 1.0)


@lru_cache(maxsize=4)
def _dataset(source: str) -> np.ndarray:
    return load_shared(source)["images"]


@lru_cache(maxsize=4)
def load_shared(source: str) -> dict[str, np.ndarray]:
    files = {"mnist": "mnist/mnist_train.npz", "quickdraw": "quickdraw/quickdraw_train.npz",
             "omniglot": "omniglot/omniglot_small1_train.npz"}
    with np.load(SHARED_DATA / files[source]) as data:
        return {k: data[k] for k in data.files}


# ------------------------------------------------------------------ procedural free patterns


def _shape_mask(spec: GlyphSpec, rng: np.random.Generator) -> np.ndarray:
    # The group (shape, seed) fixes the design; the sample's rng only moves the pen.
    design_rng = np.random.default_rng([FREE_SHAPES.index(spec.key), int(spec.char)])
    strokes, filled = SHAPES[spec.key](design_rng)
    image = np.zeros((CANVAS * 2, CANVAS * 2), np.uint8)
    if filled is not None:
        image = cv2.resize(filled, (CANVAS * 2, CANVAS * 2), interpolation=cv2.INTER_NEAREST)
        return image.astype(np.float32)
    return draw_strokes(strokes, rng)


def _circle(cx: float, cy: float, r: float, n: int = 40, start: float = 0.0,
            end: float = 2 * math.pi) -> np.ndarray:
    t = np.linspace(start, end, n)
    return np.stack([cx + r * np.cos(t), cy + r * np.sin(t)], axis=1).astype(np.float32)


def _heart(rng):  # type: ignore[no-untyped-def]
    t = np.linspace(0, 2 * math.pi, 80)
    x = 16 * np.sin(t) ** 3
    y = -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
    return [np.stack([x, y], 1).astype(np.float32)], None


def _star(rng):  # type: ignore[no-untyped-def]
    points = int(rng.integers(5, 9))
    inner = rng.uniform(0.35, 0.55)
    t = np.linspace(-math.pi / 2, 1.5 * math.pi, 2 * points + 1)
    r = np.where(np.arange(2 * points + 1) % 2 == 0, 1.0, inner)
    return [np.stack([r * np.cos(t), r * np.sin(t)], 1).astype(np.float32)], None


def _spiral(rng):  # type: ignore[no-untyped-def]
    turns = rng.uniform(2.2, 4.0)
    t = np.linspace(0, turns * 2 * math.pi, 200)
    r = 0.1 + t / t.max()
    sign = rng.choice([-1, 1])
    return [np.stack([r * np.cos(sign * t), r * np.sin(sign * t)], 1).astype(np.float32)], None


def _smiley(rng):  # type: ignore[no-untyped-def]
    mouth = rng.uniform(0.2, 0.35)
    return [_circle(0, 0, 1), _circle(-0.35, -0.3, 0.1, 12), _circle(0.35, -0.3, 0.1, 12),
            _circle(0, 0.05, 0.55, 20, mouth * math.pi, (1 - mouth) * math.pi)], None


def _pixel_art(rng):  # type: ignore[no-untyped-def]
    h, w = int(rng.integers(6, 12)), int(rng.integers(3, 7))
    half = rng.random((h, w)) < rng.uniform(0.35, 0.6)
    sprite = np.concatenate([half, half[:, ::-1][:, (w * 2 - 1) % 2 :]], axis=1)
    return [], np.pad(sprite.astype(np.uint8) * 255, 1)


def _scribble(rng):  # type: ignore[no-untyped-def]
    pts = rng.uniform(-1, 1, (int(rng.integers(8, 16)), 2)).astype(np.float32)
    t = np.linspace(0, 1, len(pts))
    fine = np.linspace(0, 1, 200)
    curve = np.stack([np.interp(fine, t, pts[:, i]) for i in (0, 1)], 1)
    return [cv2.GaussianBlur(curve, (1, 15), 0).astype(np.float32)], None


def _house(rng):  # type: ignore[no-untyped-def]
    roof = rng.uniform(0.5, 0.9)
    body = np.array([[-1, 0], [-1, 1.4], [1, 1.4], [1, 0], [-1, 0]], np.float32)
    top = np.array([[-1.2, 0.05], [0, -roof], [1.2, 0.05]], np.float32)
    door = np.array([[-0.25, 1.4], [-0.25, 0.8], [0.25, 0.8], [0.25, 1.4]], np.float32)
    window = np.array([[0.45, 0.3], [0.8, 0.3], [0.8, 0.6], [0.45, 0.6], [0.45, 0.3]], np.float32)
    return [body, top, door, window], None


def _flower(rng):  # type: ignore[no-untyped-def]
    petals = int(rng.integers(5, 9))
    strokes = [_circle(0, 0, 0.25, 20)]
    for k in range(petals):
        a = 2 * math.pi * k / petals
        strokes.append(_circle(0.6 * math.cos(a), 0.6 * math.sin(a), 0.3, 20))
    strokes.append(np.array([[0, 0.9], [0.05, 2.0]], np.float32))
    return strokes, None


def _waves(rng):  # type: ignore[no-untyped-def]
    rows = int(rng.integers(2, 4))
    peaks = rng.uniform(4, 7)
    x = np.linspace(0, 1, 120)
    zig = rng.random() < 0.5
    strokes = []
    for r in range(rows):
        y = np.sin(x * peaks * 2 * math.pi)
        y = np.sign(y) * np.abs(y) ** 0.3 if zig else y
        strokes.append(np.stack([x * 4, y * 0.3 + r * 0.9], 1).astype(np.float32))
    return strokes, None


def _grid(rng):  # type: ignore[no-untyped-def]
    n = int(rng.integers(3, 6))
    lines = []
    for k in range(n):
        v = k / (n - 1)
        lines.append(np.array([[v, 0], [v, 1]], np.float32))
        lines.append(np.array([[0, v], [1, v]], np.float32))
    return lines, None


def _target(rng):  # type: ignore[no-untyped-def]
    rings = int(rng.integers(3, 5))
    return [_circle(0, 0, (k + 1) / rings) for k in range(rings)], None


def _sun(rng):  # type: ignore[no-untyped-def]
    rays = int(rng.integers(7, 13))
    strokes = [_circle(0, 0, 0.5)]
    for k in range(rays):
        a = 2 * math.pi * k / rays
        strokes.append(np.array([[0.7 * math.cos(a), 0.7 * math.sin(a)],
                                 [1.1 * math.cos(a), 1.1 * math.sin(a)]], np.float32))
    return strokes, None


def _cloud(rng):  # type: ignore[no-untyped-def]
    bumps = int(rng.integers(4, 7))
    strokes = []
    for k in range(bumps):
        x = -1 + 2 * k / (bumps - 1)
        strokes.append(_circle(x, -0.1 * math.sin(k), 0.45, 20, math.pi, 2 * math.pi))
    strokes.append(np.array([[-1.45, 0], [1.45, 0]], np.float32))
    return strokes, None


def _tree(rng):  # type: ignore[no-untyped-def]
    levels = int(rng.integers(2, 4))
    strokes = []
    for k in range(levels):
        y = k * 0.5
        w = 0.5 + 0.3 * k
        strokes.append(np.array([[-w, y + 0.6], [0, y - 0.2], [w, y + 0.6], [-w, y + 0.6]],
                                np.float32))
    strokes.append(np.array([[-0.15, levels * 0.5 + 0.1], [-0.15, levels * 0.5 + 0.7],
                             [0.15, levels * 0.5 + 0.7], [0.15, levels * 0.5 + 0.1]], np.float32))
    return strokes, None


def _arrow_burst(rng):  # type: ignore[no-untyped-def]
    n = int(rng.integers(5, 9))
    strokes = []
    for k in range(n):
        a = 2 * math.pi * k / n + rng.uniform(-0.2, 0.2)
        tip = np.array([math.cos(a), math.sin(a)], np.float32)
        side = np.array([-tip[1], tip[0]], np.float32)
        strokes.append(np.array([[0, 0], tip], np.float32))
        strokes.append(np.array([tip * 0.75 + side * 0.15, tip, tip * 0.75 - side * 0.15]))
    return strokes, None


SHAPES = {"heart": _heart, "star": _star, "spiral": _spiral, "smiley": _smiley,
          "pixel_art": _pixel_art, "scribble": _scribble, "house": _house, "flower": _flower,
          "waves": _waves, "grid": _grid, "target": _target, "sun": _sun, "cloud": _cloud,
          "tree": _tree, "arrow_burst": _arrow_burst}


def _crop(mask: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(mask > 0.1)
    if len(xs) == 0:
        return np.zeros((16, 16), np.float32)
    crop = mask[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    return np.pad(crop, 2)


_DRAWERS = {"font": _font_mask, "hershey": _hershey_mask, "mnist": _dataset_mask,
            "omniglot": _dataset_mask, "quickdraw": _dataset_mask, "symbol": _font_mask,
            "shape": _shape_mask}
