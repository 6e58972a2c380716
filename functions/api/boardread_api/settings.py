"""The API's configuration: one ``Settings``, read from ``BOARDREAD_*`` environment variables.

Explicit arguments beat environment variables, which beat the defaults below. The core package
never reads the environment; the API passes these values into it. A plain pydantic model reads
the variables (pydantic-settings did the same and cost a cold start 15 ms of imports).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from boardread.decode import DEFAULT_MAX_PIXELS, DEFAULT_MIN_SIDE
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ENV_PREFIX = "BOARDREAD_"
MB = 1_000_000


class Settings(BaseModel):
    """Everything the API can be told from outside. Field ``x`` is env var ``BOARDREAD_X``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    model_dir: Path | None = Field(
        default=None,
        description="Directory with category|digit|letter .tflite + .json; default: packaged.",
    )
    max_body_bytes: int = Field(default=8 * MB, gt=0, description="Largest body accepted (413).")
    max_pixels: int = Field(default=DEFAULT_MAX_PIXELS, gt=0, description="Largest image (header).")
    min_side: int = Field(default=DEFAULT_MIN_SIDE, gt=0, description="Smallest image side, px.")
    read_timeout_s: float = Field(
        default=6.0, gt=0, le=25,
        description="Longest decode + preprocessing + inference of one photo (400 invalid_image).",
    )
    uploads_bucket: str | None = Field(
        default=None, description="S3 bucket for /uploads; unset: /uploads answers 501."
    )
    upload_max_bytes: int = Field(default=20 * MB, gt=0, description="Largest presigned POST.")
    upload_expires_s: int = Field(default=300, gt=0, le=3600, description="Presigned POST life, s.")
    data_bucket: str | None = Field(
        default=None,
        description="S3 bucket POST /feedback stores corrections in (feedback/); unset: 501.",
    )
    site_origin: str | None = Field(
        default=None,
        description="Origin allowed by CORS when run locally (on AWS, API Gateway does CORS).",
    )
    root_path: str = Field(
        default="", description="Path prefix the API is served under (a named stage), or ''."
    )
    web_dir: Path | None = Field(default=None, description="Page served at / by the local entry.")
    log_level: str = Field(default="INFO", description="Level of the API's own JSON log lines.")

    @model_validator(mode="before")
    @classmethod
    def _environment(cls, values: Any) -> Any:
        """``BOARDREAD_X`` fills in field ``x`` where the caller gave no value."""
        if not isinstance(values, dict):
            return values
        from_env = {name: os.environ[ENV_PREFIX + name.upper()] for name in cls.model_fields
                    if ENV_PREFIX + name.upper() in os.environ}
        return {**from_env, **values}

    @field_validator("uploads_bucket", "data_bucket", "site_origin", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        """An empty env var (``BOARDREAD_UPLOADS_BUCKET=``, as in env.json) means unset."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("root_path")
    @classmethod
    def _normalise_root_path(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        return value if not value or value.startswith("/") else f"/{value}"

    @field_validator("log_level")
    @classmethod
    def _upper_level(cls, value: str) -> str:
        return value.upper()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment once."""
    return Settings()
