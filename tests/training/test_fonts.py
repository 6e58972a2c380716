"""Font designs, not names, are the split unit: a clone under another name is the same group."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from training import fonts as fonts_module
from training.catalog import font_specs
from training.fonts import (
    CHARS,
    CLONE_SIMILARITY,
    design_clusters,
    design_group,
    discover_fonts,
    glyph_signature,
    write_cache,
)

FONT_DIR = Path("/usr/share/fonts")


def font_file(name: str) -> str:
    found = sorted(FONT_DIR.rglob(name))
    assert found, f"{name} is missing: install training/fonts.apt"
    return str(found[0])


@pytest.fixture(scope="module")
def discovered(tmp_path_factory) -> list[fonts_module.Font]:
    return discover_fonts(tmp_path_factory.mktemp("fonts") / "fonts.json")


def test_a_metric_clone_is_one_design_with_its_original():
    """Carlito (Calibri's metrics) is drawn from Lato."""
    pairs = [(font_file("Carlito-Regular.ttf"), "carlito"), (font_file("Lato-Regular.ttf"), "lato")]
    clusters = design_clusters(pairs)
    assert clusters["carlito"] == clusters["lato"]


def test_distinct_designs_of_one_genre_stay_apart():
    pairs = [(font_file("DejaVuSans.ttf"), "dejavu"),
             (font_file("OpenSans-Regular.ttf"), "open"),
             (font_file("Roboto-Regular.ttf"), "roboto")]
    assert design_clusters(pairs) == {"dejavu": "dejavu", "open": "open", "roboto": "roboto"}


def test_clones_of_clones_are_one_group_named_after_the_biggest_design(monkeypatch):
    """a ~ b and b ~ c make a, b and c one design even though a and c differ."""
    side = fonts_module.SIGNATURE_SIDE ** 2
    rng = np.random.default_rng(0)

    def unit(x: np.ndarray) -> np.ndarray:
        x = x - x.mean(axis=1, keepdims=True)
        return x / np.linalg.norm(x, axis=1, keepdims=True)

    a = unit(rng.normal(size=(len(CHARS), side)))
    away = unit(rng.normal(size=(len(CHARS), side)))
    away = unit(away - (away * a).sum(axis=1, keepdims=True) * a)  # orthogonal to a
    turn = np.radians(40)  # c is 40 degrees from a (cos 0.77), b halfway (cos 0.94 to each)
    c = np.cos(turn) * a + np.sin(turn) * away
    b = unit(a + c)
    d = unit(rng.normal(size=(len(CHARS), side)))
    assert (a * c).sum() / len(CHARS) < CLONE_SIMILARITY
    assert min((a * b).sum(), (b * c).sum()) / len(CHARS) >= CLONE_SIMILARITY
    signatures = {"a1": a, "a2": a, "b": b, "c": c, "d": d}
    monkeypatch.setattr(fonts_module, "glyph_signature", signatures.__getitem__)
    clusters = design_clusters([("a1", "x"), ("a2", "x"), ("b", "y"), ("c", "z"), ("d", "w")])
    assert clusters == {"x": "x", "y": "x", "z": "x", "w": "w"}


def test_no_two_designs_draw_alike(discovered):
    """Checked on every installed font, apart from the clustering: any two fonts that draw the
    62 characters alike belong to one design (else a test font would be a training font)."""
    signatures = np.stack([glyph_signature(f.path).ravel() for f in discovered])
    similarity = signatures @ signatures.T / len(CHARS)
    designs = np.array([f.design for f in discovered])
    alike = similarity >= CLONE_SIMILARITY
    assert len(discovered) > 500 and len(set(designs)) > 100
    clashes = {(designs[i], designs[j]) for i, j in zip(*np.nonzero(alike))
               if designs[i] != designs[j]}
    assert not clashes


def test_a_font_drawing_a_letter_as_its_missing_glyph_box_is_not_used(discovered):
    """MuseumBible has no Q and no X: it draws them as its empty box ("tofu"), which would be
    photos of a rectangle labelled Q or X."""
    path = font_file("MuseumBible.otf")
    assert not fonts_module._usable(fonts_module.ImageFont.truetype(path, 48))
    assert path not in {f.path for f in discovered}


def test_the_catalog_groups_clones_by_design(discovered, tmp_path):
    cache = tmp_path / "fonts.json"
    write_cache(cache, discovered)
    groups = {Path(s.key).name: s.group for s in font_specs(cache)}
    assert groups["Carlito-Regular.ttf"] == groups["Lato-Regular.ttf"] == "font:lato"
    assert groups["STIXGeneral-Regular.otf"] == groups["LiberationSerif-Regular.ttf"] == "font:times"
    assert groups["DejaVuSans.ttf"] != groups["OpenSans-Regular.ttf"]


@pytest.mark.parametrize("family", ["Alfa-beta", "Ellhnikh", "Abecedario_pautada",
                                    "Abecedario_punteada", "Ecolier_lignes_court",
                                    "Latin Modern Math"])
def test_fonts_whose_letters_are_not_the_letters_are_not_used(family):
    assert design_group(family) is None


def test_a_family_under_many_names_is_one_design():
    names = ["CMU Serif", "CMU Typewriter Text", "Latin Modern Roman", "LM Roman 10"]
    assert {design_group(n) for n in names} == {"computer-modern"}
    assert design_group("Abecedario") == "abecedario"
