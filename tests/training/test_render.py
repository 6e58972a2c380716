import cv2
import numpy as np

from training.glyphs import GlyphSpec
from training.render import BOARD_STYLES, render_photo

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
