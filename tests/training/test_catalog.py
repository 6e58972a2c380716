"""What the renderer may draw as a free pattern: never a letter or a digit."""

import string

import numpy as np
import pytest
from HersheyFonts import HersheyFonts

from training.catalog import hershey_specs, omniglot_specs, stroke_fingerprint
from training.glyphs import HERSHEY_DESIGNS, HERSHEY_SYMBOLS, OMNIGLOT_LOOKALIKES, hershey_strokes

CHARACTERS = string.ascii_letters + string.digits
TEXT_FONTS = [font for names in HERSHEY_DESIGNS.values() for font in names] + [
    font for font in HersheyFonts().default_font_names if font.startswith("goth")]


@pytest.fixture(scope="module")
def character_shapes():
    """The shape of every letter and digit the Hershey Latin text fonts draw."""
    shapes = set()
    for font in TEXT_FONTS:
        for ch in CHARACTERS:
            strokes = hershey_strokes(font, ch)
            if strokes:
                shapes.add(stroke_fingerprint(strokes))
    return shapes


def test_hershey_free_patterns_are_not_letters_or_digits(character_shapes):
    # The symbol fonts draw real letters at the letter codes (astrology's "A" is roman's "A").
    assert stroke_fingerprint(hershey_strokes("astrology", "A")) in character_shapes
    free = [s for s in hershey_specs() if s.category == "free_pattern"]
    assert len(free) >= 50
    for spec in free:
        assert stroke_fingerprint(hershey_strokes(spec.key, spec.char)) not in character_shapes, spec


def test_a_symbol_drawn_by_two_fonts_is_one_group():
    # markers "b" and symbolic "I" are the same square
    square = stroke_fingerprint(hershey_strokes("markers", "b"))
    assert stroke_fingerprint(hershey_strokes("symbolic", "I")) == square
    groups = [s.group for s in hershey_specs() if s.category == "free_pattern"]
    assert len(groups) == len(set(groups))
    assert sum(len(chars) for chars in HERSHEY_SYMBOLS.values()) == len(groups)


def test_fingerprint_ignores_position_and_scale_not_shape():
    stroke = np.array([[0, 0], [10, 0], [10, 20]], np.float32)
    assert stroke_fingerprint([stroke]) == stroke_fingerprint([stroke * 3 + 7])
    assert stroke_fingerprint([stroke]) != stroke_fingerprint([stroke[::-1] * [1, -1]])
    with pytest.raises(ValueError):
        stroke_fingerprint([])


def test_omniglot_free_patterns_leave_out_the_characters_that_read_as_latin():
    """Early Aramaic draws a 4, an O, a W and an X among others: labelled "free pattern" they
    would teach the models that a drawn W is not a W."""
    free = {s.group.removeprefix("omniglot:") for s in omniglot_specs()
            if s.category == "free_pattern"}
    assert {"Early_Aramaic/character04", "Early_Aramaic/character16",
            "Early_Aramaic/character21", "Early_Aramaic/character22"}.isdisjoint(free)
    assert "Early_Aramaic/character09" in free  # a circled cross reads as no character
    assert set(OMNIGLOT_LOOKALIKES).isdisjoint(free) and len(free) >= 20
