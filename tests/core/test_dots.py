import cv2
import numpy as np
import pytest
from boardread.dots import find_dot_grid
from boardread.normalise import GLYPH_SIDE, normalise_glyph
from boardread.pipeline import prepare_photo

from .conftest import KAY, flat_board, render_until

SEVEN = ["#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."]


def dot_matrix(pitch: int, radius: int, *, angle: float = 0.0) -> np.ndarray:
    """A lit seven on a dark LED board: one disc per lit cell, optionally turned."""
    board = np.zeros((480, 480), np.uint8)
    for row, line in enumerate(SEVEN):
        for col, lit in enumerate(line):
            if lit == "#":
                cv2.circle(board, (150 + pitch * col, 110 + pitch * row), radius, 230, -1)
    turn = cv2.getRotationMatrix2D((240, 240), angle, 1.0)
    return cv2.warpAffine(board, turn, (480, 480))


def pieces(image: np.ndarray) -> int:
    count, _ = cv2.connectedComponents((image > 64).astype(np.uint8))
    return count - 1


@pytest.mark.parametrize("radius", [8, 12, 18])  # small dots, big dots, dots that touch
def test_the_pitch_of_a_dot_matrix_is_measured(radius):
    mask = (dot_matrix(36, radius) > 100).astype(np.uint8) * 255
    assert find_dot_grid(mask).pitch == pytest.approx(36, abs=2)


def test_a_turned_dot_matrix_is_still_a_grid():
    mask = (dot_matrix(36, 11, angle=17) > 100).astype(np.uint8) * 255
    assert find_dot_grid(mask).pitch == pytest.approx(36, abs=2)


def test_strokes_specks_and_rays_are_not_dots():
    stroke = (255 - flat_board("7") > 100).astype(np.uint8) * 255
    specks = np.zeros((400, 400), np.uint8)
    rng = np.random.default_rng(3)
    for x, y, r in zip(rng.integers(40, 360, 40), rng.integers(40, 360, 40), rng.integers(2, 9, 40)):
        cv2.circle(specks, (int(x), int(y)), int(r), 255, -1)
    sun = np.zeros((400, 400), np.uint8)
    for k in range(12):
        a = k * np.pi / 6
        start = (int(200 + 90 * np.cos(a)), int(200 + 90 * np.sin(a)))
        end = (int(200 + 150 * np.cos(a)), int(200 + 150 * np.sin(a)))
        cv2.line(sun, start, end, 255, 12)
    for mask in (stroke, specks, sun):
        assert find_dot_grid(mask) is None


def test_a_dot_matrix_glyph_reaches_the_model_as_one_stroke():
    for pitch, radius in ((36, 9), (36, 14), (24, 8)):
        glyph = normalise_glyph(dot_matrix(pitch, radius))
        assert pieces(glyph.image) == 1, (pitch, radius)


def test_the_same_glyph_looks_alike_whatever_the_dots():
    fine = normalise_glyph(dot_matrix(36, 9)).image.astype(float).ravel()
    coarse = normalise_glyph(dot_matrix(36, 15)).image.astype(float).ravel()
    assert np.corrcoef(fine, coarse)[0, 1] > 0.9


@pytest.mark.parametrize("style", ["led", "pegboard"])
def test_a_photo_of_a_dot_board_gives_a_solid_glyph(style):
    photo = render_until(KAY, style, cropped=False)
    image = prepare_photo(photo.data).glyph.image
    assert pieces(image) <= 2


def test_a_joined_glyph_fills_the_model_input_like_any_other():
    image = normalise_glyph(dot_matrix(36, 9)).image
    ys, _ = np.nonzero(image > 40)  # the seven is taller than wide
    assert ys.ptp() + 1 >= GLYPH_SIDE - 1  # the long side spans the glyph box
