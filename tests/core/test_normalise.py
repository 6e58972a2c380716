import cv2
import numpy as np
from boardread.normalise import (
    _BORDER_SHAVE,
    GLYPH_SIDE,
    MODEL_SIDE,
    ink_map,
    normalise_glyph,
)

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


def test_a_light_board_on_a_mid_grey_wall_is_read_as_dark_ink():
    """A whole photo read when no outline was found: the wall makes it mid-grey as a whole,
    bright clutter on the wall is stronger "light ink" than the faint marker, but the centre,
    where the photo is aimed, is a light board: dark ink, and the glyph is the seven."""
    photo = np.full((400, 400), 110, np.uint8)
    cv2.rectangle(photo, (80, 80), (320, 320), 225, -1)
    cv2.line(photo, (160, 140), (240, 140), 150, 12)
    cv2.line(photo, (240, 140), (190, 270), 150, 12)
    for centre in ((40, 40), (360, 360), (360, 40)):
        cv2.circle(photo, centre, 30, 250, -1)
    glyph = normalise_glyph(photo)
    assert not glyph.light_on_dark
    assert glyph.box is not None
    x, y, w, h = glyph.box
    shave = round(photo.shape[0] * _BORDER_SHAVE)  # the box is in the shaved board
    assert 150 <= x + shave and x + w + shave <= 250 and 130 <= y + shave and y + h + shave <= 280


def test_a_blank_board_gives_an_empty_glyph():
    glyph = normalise_glyph(np.full((300, 400), 228, np.uint8))
    assert glyph.box is None and glyph.image.max() == 0


def test_a_board_with_only_specks_gives_an_empty_glyph():
    board = np.full((300, 400), 228, np.uint8)
    rng = np.random.default_rng(7)
    ys, xs = rng.integers(20, 280, 600), rng.integers(20, 380, 600)
    board[ys, xs] = 170  # dust: faint single pixels, none of them big enough to be ink
    glyph = normalise_glyph(board)
    assert glyph.box is None and glyph.image.max() == 0


def test_an_inverted_photo_reads_like_the_original(whiteboard_photo):
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


def _crop_box(board: np.ndarray) -> tuple[int, int, int, int]:
    box = normalise_glyph(board).box
    assert box is not None
    return box


def test_a_mark_away_from_the_glyph_stays_out_of_the_crop():
    clean = _crop_box(flat_board("7"))
    board = flat_board("7")
    cv2.circle(board, (40, 40), 14, 30, -1)  # a stray blot, well clear of the 7
    assert _crop_box(board) == clean


def test_the_dot_of_an_i_is_part_of_the_glyph():
    board = np.full((400, 400), 235, np.uint8)
    cv2.rectangle(board, (190, 160), (210, 320), 30, -1)  # the stem, 160 px tall
    cv2.circle(board, (200, 120), 13, 30, -1)  # the dot, 27 px above it
    _, _, _, h = _crop_box(board)
    assert h >= 320 - 107 - 2  # from the top of the dot to the foot of the stem


def test_every_dot_of_a_dot_matrix_glyph_is_kept():
    board = np.zeros((400, 400), np.uint8)
    seven = ["#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."]
    for row, line in enumerate(seven):
        for col, lit in enumerate(line):
            if lit == "#":
                cv2.circle(board, (120 + 36 * col, 90 + 36 * row), 11, 230, -1)
    _, _, w, h = _crop_box(board)
    assert w >= 36 * 4 + 22 - 2 and h >= 36 * 6 + 22 - 2  # from the first dot to the last


def test_single_dots_are_kept_beside_a_long_run_of_touching_ones():
    """An LED glyph whose bold stroke glows into one piece of forty dots: next to it each
    single dot of the thin strokes is small, and was dropped as a speck (half a W was cut)."""
    board = np.zeros((400, 400), np.uint8)
    pitch, left, top = 24, 70, 70
    for row in range(10):
        for col in range(4):  # the bold stroke: dots that touch
            cv2.circle(board, (left + pitch * col, top + pitch * row), 13, 230, -1)
    thin = [(col, 9) for col in range(5, 11)] + [(10, row) for row in range(9)]
    for col, row in thin:  # the thin strokes: dots apart
        cv2.circle(board, (left + pitch * col, top + pitch * row), 9, 230, -1)
    _, _, w, h = _crop_box(board)
    assert w >= pitch * 10 + 13 + 9 - 2 and h >= pitch * 9 + 13 + 9 - 2  # first dot to last


def test_a_bright_frame_rim_does_not_raise_the_bar_above_faint_chalk():
    """A chalkboard flattened with its light frame still round it: the rim is far brighter in
    the ink map than the chalk, and must not set the threshold the chalk is held to."""
    board = 255 - flat_board("5")  # chalk: light ink on a dark board
    board = (board.astype(np.float32) * 0.3 + 30).astype(np.uint8)  # faint chalk (~70 levels)
    rim = 14  # 3.5 % of the side: more than the 2.5 % shaved off
    board[:rim], board[-rim:], board[:, :rim], board[:, -rim:] = 235, 235, 235, 235
    glyph = normalise_glyph(board)
    plain = normalise_glyph(255 - flat_board("5"))
    assert glyph.light_on_dark
    assert np.corrcoef(glyph.image.ravel(), plain.image.ravel())[0, 1] > 0.9


def _shade(board: np.ndarray, corners: list[tuple[int, int]], depth: float,
           softness: float = 3) -> np.ndarray:
    """``board`` with a shadow over the polygon ``corners``, ``depth`` of the light taken away
    (as a hand or a phone casts on a board), its edge blurred by ``softness`` pixels."""
    shadow = np.zeros(board.shape, np.float32)
    cv2.fillPoly(shadow, [np.array(corners, np.int32)], 1.0)
    shadow = cv2.GaussianBlur(shadow, (0, 0), softness)
    return (board * (1 - depth * shadow)).astype(np.uint8)


def test_a_shadow_beside_the_glyph_stays_out_of_the_glyph():
    clean = normalise_glyph(flat_board("7"))
    shaded = normalise_glyph(_shade(flat_board("7"), [(40, 250), (190, 330), (60, 370)], 0.4))
    assert shaded.box == clean.box
    assert np.corrcoef(shaded.image.ravel(), clean.image.ravel())[0, 1] > 0.95


def test_a_hard_shadow_across_the_glyph_is_not_taken_for_ink():
    """A hard-edged band of shadow from edge to edge, over half as dark as the marker, through
    the glyph: it is wider than any stroke and weaker than the ink, so it is measured against
    the board at stroke scale and goes; the glyph is cropped alone, away from the board's edge.
    (Its strokes were measured as wide as the band, and the glyph taken with the band.)"""
    clean = normalise_glyph(flat_board("7"))
    band = [(0, 110), (400, 200), (400, 280), (0, 190)]  # 80 px wide, across the 7
    shaded = normalise_glyph(_shade(flat_board("7"), band, 0.5, softness=1))
    assert not shaded.reaches_edge()
    assert shaded.box is not None and clean.box is not None
    assert np.abs(np.subtract(shaded.box, clean.box)).max() <= 4
    assert np.corrcoef(shaded.image.ravel(), clean.image.ravel())[0, 1] > 0.9


def test_a_bold_stroke_stays_whole_among_thin_ones():
    """Most of this drawing is thin lines, so the stroke-scale estimate is made for them and
    would hollow the bold bar: the bar's ink is strong, and strong ink is not measured again."""
    board = np.full((400, 400), 235, np.uint8)
    cv2.rectangle(board, (60, 100), (110, 300), 30, -1)  # the bar, 50 px wide
    for y in range(100, 301, 18):
        cv2.line(board, (110, y), (330, y), 30, 5)
    ink, _ = ink_map(board)
    assert ink[200, 85] > 0.8 * ink.max()  # the middle of the bar
