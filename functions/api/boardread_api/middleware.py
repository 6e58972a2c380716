"""The request wrapper: request id, body-size cap, one JSON log line, and the 500 fallback.

A plain ASGI middleware (no BaseHTTPMiddleware), outermost in the app, so it sees every request
including those that fail, and it caps the body while it streams rather than after buffering it.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .context import assign_request_id, log_fields
from .errors import PayloadTooLarge, internal_error_response

access_logger = logging.getLogger("boardread_api.access")
PATH_LOG_CHARS = 200
CLIENT_CLOSED = 499  # logged only (nginx's convention); no response is sent


class RequestContextMiddleware:
    """Wraps every HTTP request; ``cold_start`` is true for the first request of the process."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self._served = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cold_start, self._served = not self._served, True
        started_at = time.perf_counter()
        request_id = assign_request_id(scope)
        declared = _content_length(scope)
        tally = {"status": 0, "bytes_in": 0, "bytes_out": 0}
        limit = self.max_body_bytes

        async def capped_receive() -> Message:
            if declared is not None and declared > limit:
                raise PayloadTooLarge(_too_large_message(declared, limit))
            message = await receive()
            if message["type"] == "http.request":
                tally["bytes_in"] += len(message.get("body", b""))
                if tally["bytes_in"] > limit:
                    raise PayloadTooLarge(_too_large_message(None, limit))
            return message

        async def tagged_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                tally["status"] = message["status"]
                headers = MutableHeaders(scope=message)
                headers["x-request-id"] = request_id
                # Error messages quote the path: never let a browser sniff JSON into HTML.
                headers.setdefault("x-content-type-options", "nosniff")
            elif message["type"] == "http.response.body":
                tally["bytes_out"] += len(message.get("body", b""))
            await send(message)

        failure: BaseException | None = None
        try:
            await self.app(scope, capped_receive, tagged_send)
        except ClientDisconnect:  # the client left mid-upload: nobody to answer
            tally["status"] = tally["status"] or CLIENT_CLOSED
            log_fields(scope)["error_code"] = "client_disconnected"
        except Exception as exc:  # noqa: BLE001 - the app's handlers answered all they know
            failure = exc
            log_fields(scope)["error_code"] = "internal_error"
            if not tally["status"]:
                await internal_error_response(request_id)(scope, receive, tagged_send)
        finally:
            _log_request(scope, tally, started_at, cold_start, failure)


def _content_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _too_large_message(declared: int | None, limit: int) -> str:
    size = f" ({declared / 1e6:.1f} MB)" if declared is not None else ""
    return (f"The request body{size} is over the {limit / 1e6:.1f} MB limit; "
            "send big photos through POST /uploads.")


def _log_request(scope: Scope, tally: dict[str, int], started_at: float, cold_start: bool,
                 failure: BaseException | None) -> None:
    extra = log_fields(scope)
    route = scope.get("route")
    timings = {**extra.pop("timings_ms", {}),
               "request": round((time.perf_counter() - started_at) * 1000.0, 2)}
    fields: dict[str, Any] = {
        "request_id": scope.get("boardread.request_id"),
        "method": scope.get("method"),
        "route": getattr(route, "path", None),
        "path": str(scope.get("path", ""))[:PATH_LOG_CHARS],
        "status": tally["status"],
        "bytes_in": tally["bytes_in"],
        "bytes_out": tally["bytes_out"],
        "timings_ms": timings,
        "board_found": extra.pop("board_found", None),
        "cold_start": cold_start,
        **extra,
    }
    context = scope.get("aws.context")
    if context is not None and getattr(context, "aws_request_id", None):
        fields["lambda_request_id"] = context.aws_request_id
    status = tally["status"]
    level = logging.ERROR if status >= 500 else logging.WARNING if status >= 400 else logging.INFO
    exc_info = (type(failure), failure, failure.__traceback__) if failure else None
    access_logger.log(level, "request", extra={"fields": fields}, exc_info=exc_info)


class RootPathMiddleware:
    """Serve under a path prefix (a named API Gateway stage): sets the ASGI ``root_path`` so
    routing strips it and /docs points at ``<prefix>/openapi.json`` (FastAPI's own ``root_path``
    argument is deprecated in favour of the server's, and Mangum sets none)."""

    def __init__(self, app: ASGIApp, *, root_path: str) -> None:
        self.app = app
        self.root_path = root_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("root_path"):
            scope["root_path"] = self.root_path
        await self.app(scope, receive, send)
