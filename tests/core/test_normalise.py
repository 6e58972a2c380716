import numpy as np
from boardread.normalise import GLYPH_SIDE, MODEL_SIDE, normalise_glyph

from .conftest import flat_board


def test_glyph_is_white_on_black_centred_and_sized():
    glyph = normalise_glyph(flat_board("7"))
    image = glyph.image
    assert image.shape == (MODEL_SIDE, MODEL_SIDE) and image.dtype == np.uint8
    assert not glyph.light_on_dark
    ys, xs = np.nonzero(image > 40)
    assert max(ys.ptp(), xs.ptp()) + 1 in (GLYPH_SIDE - 1, GLYPH_SIDE, GLYPH_SIDE + 1)
    assert image[0].max() == 0 and image[:, 0].max() == 0  # margin stays black
    assert image.max() == 255


def test_an_inverted_board_gives_the_same_glyph():
    dark_on_light = normalise_glyph(flat_board("K"))
    chalk = normalise_glyph(flat_board("K", invert=True))
    assert chalk.light_on_dark and not dark_on_light.light_on_dark
    a = dark_on_light.image.astype(float).ravel()
    b = chalk.image.astype(float).ravel()
    assert np.corrcoef(a, b)[0, 1] > 0.95


def test_uneven_light_does_not_leak_into_the_glyph():
    board = flat_board("3").astype(np.float32)
    ramp = np.linspace(0.45, 1.0, board.shape[1], dtype=np.float32)[None, :]
    glyph = normalise_glyph((board * ramp).astype(np.uint8))
    even = normalise_glyph(flat_board("3"))
    assert np.corrcoef(glyph.image.ravel(), even.image.ravel())[0, 1] > 0.9


def test_a_blank_board_gives_an_empty_glyph():
    glyph = normalise_glyph(np.full((300, 400), 228, np.uint8))
    assert glyph.box is None and glyph.image.max() == 0


def test_an_inverted_photo_reads_like_the_original(whiteboard_photo):
    import cv2
    from boardread.pipeline import prepare_photo

    photo = cv2.imdecode(np.frombuffer(whiteboard_photo.data, np.uint8), cv2.IMREAD_COLOR)
    inverted = cv2.imencode(".png", 255 - photo)[1].tobytes()
    original = prepare_photo(whiteboard_photo.data)
    negative = prepare_photo(inverted)
    assert negative.board_found and original.board_found
    assert negative.glyph.light_on_dark != original.glyph.light_on_dark
    a = original.glyph.image.astype(float).ravel()
    b = negative.glyph.image.astype(float).ravel()
    assert np.corrcoef(a, b)[0, 1] > 0.85
