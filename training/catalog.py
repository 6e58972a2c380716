"""Every glyph the renderer can draw, as GlyphSpecs grouped by source for splitting."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from .fonts import discover_fonts, font_symbols
from .glyphs import (
    DIGITS,
    FREE_SHAPES,
    HERSHEY_DESIGNS,
    HERSHEY_SYMBOLS,
    LETTERS,
    LOWER_CASE,
    LOWER_EXCLUDED,
    OMNIGLOT_FREE,
    OMNIGLOT_LOOKALIKES,
    GlyphSpec,
    hershey_strokes,
    load_shared,
)

CHARACTER_CHARS = "".join((*DIGITS, *LETTERS, *LOWER_CASE))
SHAPE_SEEDS = 400  # procedural free patterns: each (shape, seed) is its own group


def _char_spec(source: str, key: str, ch: str, group: str) -> GlyphSpec:
    category = "digit" if ch in DIGITS else "letter"
    return GlyphSpec(source=source, category=category, label=ch.upper(), group=group, key=key,
                     char=ch)


def font_specs(cache: Path | None) -> list[GlyphSpec]:
    specs = []
    symbol_fonts = {"dejavu", "freefont", "gentium"}
    for font in discover_fonts(cache):
        design = font.design
        group = f"font:{design}"
        specs += [_char_spec("font", font.path, ch, group) for ch in CHARACTER_CHARS]
        if design in symbol_fonts and "Bold" not in font.path:
            specs += [GlyphSpec("symbol", "free_pattern", None, f"symbol:{design}:{ch}",
                                font.path, ch) for ch in font_symbols(font.path)]
    return specs


def hershey_specs() -> list[GlyphSpec]:
    specs = []
    for design, names in HERSHEY_DESIGNS.items():
        for name in names:
            specs += [_char_spec("hershey", name, ch, f"hershey:{design}")
                      for ch in CHARACTER_CHARS]
    seen: set[str] = set()
    for name, chars in HERSHEY_SYMBOLS.items():
        for ch in chars:
            shape = stroke_fingerprint(hershey_strokes(name, ch))
            if shape not in seen:  # one symbol drawn by two fonts is one group, used once
                seen.add(shape)
                specs.append(GlyphSpec("hershey", "free_pattern", None,
                                       f"hershey-symbol:{shape}", name, ch))
    return specs


def stroke_fingerprint(strokes: list[np.ndarray]) -> str:
    """A short hash of a glyph's shape: its strokes scaled to a unit box, on a 1/64 grid."""
    if not strokes:
        raise ValueError("a glyph without strokes has no shape")
    points = np.concatenate(strokes)
    lo, size = points.min(axis=0), float(np.ptp(points, axis=0).max()) or 1.0
    digest = hashlib.sha256()
    for stroke in strokes:
        digest.update(np.round((stroke - lo) / size * 64).astype(np.int16).tobytes() + b"|")
    return digest.hexdigest()[:12]


def mnist_specs() -> list[GlyphSpec]:
    data = load_shared("mnist")
    return [GlyphSpec("mnist", "digit", str(int(label)), f"mnist:{int(group)}", str(i))
            for i, (label, group) in enumerate(zip(data["labels"], data["group"]))]


def omniglot_specs() -> list[GlyphSpec]:
    data = load_shared("omniglot")
    specs = []
    for i, (alphabet, latin, name, group) in enumerate(
        zip(data["alphabet"], data["latin_char"], data["label_names"][data["labels"]],
            data["group"])
    ):
        if alphabet == "Latin" and latin not in LOWER_EXCLUDED:
            specs.append(GlyphSpec("omniglot", "letter", str(latin).upper(),
                                   f"omniglot:{int(group)}", str(i), char=str(latin)))
        elif alphabet in OMNIGLOT_FREE and name not in OMNIGLOT_LOOKALIKES:
            # Split by character, not by drawer: a test symbol is one never seen in training.
            specs.append(GlyphSpec("omniglot", "free_pattern", None, f"omniglot:{name}", str(i)))
    return specs


def quickdraw_specs() -> list[GlyphSpec]:
    data = load_shared("quickdraw")
    return [GlyphSpec("quickdraw", "free_pattern", None, f"quickdraw:{int(g)}", str(i))
            for i, g in enumerate(data["group"])]


def shape_specs() -> list[GlyphSpec]:
    return [GlyphSpec("shape", "free_pattern", None, f"shape:{name}:{seed}", name, str(seed))
            for name in FREE_SHAPES for seed in range(SHAPE_SEEDS)]


def build_catalog(font_cache: Path | None = None) -> dict[str, list[GlyphSpec]]:
    """GlyphSpecs per source. Sources are sampled separately so none swamps the others."""
    return {
        "font": font_specs(font_cache),
        "hershey": hershey_specs(),
        "mnist": mnist_specs(),
        "omniglot": omniglot_specs(),
        "quickdraw": quickdraw_specs(),
        "shape": shape_specs(),
    }

