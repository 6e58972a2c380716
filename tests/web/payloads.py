"""API answers for route interception, in the shape of shared/docs/api.md."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

from PIL import Image


def board_png() -> str:
    image = Image.new("L", (64, 80), 0)
    image.paste(255, (28, 10, 36, 70))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def prediction(category: str, label: str | None, confidence: float,
               alternatives: list[tuple[str, str | None, float]], *,
               board_found: bool = True, with_board: bool = True) -> dict[str, Any]:
    """A 200 body in the shape of shared/docs/api.md."""
    body: dict[str, Any] = {
        "category": category,
        "label": label,
        "confidence": confidence,
        "category_confidence": min(1.0, confidence + 0.05),
        "label_confidence": None if label is None else confidence,
        "alternatives": [{"category": c, "label": lab, "confidence": p}
                         for c, lab, p in alternatives],
        "board_found": board_found,
        "timings_ms": {"decode": 3.1, "preprocess": 2.0, "inference": 0.9, "total": 6.4},
        "model_version": "2026-11-24-abc123",
    }
    if with_board:
        body["board_png"] = board_png()
    return body


def contract_error(code: str, message: str, request_id: str = "Kx1yWj3PIAMEbQ=") -> str:
    """An error body as the API sends it."""
    return json.dumps({"error": {"code": code, "message": message, "request_id": request_id}})
