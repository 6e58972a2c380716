"""Discover installed fonts that draw every digit and Latin letter, grouped by family."""

from __future__ import annotations

import json
import string
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import ImageFont

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/share/texmf/fonts"))
CHARS = string.digits + string.ascii_uppercase + string.ascii_lowercase
# Dingbats and symbols (free patterns) drawn by text fonts that have them.
# Shapes that read as a character (○ ~ O, △ ~ A, ✓ ~ V, ¶ ~ P, ∑ ~ E ...) are left out.
SYMBOLS = "♥♦♣♠★☆☺☹☀☁☂☃☎☘☯☮♪♫♬⚑⚓⚡✈✿❀❄↻⌘∞◐◑◒▣▤▥▦▧▨▩"


@dataclass(frozen=True)
class Font:
    path: str
    family: str


def _ink_box(font: ImageFont.FreeTypeFont, ch: str) -> tuple[int, int, int, int] | None:
    mask = font.getmask(ch)
    box = mask.getbbox()
    return box if box and box[2] - box[0] > 0 and box[3] - box[1] > 0 else None


def _usable(font: ImageFont.FreeTypeFont) -> bool:
    """Every character drawn, digits and letters distinct, and 'I' narrow (not a symbol font)."""
    boxes = {ch: _ink_box(font, ch) for ch in CHARS}
    if any(b is None for b in boxes.values()):
        return False
    renders = {np.asarray(font.getmask(ch)).tobytes() for ch in "0O8BAR1I"}
    if len(renders) < 7:
        return False
    x0, y0, x1, y1 = boxes["I"]  # type: ignore[misc]
    return (x1 - x0) < 0.7 * (y1 - y0)


def discover_fonts(cache: Path | None = None) -> list[Font]:
    """Usable fonts, sorted by path; the scan is cached in ``cache`` when given."""
    if cache is not None and cache.is_file():
        return [Font(**f) for f in json.loads(cache.read_text())]
    fonts = []
    paths = sorted(p for d in FONT_DIRS if d.is_dir() for p in d.rglob("*")
                   if p.suffix.lower() in (".ttf", ".otf"))
    for path in paths:
        try:
            font = ImageFont.truetype(str(path), 48)
        except OSError:
            continue
        if _usable(font):
            fonts.append(Font(path=str(path), family=font.getname()[0]))
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps([f.__dict__ for f in fonts], indent=1))
    return fonts


def font_symbols(font_path: str) -> list[str]:
    """The SYMBOLS this font really draws (not as an empty box)."""
    font = ImageFont.truetype(font_path, 48)
    notdef = np.asarray(font.getmask("\uffff")).tobytes()
    found = []
    for ch in SYMBOLS:
        if _ink_box(font, ch) is not None and np.asarray(font.getmask(ch)).tobytes() != notdef:
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
)
_EXCLUDED = ("Standard Symbols", "Initials", "Math")


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
