"""Discover installed fonts that draw every digit and Latin letter, grouped by design.

A design is the split unit. Names say most of it (``design_group``); what they miss, the glyphs
say: fonts that draw the same letters (metric clones, a family's variants, a Thai or phonetic
font whose Latin letters are Times or DejaVu) are found by comparing renders and made one
design (``design_clusters``), so no design is on two sides of a split under two names.
"""

from __future__ import annotations

import json
import string
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import ImageFont

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/share/texmf/fonts"))
CHARS = string.digits + string.ascii_uppercase + string.ascii_lowercase
# Dingbats and symbols (free patterns) drawn by text fonts that have them.
# Shapes that read as a character (○ ~ O, △ ~ A, ✓ ~ V, ¶ ~ P, ∑ ~ E ...) are left out.
SYMBOLS = "♥♦♣♠★☆☺☹☀☁☂☃☎☘☯☮♪♫♬⚑⚓⚡✈✿❀❄↻⌘∞◐◑◒▣▤▥▦▧▨▩"


# Mean correlation of the 62 characters' renders above which two fonts are one design. Measured
# over the fonts of training/fonts.apt: clones score 0.93-1.0 (Carlito/Lato 0.942, STIX/Times
# 0.999, Latin Modern/CMU 0.98, the Tiresias and ADF "No2" variants 0.92-0.97); distinct designs
# of one genre stay below (Inter/Helvetica 0.914, Roboto/Helvetica 0.911, DejaVu/Open Sans 0.910).
CLONE_SIMILARITY = 0.92
SIGNATURE_SIDE = 24
SCAN_VERSION = 2  # bumped when what makes a font usable changes: a cached scan is then redone


@dataclass(frozen=True)
class Font:
    path: str
    family: str
    design: str  # the split unit: design_group(family), clones merged (design_clusters)


def _render(font: ImageFont.FreeTypeFont, ch: str
            ) -> tuple[bytes, tuple[int, int, int, int] | None]:
    """A character's render (bytes, to compare with others) and its ink box (None if blank)."""
    mask = font.getmask(ch)
    box = mask.getbbox()
    ink = box if box and box[2] - box[0] > 0 and box[3] - box[1] > 0 else None
    return np.asarray(mask).tobytes(), ink


def _notdef(font: ImageFont.FreeTypeFont) -> bytes:
    """The render of a character the font lacks (often a box: "tofu")."""
    return _render(font, "\uffff")[0]


def _usable(font: ImageFont.FreeTypeFont) -> bool:
    """Every character drawn (none as the missing-glyph box), digits and letters distinct, and
    'I' narrow (not a symbol font)."""
    renders = {ch: _render(font, ch) for ch in CHARS}  # each character rendered once
    if any(box is None for _, box in renders.values()):
        return False
    notdef = _notdef(font)
    if any(render == notdef for render, _ in renders.values()):
        return False
    if len({renders[ch][0] for ch in "0O8BAR1I"}) < 7:
        return False
    x0, y0, x1, y1 = renders["I"][1]  # type: ignore[misc]
    return (x1 - x0) < 0.7 * (y1 - y0)


def discover_fonts(cache: Path | None = None) -> list[Font]:
    """Usable fonts of a design we use, sorted by path; the scan is cached in ``cache``."""
    if cache is not None and cache.is_file():
        cached = json.loads(cache.read_text())
        if isinstance(cached, dict) and cached.get("scan") == SCAN_VERSION:
            return [Font(**f) for f in cached["fonts"]]  # an older scan's cache is redone
    found: list[tuple[str, str, str]] = []  # path, family, named design
    paths = sorted(p for d in FONT_DIRS if d.is_dir() for p in d.rglob("*")
                   if p.suffix.lower() in (".ttf", ".otf"))
    for path in paths:
        try:
            font = ImageFont.truetype(str(path), 48)
        except OSError:
            continue
        family = font.getname()[0] or ""
        design = design_group(family)
        if design is not None and _usable(font):
            found.append((str(path), family, design))
    clusters = design_clusters([(path, design) for path, _, design in found])
    fonts = [Font(path=path, family=family, design=clusters[design])
             for path, family, design in found]
    if cache is not None:
        write_cache(cache, fonts)
    return fonts


def write_cache(cache: Path, fonts: list[Font]) -> None:
    """Save a scan for ``discover_fonts`` to reuse (never half-written)."""
    cache.parent.mkdir(parents=True, exist_ok=True)
    partial = cache.with_name(cache.name + ".partial")
    partial.write_text(json.dumps({"scan": SCAN_VERSION, "fonts": [f.__dict__ for f in fonts]},
                                  indent=1))
    partial.replace(cache)


def glyph_signature(font_path: str) -> np.ndarray:
    """(62, SIGNATURE_SIDE**2): each character's ink, cropped and fitted in a square, as a
    zero-mean unit vector (so a dot product of two is their correlation)."""
    font = ImageFont.truetype(font_path, 64)
    rows = []
    for ch in CHARS:
        mask = font.getmask(ch)
        ink = np.asarray(mask, np.uint8).reshape(mask.size[1], mask.size[0])
        ys, xs = np.nonzero(ink > 64)
        ink = ink[ys.min():ys.max() + 1, xs.min():xs.max() + 1] if len(ys) else ink[:1, :1]
        h, w = ink.shape
        scale = SIGNATURE_SIDE / max(h, w)
        fitted = cv2.resize(ink, (max(1, round(w * scale)), max(1, round(h * scale))),
                            interpolation=cv2.INTER_AREA)
        square = np.zeros((SIGNATURE_SIDE, SIGNATURE_SIDE), np.float32)
        top, left = (SIGNATURE_SIDE - fitted.shape[0]) // 2, (SIGNATURE_SIDE - fitted.shape[1]) // 2
        square[top:top + fitted.shape[0], left:left + fitted.shape[1]] = fitted / 255.0
        rows.append(square.ravel())
    out = np.array(rows)
    out -= out.mean(axis=1, keepdims=True)
    return out / (np.linalg.norm(out, axis=1, keepdims=True) + 1e-6)


def design_clusters(fonts: list[tuple[str, str]], threshold: float = CLONE_SIMILARITY
                    ) -> dict[str, str]:
    """(path, design) pairs -> design -> the design it is split with.

    Two designs are one when any font of one and any font of the other draw the 62 characters
    alike (mean correlation >= ``threshold``), and so on transitively. A merged group takes the
    name of its design with the most fonts (then the first by name), so names stay stable.
    """
    designs = sorted({design for _, design in fonts})
    parent = {d: d for d in designs}

    def root(d: str) -> str:
        while parent[d] != d:
            parent[d] = parent[parent[d]]
            d = parent[d]
        return d

    if len(fonts) > 1:
        signatures = np.stack([glyph_signature(path).ravel() for path, _ in fonts])
        similarity = signatures @ signatures.T / len(CHARS)
        for i, j in zip(*np.nonzero(np.triu(similarity >= threshold, k=1))):
            parent[root(fonts[i][1])] = root(fonts[j][1])
    files = Counter(design for _, design in fonts)
    members: dict[str, list[str]] = {}
    for d in designs:
        members.setdefault(root(d), []).append(d)
    name = {r: min(ds, key=lambda d: (-files[d], d)) for r, ds in members.items()}
    return {d: name[root(d)] for d in designs}


def font_symbols(font_path: str) -> list[str]:
    """The SYMBOLS this font really draws (not as an empty box)."""
    font = ImageFont.truetype(font_path, 48)
    notdef = _notdef(font)
    found = []
    for ch in SYMBOLS:
        render, box = _render(font, ch)
        if box is not None and render != notdef:
            found.append(ch)
    return found

# Families that are one design under several names (metric clones, weights, widths) form one
# group, so no design is on both sides of a split.
_DESIGNS = (
    ("helvetica", ("Arimo", "Liberation Sans", "Nimbus Sans", "TeX Gyre Heros", "FreeSans")),
    ("times", ("Tinos", "Liberation Serif", "Nimbus Roman", "TeX Gyre Termes", "FreeSerif")),
    ("courier", ("Cousine", "Liberation Mono", "FreeMono", "Nimbus Mono")),
    ("palatino", ("P052", "TeX Gyre Pagella")),
    ("century", ("C059", "TeX Gyre Schola")),
    ("bookman", ("URW Bookman", "TeX Gyre Bonum")),
    ("avantgarde", ("URW Gothic", "TeX Gyre Adventor")),
    ("dejavu-mono", ("DejaVu Sans Mono", "Hack")),
    ("mplus", ("M PLUS", "Mplus")),
    ("gentium", ("Gentium", "Charis")),
    ("libertine", ("Linux Libertine", "Linux Biolinum")),
    ("bwht", ("Because We",)),
    # One design under many names (optical sizes, widths, weights, styles, "No2" variants)
    ("computer-modern", ("CMU ", "Latin Modern", "LM ")),
    ("tiresias", ("Tiresias",)),
    ("roadgeek", ("Roadgeek",)),
    ("routed-gothic", ("Routed Gothic",)),
    ("ibm-3270", ("IBM 3270",)),
    ("ocr-a", ("OCRA",)),
    ("clear-sans", ("Clear Sans",)),
    ("go", ("Go Smallcaps",)),
    ("pt", ("PT Sans", "PT Serif")),
    ("dustismo", ("Dustismo",)),
    ("komatuna", ("Komatuna",)),
    ("kouzan", ("KouzanBrush",)),
    ("fanwood", ("Fanwood",)),
    ("anonymous-pro", ("Anonymous Pro",)),
    ("adf-accanthis", ("Accanthis ADF",)),
    ("adf-gillius", ("Gillius ADF",)),
    ("adf-ikarius", ("Ikarius ADF",)),
    ("adf-irianis", ("Irianis ADF",)),
    ("adf-mekanus", ("Mekanus ADF",)),
    ("adf-romande", ("Romande ADF",)),
)
_EXCLUDED = (
    "Standard Symbols", "Initials", "Math",
    "Alfa-beta", "Ellhnikh",  # Greek letters at the Latin codes (R drawn as P)
    "_guiada", "_pautada", "_punt", "_lignes",  # school fonts with ruled lines or dotted strokes
    "[F500]", "C-64", "Zainer", "Blankenburg",  # letters unlike the letter (or striped)
)


def design_group(family: str) -> str | None:
    """The design a family belongs to (the split unit), or None for fonts we do not use."""
    if any(word in family for word in _EXCLUDED):
        return None
    for design, prefixes in _DESIGNS:
        if family.startswith(prefixes):
            return design
    base = family.lower()
    for suffix in (" display", " condensed", " mono", " code", " slab", " sketch", " light",
                   " medium", " narrow", " cn", "alta", " gwf", " sans", " serif"):
        base = base.replace(suffix, "")
    base = base.replace("condensed", "").replace("mono", "").replace("-sans", "").replace("gs", "")
    return base.replace("cabinsketch", "cabin").strip()
