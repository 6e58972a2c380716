import base64

import cv2
import numpy as np
import pytest
from boardread import InvalidImage, prepare_photo, read_board

CATEGORIES = {"digit", "letter", "free_pattern"}


def test_a_photo_gives_the_contract_body(whiteboard_photo):
    body = read_board(whiteboard_photo.data).to_dict()
    assert set(body) == {"category", "label", "confidence", "category_confidence",
                         "label_confidence", "alternatives", "board_found", "timings_ms",
                         "model_version"}
    assert body["category"] in CATEGORIES
    assert body["board_found"] is True
    assert len(body["alternatives"]) == 3
    first = body["alternatives"][0]
    assert (first["category"], first["label"]) == (body["category"], body["label"])
    confidences = [a["confidence"] for a in body["alternatives"]]
    assert confidences == sorted(confidences, reverse=True)
    if body["label"] is not None:
        assert body["confidence"] == pytest.approx(
            body["category_confidence"] * body["label_confidence"], abs=2e-4)
    assert set(body["timings_ms"]) == {"decode", "preprocess", "inference", "total"}


def test_debug_adds_the_board_the_models_saw(cropped_photo):
    body = read_board(cropped_photo.data, debug=True).to_dict()
    png = base64.b64decode(body["board_png"])
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None and max(image.shape[:2]) <= 256
    assert body["board_found"] is False


def test_a_broken_file_raises_a_reader_error(whiteboard_photo):
    with pytest.raises(InvalidImage):
        read_board(whiteboard_photo.data[:2000])


def _wall_with_board(stroke_end_y: int) -> bytes:
    """A light board on a dark wall with a thick dark stroke from inside the board down to
    ``stroke_end_y`` (past the board's lower edge at y = 700 when over 700)."""
    wall = np.full((900, 1200), 70, np.uint8)
    cv2.fillConvexPoly(wall, np.array([[250, 180], [950, 200], [940, 700], [260, 690]],
                                      np.int32), 225)
    cv2.line(wall, (600, 330), (600, stroke_end_y), 20, 28)
    cv2.line(wall, (600, 330), (720, 330), 20, 28)
    ok, jpeg = cv2.imencode(".jpg", wall, [cv2.IMWRITE_JPEG_QUALITY, 92])
    assert ok
    return jpeg.tobytes()


def test_a_glyph_inside_the_outline_is_read_on_the_flattened_board():
    assert read_board(_wall_with_board(560)).board_found is True


def test_an_outline_that_cuts_through_the_glyph_gives_way_to_the_whole_photo():
    """The stroke runs on past the board's edge: the outline found would cut it, so the
    whole photo is read, and the reading says no board was used."""
    assert read_board(_wall_with_board(820)).board_found is False


def _sheet_with_shadow(fleck_radius: int = 0) -> bytes:
    """A sheet photographed up close, a shadow's quad on one half (with a fleck of dust of
    ``fleck_radius`` px on it) and the seven on the other half."""
    sheet = np.full((900, 1200), 225, np.uint8)
    cv2.fillConvexPoly(sheet, np.array([[40, 60], [640, 40], [660, 860], [50, 840]], np.int32),
                       160)
    if fleck_radius:
        cv2.circle(sheet, (350, 450), fleck_radius, 50, -1)
    cv2.line(sheet, (900, 300), (900, 620), 30, 26)
    cv2.line(sheet, (820, 300), (900, 300), 30, 26)
    ok, jpeg = cv2.imencode(".jpg", sheet, [cv2.IMWRITE_JPEG_QUALITY, 92])
    assert ok
    return jpeg.tobytes()


def test_an_outline_with_no_ink_inside_gives_way_to_the_whole_photo():
    """The shadow's outline is the board the search finds, but there is nothing on it."""
    photo = prepare_photo(_sheet_with_shadow())
    assert photo.board_found is False
    assert photo.glyph.box is not None


def test_an_outline_with_only_a_speck_inside_gives_way_to_the_whole_photo():
    """The shadow's outline again, with a fleck of dust on it: a speck is not what the photo
    is of, so the whole photo is read and the glyph is the seven, not the fleck."""
    photo = prepare_photo(_sheet_with_shadow(fleck_radius=14))
    assert photo.board_found is False
    assert photo.glyph.box is not None
    assert max(photo.glyph.box[2:]) > 0.2 * max(photo.glyph.ink.shape)
