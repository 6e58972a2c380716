"""JSON log lines for the batch function: one per object, never image bytes.

The same shape as the API's (``boardread_api.logs``), which the function's artifact does not
ship: level, logger, message and the record's ``fields`` extra.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

PACKAGE_LOGGER = "boardread_batch"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, separators=(",", ":"))


def configure_logging(level: str = "INFO") -> None:
    """Send the function's records, as JSON lines, to stdout (CloudWatch). Idempotent."""
    logger = logging.getLogger(PACKAGE_LOGGER)
    logger.setLevel(level)
    if not any(getattr(h, "_boardread", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonFormatter())
        handler._boardread = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    # Lambda's runtime puts its own handler on the root logger: do not print each line twice.
    logger.propagate = False
