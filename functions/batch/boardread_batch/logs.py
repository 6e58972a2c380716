"""JSON log lines for the batch function: one per object, never image bytes (the API's shape)."""

from __future__ import annotations

from boardread.jsonlog import JsonFormatter, configure_json_logging

__all__ = ["PACKAGE_LOGGER", "JsonFormatter", "configure_logging"]
PACKAGE_LOGGER = "boardread_batch"


def configure_logging(level: str = "INFO") -> None:
    """Send the function's records, as JSON lines, to stdout (CloudWatch). Idempotent."""
    configure_json_logging(PACKAGE_LOGGER, level)
