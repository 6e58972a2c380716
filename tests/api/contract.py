"""The shapes of shared/docs/api.md, checked the same way by every API test."""

from __future__ import annotations

import base64
from typing import Any

import cv2
import numpy as np

PREDICTION_KEYS = {"category", "label", "confidence", "category_confidence", "label_confidence",
                   "alternatives", "board_found", "timings_ms", "model_version"}
CATEGORIES = {"digit", "letter", "free_pattern"}
DIGITS = set("0123456789")
LETTERS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def assert_option(option: dict[str, Any]) -> None:
    assert option["category"] in CATEGORIES
    if option["category"] == "free_pattern":
        assert option["label"] is None
    else:
        assert option["label"] in (DIGITS if option["category"] == "digit" else LETTERS)
    assert 0.0 <= option["confidence"] <= 1.0


def assert_prediction(body: dict[str, Any], *, debug: bool = False) -> None:
    """A 200 body of /predict: every field, its type and its range (never a specific answer)."""
    assert set(body) == PREDICTION_KEYS | ({"board_png"} if debug else set())
    assert_option(body)
    assert 0.0 <= body["category_confidence"] <= 1.0
    if body["category"] == "free_pattern":
        assert body["label_confidence"] is None
    else:
        assert 0.0 <= body["label_confidence"] <= 1.0
    alternatives = body["alternatives"]
    assert len(alternatives) == 3
    for option in alternatives:
        assert set(option) == {"category", "label", "confidence"}
        assert_option(option)
    assert alternatives[0] == {k: body[k] for k in ("category", "label", "confidence")}
    confidences = [o["confidence"] for o in alternatives]
    assert confidences == sorted(confidences, reverse=True)
    assert isinstance(body["board_found"], bool)
    assert set(body["timings_ms"]) == {"decode", "preprocess", "inference", "total"}
    assert all(isinstance(v, float) and v >= 0 for v in body["timings_ms"].values())
    assert isinstance(body["model_version"], str) and body["model_version"]
    if debug:
        png = base64.b64decode(body["board_png"], validate=True)
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_UNCHANGED)
        assert image is not None and max(image.shape[:2]) <= 256


def assert_error(status: int, headers: Any, body: dict[str, Any], *, expected_status: int,
                 code: str) -> None:
    """The contract's error shape, with the request id also sent as ``x-request-id``."""
    assert status == expected_status, body
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "request_id"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert "Traceback" not in body["error"]["message"]
    assert body["error"]["request_id"] and body["error"]["request_id"] == headers["x-request-id"]
