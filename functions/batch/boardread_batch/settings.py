"""The batch function's configuration, from ``BOARDREAD_*`` environment variables.

Explicit arguments beat environment variables, which beat the defaults below. The function has
no pydantic (its artifact is its own code only), so this is a frozen dataclass; the names and
defaults agree with the API's ``Settings`` where both have the setting.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from boardread.decode import DEFAULT_MAX_PIXELS, DEFAULT_MIN_SIDE

ENV_PREFIX = "BOARDREAD_"
MB = 1_000_000


@dataclass(frozen=True)
class BatchSettings:
    """Field ``x`` is env var ``BOARDREAD_X``."""

    model_dir: Path | None = None  # category|digit|letter .tflite + .json; default: packaged
    max_object_bytes: int = 20 * MB  # larger objects get a payload_too_large result, unread
    max_pixels: int = DEFAULT_MAX_PIXELS
    min_side: int = DEFAULT_MIN_SIDE
    read_timeout_s: float = 20.0  # longest decode + preprocessing + inference of one photo
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object
                 ) -> BatchSettings:
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for field in fields(cls):
            raw = environ.get(ENV_PREFIX + field.name.upper(), "").strip()
            if not raw:
                continue
            if field.name == "model_dir":
                values[field.name] = Path(raw)
            elif field.name == "read_timeout_s":
                values[field.name] = float(raw)
            elif field.name == "log_level":
                values[field.name] = raw.upper()
            else:
                values[field.name] = int(raw)
        values.update(overrides)
        settings = cls(**values)  # type: ignore[arg-type]
        if min(settings.max_object_bytes, settings.max_pixels, settings.min_side) <= 0 or (
                settings.read_timeout_s <= 0):
            raise ValueError(f"batch settings must be positive: {settings}")
        return settings
