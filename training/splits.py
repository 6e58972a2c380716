"""Split glyph sources by group *before* any photo is rendered, so nothing leaks.

A group is a font design, a Hershey design, a writer or sample id, an Omniglot character or a
generator seed. Every sample of a group lands in exactly one split.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

from .glyphs import GlyphSpec

SPLITS = ("train", "val", "test")
FRACTIONS = {"train": 0.75, "val": 0.10, "test": 0.15}


def _rank(group: str, seed: int) -> str:
    return hashlib.sha256(f"{seed}:{group}".encode()).hexdigest()


def assign_groups(groups: list[str], seed: int,
                  fractions: dict[str, float] = FRACTIONS) -> dict[str, str]:
    """Group -> split. Groups are shuffled by a seeded hash and cut by cumulative share;
    with three or more groups each split gets at least one."""
    ordered = sorted(set(groups), key=lambda g: _rank(g, seed))
    n = len(ordered)
    n_val = round(n * fractions["val"])
    n_test = round(n * fractions["test"])
    if n >= 3:
        n_val, n_test = max(1, n_val), max(1, n_test)
    cut_test = n - n_test
    cut_val = cut_test - n_val
    return {g: ("train" if i < cut_val else "val" if i < cut_test else "test")
            for i, g in enumerate(ordered)}


def split_specs(catalog: dict[str, list[GlyphSpec]], seed: int
                ) -> dict[str, dict[str, list[GlyphSpec]]]:
    """split -> source -> specs. Each kind of group of each source (``font:`` designs and
    ``symbol:`` glyphs, ``hershey:`` designs and ``hershey-symbol:`` shapes ...) is split on its
    own, so six Hershey designs among sixty symbols still give every split its share of them."""
    out: dict[str, dict[str, list[GlyphSpec]]] = {s: defaultdict(list) for s in SPLITS}
    for source, specs in catalog.items():
        kinds: dict[str, list[GlyphSpec]] = defaultdict(list)
        for spec in specs:
            kinds[group_kind(spec.group)].append(spec)
        for kind_specs in kinds.values():
            assignment = assign_groups([s.group for s in kind_specs], seed)
            for spec in kind_specs:
                out[assignment[spec.group]][source].append(spec)
    return {s: dict(v) for s, v in out.items()}


def group_kind(group: str) -> str:
    """``hershey:roman`` -> ``hershey``: what sort of thing a group is."""
    return group.split(":", 1)[0]
