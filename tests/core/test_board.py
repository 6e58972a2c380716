import itertools

import cv2
import numpy as np
import pytest
from boardread import board as board_module
from boardread.board import BOARD_SIDE, extract_board, find_board, order_corners
from boardread.decode import decode_image

from training.glyphs import GlyphSpec
from training.render import RenderedPhoto, render_photo

from .conftest import encode


def test_the_board_is_found_and_flattened(whiteboard_photo):
    grey = _assert_board_found(whiteboard_photo)
    board = extract_board(grey)
    assert board.found and max(board.image.shape) == BOARD_SIDE


def test_a_photo_cropped_to_the_board_uses_the_whole_photo(cropped_photo):
    grey = decode_image(cropped_photo.data)
    board = extract_board(grey)
    assert not board.found
    assert abs(board.image.shape[1] / board.image.shape[0] - grey.shape[1] / grey.shape[0]) < 0.01


def test_a_square_drawn_on_the_board_is_not_taken_for_the_board():
    board = np.full((600, 800), 230, np.uint8)
    board[150:450, 250:254] = board[150:450, 546:550] = 20
    board[150:154, 250:550] = board[446:450, 250:550] = 20
    assert find_board(board) is None


def test_a_dark_board_on_a_light_wall_is_found():
    wall = np.full((900, 1200), 210, np.uint8)
    quad = np.array([[260, 170], [980, 220], [940, 760], [220, 700]], np.int32)
    cv2.fillConvexPoly(wall, quad, 45)
    corners = find_board(decode_image(encode(wall, ".jpg")))
    assert corners is not None
    assert np.abs(corners - quad).max() < 12


def test_the_edge_map_is_the_dilated_gradient_thresholded(whiteboard_photo):
    """The cheap edge map (threshold, then a byte dilation) is the float one's, pixel for pixel."""
    small = cv2.GaussianBlur(decode_image(whiteboard_photo.data), (5, 5), 0)
    gx = cv2.Sobel(small, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(small, cv2.CV_32F, 0, 1, ksize=3)
    dilated = cv2.dilate(cv2.magnitude(gx, gy), np.ones((5, 5), np.uint8))
    assert np.array_equal(board_module._edge_maps(small).near > 0, dilated >= 40)


@pytest.mark.parametrize("vertices", [5, 7, 10])
def test_the_convex_corner_subsets_are_the_ones_opencv_calls_convex(vertices):
    """All 4-vertex subsets checked at once keep exactly those ``cv2.isContourConvex`` keeps,
    in the same order, straight runs (collinear corners) included."""
    rng = np.random.default_rng(vertices)
    for _ in range(40):
        poly = rng.integers(0, 24, (vertices, 2)).astype(np.float32) * 20  # collinear often
        expected = [poly[list(idx)] for idx in itertools.combinations(range(vertices), 4)
                    if cv2.isContourConvex(poly[list(idx)].reshape(4, 1, 2))]
        got = board_module._convex_subsets(poly)
        assert len(got) == len(expected)
        assert all(np.array_equal(a, b) for a, b in zip(got, expected, strict=True))


@pytest.mark.parametrize("shift", [0, 150, -150])
def test_edge_contrast_looks_at_the_bands_around_the_outline(shift):
    """Inside and outside bands measured on a window: the medians of the whole-image bands,
    also for an outline whose outer band runs off the photo."""
    rng = np.random.default_rng(5)
    photo = (rng.random((360, 480)) * 60 + 20).astype(np.uint8)
    quad = np.array([[120, 80], [380, 90], [370, 290], [110, 280]], np.float32) + (shift, 0)
    cv2.fillConvexPoly(photo, quad.astype(np.int32), 200)
    centre = quad.mean(axis=0)
    medians = []
    for inner, outer in ((0.80, 0.92), (1.08, 1.20)):
        ring = np.zeros(photo.shape, np.uint8)
        cv2.fillConvexPoly(ring, ((quad - centre) * outer + centre).astype(np.int32), 255)
        cv2.fillConvexPoly(ring, ((quad - centre) * inner + centre).astype(np.int32), 0)
        medians.append(float(np.median(photo[ring > 0])))
    contrast = board_module._edge_contrast(photo, quad)
    assert contrast == abs(medians[0] - medians[1]) and contrast > 100


def _render(kind: str, number: int, seed: int) -> RenderedPhoto:
    return render_photo(GlyphSpec("shape", "free_pattern", None, f"shape:{kind}:{number}",
                                  kind, str(number)), seed)


def _assert_board_found(photo: RenderedPhoto) -> np.ndarray:
    """The photo's board is found: within 7 % of the photo from the renderer's outline (the
    board, or its inner edge if framed). The decoded grey photo is returned."""
    grey = decode_image(photo.data)
    corners = find_board(grey)
    assert corners is not None
    truth = order_corners(photo.corners * grey.shape[1] / photo.size[0])
    assert np.abs(corners - truth).max() < 0.07 * max(grey.shape)
    return grey


# Test-split photos (spec, seed) whose board merges with the wall or clutter in every
# threshold image: no outline follows it, its straight sides do.
@pytest.mark.parametrize(("kind", "number", "seed"), [
    ("sun", 235, 2010354420), ("cloud", 5, 2464669892)])
def test_a_board_merged_with_its_surroundings_is_found_by_its_straight_sides(kind, number, seed):
    _assert_board_found(_render(kind, number, seed))


# Bright scenes (median grey 128-213) whose board edge Canny missed while its thresholds were
# scaled by the median grey (up to 116 / 286 here): fixed thresholds keep it.
@pytest.mark.parametrize(("kind", "number", "seed"), [
    ("star", 209, 5009), ("cloud", 131, 5231), ("sun", 66, 5166)])
def test_a_board_in_a_bright_photo_is_found(kind, number, seed):
    _assert_board_found(_render(kind, number, seed))


# Test-split photos cropped to an LED or peg board: the patch of lit dots (the glyph) has an
# outline on strong edges all round, but those edges point every way.
@pytest.mark.parametrize(("kind", "number", "seed"), [
    ("spiral", 176, 59508563), ("pixel_art", 230, 2549734844), ("flower", 289, 2763450353)])
def test_a_patch_of_dots_is_not_taken_for_the_board(kind, number, seed):
    photo = _render(kind, number, seed)
    assert photo.cropped and photo.style in ("led", "pegboard")
    assert find_board(decode_image(photo.data)) is None


def test_edge_alignment_tells_a_straight_edge_from_a_field_of_dots():
    photo = np.full((360, 480), 40, np.uint8)
    cv2.fillConvexPoly(photo, np.array([[60, 50], [420, 50], [420, 310], [60, 310]]), 200)
    for y in range(70, 300, 12):
        for x in range(80, 400, 12):
            cv2.circle(photo, (x, y), 4, 40, -1)
    small = cv2.GaussianBlur(photo, (5, 5), 0)
    edges = board_module._edge_maps(small)
    board = np.array([[60, 50], [420, 50], [420, 310], [60, 310]], np.float32)
    patch = np.array([[150, 118], [330, 118], [330, 250], [150, 250]], np.float32)
    assert board_module._edge_alignment(edges, board) > 0.9
    assert board_module._edge_alignment(edges, patch) < 0.5
