"""One JSON error shape for everything the API refuses, and the only code -> status table.

Every error body is ``{"error": {"code", "message", "request_id"}}``. Reader errors (the core's
``ReaderError``) and the API's own ``ApiError`` carry a code; the table below gives its status.
Anything unexpected becomes 500 ``internal_error``: the traceback goes to the log, never the client.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from boardread.errors import ReaderError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

from .context import log_fields, request_id_of

logger = logging.getLogger(__name__)

STATUS_BY_CODE: dict[str, int] = {
    "invalid_image": 400,
    "image_too_small": 400,
    "image_too_large": 400,
    "invalid_key": 400,
    "invalid_category": 400,
    "missing_label": 400,
    "invalid_label": 400,
    "unexpected_label": 400,
    "bad_request": 400,
    "upload_not_found": 404,
    "not_found": 404,
    "method_not_allowed": 405,
    "payload_too_large": 413,
    "unsupported_media_type": 415,
    "missing_file": 422,
    "internal_error": 500,
    "uploads_unavailable": 501,
    "feedback_unavailable": 501,
}
# Codes for Starlette's own HTTP errors (unknown path, wrong method, its body limits).
CODE_BY_STATUS: dict[int, str] = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
}
INTERNAL_MESSAGE = "Something went wrong on our side; the request id identifies it in our logs."


class ApiError(Exception):
    """Base class: a request the API refuses. ``code`` picks the status from STATUS_BY_CODE."""

    code = "bad_request"
    default_message = "The request cannot be served."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)


class PayloadTooLarge(ApiError):
    """Raised when the body (declared or streamed) or a stored upload is over its cap."""

    code = "payload_too_large"
    default_message = "The request body is too large."


class UnsupportedMediaType(ApiError):
    """Raised when /predict gets a body that is neither multipart/form-data nor image/*."""

    code = "unsupported_media_type"
    default_message = (
        "Send the photo as multipart/form-data (field 'file') or as a raw body with an image "
        "Content-Type (image/jpeg, image/png, image/webp, image/bmp or image/tiff)."
    )


class ReadTimeout(ApiError):
    """Raised when reading one photo (decode, preprocessing, inference) passes the deadline:
    bytes that no decoder reads in the time a request has, so ``invalid_image``."""

    code = "invalid_image"
    default_message = "The image could not be read in time; send a JPEG or PNG photo."


class MissingFile(ApiError):
    """Raised when a multipart body has no ``file`` field, or cannot be parsed at all."""

    code = "missing_file"
    default_message = "The multipart body has no 'file' field with the photo."


class InvalidKey(ApiError):
    """Raised when ``/predict?key=`` is not ``uploads/<id>`` as issued by ``POST /uploads``."""

    code = "invalid_key"
    default_message = "The key must be 'uploads/<id>' exactly as returned by POST /uploads."


class UploadNotFound(ApiError):
    """Raised when ``/predict?key=`` names no object (unknown, expired or never uploaded)."""

    code = "upload_not_found"
    default_message = "No upload with this key (never uploaded, or deleted after a day)."


class UploadsUnavailable(ApiError):
    """Raised when an uploads route is called and no uploads bucket is configured."""

    code = "uploads_unavailable"
    default_message = "Uploads are not available here (no uploads bucket is configured)."


class InvalidCategory(ApiError):
    """Raised when a correction's ``category`` is missing or not digit, letter or free_pattern."""

    code = "invalid_category"
    default_message = "The field 'category' must be 'digit', 'letter' or 'free_pattern'."


class MissingLabel(ApiError):
    """Raised when a digit or letter correction has no (or an empty) ``label``."""

    code = "missing_label"
    default_message = "A digit or letter correction needs the field 'label' (0-9 or A-Z)."


class InvalidLabel(ApiError):
    """Raised when a correction's ``label`` is not one character of its category's set."""

    code = "invalid_label"
    default_message = "The label must be one character: 0-9 for a digit, A-Z for a letter."


class UnexpectedLabel(ApiError):
    """Raised when a free_pattern correction carries a non-empty ``label``."""

    code = "unexpected_label"
    default_message = "A free_pattern correction has no label: leave 'label' out or empty."


class FeedbackUnavailable(ApiError):
    """Raised when POST /feedback is called and no data bucket is configured."""

    code = "feedback_unavailable"
    default_message = "Corrections are not collected here (no data bucket is configured)."


def status_of(code: str) -> int:
    """The HTTP status for an error code; unknown reader codes are the client's fault (400)."""
    return STATUS_BY_CODE.get(code, 400)


def error_body(code: str, message: str, request_id: str | None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "request_id": request_id}}


def error_response(
    code: str, message: str, request_id: str | None, *, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """The one place an error response is made."""
    return JSONResponse(error_body(code, message, request_id), status_of(code), headers=headers)


def internal_error_response(request_id: str | None) -> JSONResponse:
    return error_response("internal_error", INTERNAL_MESSAGE, request_id)


def _respond(
    request: Request, code: str, message: str, *, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    log_fields(request.scope)["error_code"] = code
    return error_response(code, message, request_id_of(request.scope), headers=headers)


async def _reader_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ReaderError)
    return _respond(request, exc.code, exc.message)


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return _respond(request, exc.code, exc.message)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    # FastAPI's details echo the input; only field locations are safe to say.
    assert isinstance(exc, RequestValidationError)
    fields = sorted({".".join(str(p) for p in e.get("loc", ())[1:]) for e in exc.errors()} - {""})
    message = MissingFile.default_message
    if fields and fields != ["file"]:
        message = f"Missing or invalid field(s): {', '.join(fields)}."
    return _respond(request, "missing_file", message)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = CODE_BY_STATUS.get(exc.status_code)
    request_id = request_id_of(request.scope)
    if code is None:
        logger.error("unmapped HTTP error %s", exc.status_code, extra={"request_id": request_id})
        return internal_error_response(request_id)
    message = {
        "not_found": f"No route {request.url.path!r} here. See /docs.",
        "method_not_allowed": f"{request.method} is not allowed on {request.url.path!r}.",
    }.get(code, exc.detail if isinstance(exc.detail, str) else "The request cannot be served.")
    return _respond(request, code, message, headers=exc.headers)


def install_error_handlers(app: FastAPI) -> None:
    """Every refusal answers in the contract's error shape (500s are made by the middleware)."""
    app.add_exception_handler(ReaderError, _reader_error)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
