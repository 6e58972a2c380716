import cv2
import numpy as np
import pytest

from training.glyphs import GlyphSpec, draw_glyph
from training.render import _MAX_CELLS, BOARD_STYLES, _dot_grid, _holes, _place, render_photo

SPEC = GlyphSpec("font", "letter", "A", "font:dejavu",
                 "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "a")


def test_same_seed_same_photo_different_seed_different_photo():
    assert render_photo(SPEC, 11).data == render_photo(SPEC, 11).data
    assert render_photo(SPEC, 11).data != render_photo(SPEC, 12).data


def test_every_board_style_renders_a_decodable_photo():
    for style in BOARD_STYLES:
        photo = render_photo(SPEC, 5, style)
        image = cv2.imdecode(np.frombuffer(photo.data, np.uint8), cv2.IMREAD_COLOR)
        assert image is not None and (image.shape[1], image.shape[0]) == photo.size
        assert 640 <= max(photo.size) <= 4000


BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


@pytest.mark.parametrize(("char", "counters"), [("0", 1), ("A", 1), ("B", 2), ("e", 1), ("8", 2)])
def test_a_dot_matrix_keeps_the_counters_of_a_bold_glyph(char: str, counters: int) -> None:
    """LED and peg boards light the cells the glyph covers; on a coarse grid a bold glyph's
    counters were lit too (a solid blob labelled 0). The grid is made finer until they show."""
    spec = GlyphSpec("font", "letter", char.upper(), "font:dejavu-bold", BOLD, char)
    for seed in range(12):
        rng = np.random.default_rng(seed)
        mask, box = _place(draw_glyph(spec, rng), 600, 450, rng)
        lit, pitch, _ = _dot_grid(mask, box, rng)
        assert _holes(lit, min_area=1) == counters, (char, seed, lit.shape)
        # refining stops at _MAX_CELLS cells or one more (it steps by two)
        assert pitch >= max(box[2:]) / (_MAX_CELLS + 1)
