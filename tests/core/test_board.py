import numpy as np
from boardread.board import BOARD_SIDE, extract_board, find_board, order_corners
from boardread.decode import decode_image

from .conftest import encode


def test_the_board_is_found_and_flattened(whiteboard_photo):
    grey = decode_image(whiteboard_photo.data)
    corners = find_board(grey)
    assert corners is not None
    truth = order_corners(whiteboard_photo.corners * grey.shape[1] / whiteboard_photo.size[0])
    # Within 7 % of the photo: the outline found is the board (or its inner edge if framed).
    assert np.abs(corners - truth).max() < 0.07 * max(grey.shape)
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
    import cv2

    cv2.fillConvexPoly(wall, quad, 45)
    corners = find_board(decode_image(encode(wall, ".jpg")))
    assert corners is not None
    assert np.abs(corners - quad).max() < 12
