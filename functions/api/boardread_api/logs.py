"""JSON log lines for the entry points (Lambda handler, local server). The app never configures
logging itself: ``create_app`` in a test leaves logging to pytest."""

from __future__ import annotations

from boardread.jsonlog import JsonFormatter, configure_json_logging

__all__ = ["PACKAGE_LOGGER", "JsonFormatter", "configure_logging"]
PACKAGE_LOGGER = "boardread_api"


def configure_logging(level: str = "INFO") -> None:
    """Send the API's records, as JSON lines, to stdout (CloudWatch on Lambda). Idempotent."""
    configure_json_logging(PACKAGE_LOGGER, level)
