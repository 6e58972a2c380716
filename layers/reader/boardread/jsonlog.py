"""JSON log lines, one object per record, for the Lambda functions and the local server.

The core package itself never configures logging; each entry point (the API's handler and local
server, the batch handler) calls ``configure_json_logging`` for its own package logger.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, the record's ``fields`` extra,
    and the traceback (as text) when there is one."""

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


def configure_json_logging(package_logger: str, level: str = "INFO") -> None:
    """Send ``package_logger``'s records, as JSON lines, to stdout (CloudWatch on Lambda).
    Idempotent."""
    logger = logging.getLogger(package_logger)
    logger.setLevel(level)
    if not any(getattr(h, "_boardread", False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonFormatter())
        handler._boardread = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    # Lambda's runtime puts its own handler on the root logger: do not print each line twice.
    logger.propagate = False
