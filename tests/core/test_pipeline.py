import base64

import cv2
import numpy as np
import pytest
from boardread import InvalidImage, read_board

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
