"""Per-request facts kept in the ASGI scope: the request id and the fields of the log line."""

from __future__ import annotations

import secrets
from collections.abc import MutableMapping
from typing import Any

REQUEST_ID_KEY = "boardread.request_id"
LOG_FIELDS_KEY = "boardread.log"


def assign_request_id(scope: MutableMapping[str, Any]) -> str:
    """API Gateway's ``requestContext.requestId`` on Lambda (Mangum puts the event in the scope),
    else a new random id. Stored in the scope so every handler and log line uses the same one."""
    event = scope.get("aws.event")
    request_id = None
    if isinstance(event, dict):
        request_id = (event.get("requestContext") or {}).get("requestId")
    request_id = str(request_id) if request_id else secrets.token_urlsafe(12)
    scope[REQUEST_ID_KEY] = request_id
    scope[LOG_FIELDS_KEY] = {}
    return request_id


def request_id_of(scope: MutableMapping[str, Any]) -> str | None:
    return scope.get(REQUEST_ID_KEY)


def log_fields(scope: MutableMapping[str, Any]) -> dict[str, Any]:
    """Fields a route adds to its request's log line (board_found, timings, model_version)."""
    fields: dict[str, Any] = scope.setdefault(LOG_FIELDS_KEY, {})
    return fields
