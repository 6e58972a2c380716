"""The routes of ``shared/docs/api.md``: HTTP in, ``boardread.read_board``, JSON out."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from boardread import read_board
from fastapi import FastAPI, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException
from starlette.responses import JSONResponse

from .context import log_fields
from .deadline import deadline_for, run_with_deadline
from .deps import FeedbackDep, ReaderDep, SettingsDep, UploadsDep
from .errors import (
    ApiError,
    FeedbackUnavailable,
    MissingFile,
    ReadTimeout,
    UnsupportedMediaType,
    UploadsUnavailable,
)
from .feedback import CATEGORIES, check_correction, feedback_jpeg
from .schemas import ErrorBody, FeedbackReceipt, Health, PredictionBody, UploadTicket
from .uploads import KEY_PATTERN, check_key

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])
_ROUTES: list[tuple[str, Callable[..., Any], dict[str, Any]]] = []


def _route(method: str, path: str, **options: Any) -> Callable[[Endpoint], Endpoint]:
    """Record an endpoint for ``add_routes``. Not an APIRouter: FastAPI builds a router's routes
    when they are declared and again, for the app including them, on its first request (~7 ms
    of a cold start's first request, measured on the sam build); added to the app, once."""
    def record(endpoint: Endpoint) -> Endpoint:
        _ROUTES.append((path, endpoint, {"methods": [method], **options}))
        return endpoint
    return record


def add_routes(app: FastAPI) -> None:
    """The API's routes, on ``app``."""
    for path, endpoint, options in _ROUTES:
        app.add_api_route(path, endpoint, **options)

IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/bmp", "image/tiff")
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
_BINARY = {"schema": {"type": "string", "format": "binary"}}
PREDICT_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": False,
        "description": "The photo: multipart field `file`, or the raw bytes with an image "
                       "Content-Type. No body with `?key=`.",
        "content": {
            "multipart/form-data": {"schema": {
                "type": "object", "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"}},
            }},
            **{media_type: _BINARY for media_type in IMAGE_TYPES},
        },
    }
}


FEEDBACK_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "multipart/form-data: `category`, `label` (not for free_pattern), and the "
                       "photo as `file`, or `key` (uploads/<id> from POST /uploads) instead.",
        "content": {
            "multipart/form-data": {"schema": {
                "type": "object", "required": ["category"],
                "properties": {
                    "category": {"type": "string", "enum": list(CATEGORIES)},
                    "label": {"type": "string", "maxLength": 1,
                              "description": "0-9 for a digit; A-Z for a letter (a-z is stored "
                                             "as the capital); absent or empty for free_pattern"},
                    "file": {"type": "string", "format": "binary",
                             "description": "The photo (JPEG, PNG, WebP, BMP or TIFF)"},
                    "key": {"type": "string", "pattern": f"^{KEY_PATTERN.pattern}$",
                            "description": "Instead of file: a photo sent through POST /uploads"},
                },
            }},
        },
    }
}
FEEDBACK_ERRORS: dict[int, str] = {
    400: "invalid_category, missing_label, invalid_label, unexpected_label; invalid_image, "
         "image_too_small, image_too_large; invalid_key; bad_request (both file and key)",
    404: "upload_not_found (key)",
    413: "payload_too_large",
    415: "unsupported_media_type (not multipart/form-data)",
    422: "missing_file (neither file nor key)",
    500: "internal_error",
    501: "feedback_unavailable (no data bucket); uploads_unavailable (key, no uploads bucket)",
}
FEEDBACK_MEDIA_TYPE_MESSAGE = (
    "Send the correction as multipart/form-data with the fields 'category', 'label' and 'file'."
)


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorBody} for status in statuses}


@_route(
    "POST", "/predict",
    response_model=PredictionBody,
    responses=_errors(400, 404, 413, 415, 422, 500, 501),
    openapi_extra=PREDICT_BODY_DOC,
    summary="Read the digit, letter or free pattern on the board in a photo",
)
async def predict(
    request: Request,
    settings: SettingsDep,
    reader: ReaderDep,
    uploads: UploadsDep,
    debug: Annotated[str | None, Query(description="true: add board_png")] = None,
    key: Annotated[str | None, Query(description="uploads/<id> from POST /uploads")] = None,
) -> JSONResponse:
    fields = log_fields(request.scope)
    started = time.perf_counter()
    if key is not None:
        check_key(key)
        if uploads is None:
            raise UploadsUnavailable()
        data = await run_in_threadpool(uploads.fetch, key)
        fields["timings_ms"] = {"fetch": _ms_since(started)}
    else:
        data = await read_photo(request)
        fields["timings_ms"] = {"body": _ms_since(started)}
    deadline = deadline_for(request.scope, settings.read_timeout_s)
    try:
        prediction = await run_with_deadline(
            deadline, read_board, data, reader=reader, debug=_is_true(debug),
            max_pixels=settings.max_pixels, min_side=settings.min_side,
        )
    except ReadTimeout:
        fields["deadline_exceeded_s"] = round(deadline, 2)
        raise
    fields["timings_ms"].update(prediction.timings_ms)
    fields["board_found"] = prediction.board_found
    fields["model_version"] = prediction.model_version
    return JSONResponse(prediction.to_dict())


@_route(
    "POST", "/uploads",
    status_code=201,
    response_model=UploadTicket,
    responses=_errors(500, 501),
    summary="A presigned S3 POST for a photo too big to send to /predict directly",
)
async def create_upload(uploads: UploadsDep) -> JSONResponse:
    if uploads is None:
        raise UploadsUnavailable()
    ticket = await run_in_threadpool(uploads.presign)
    return JSONResponse(ticket, status_code=201)


@_route(
    "POST", "/feedback",
    status_code=201,
    response_model=FeedbackReceipt,
    responses={status: {"model": ErrorBody, "description": codes}
               for status, codes in FEEDBACK_ERRORS.items()},
    openapi_extra=FEEDBACK_BODY_DOC,
    summary="Store a photo with what is really on it (a correction), as training data",
)
async def create_feedback(
    request: Request, settings: SettingsDep, feedback: FeedbackDep, uploads: UploadsDep
) -> JSONResponse:
    fields = log_fields(request.scope)
    started = time.perf_counter()
    if feedback is None:
        raise FeedbackUnavailable()
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != "multipart/form-data":
        raise UnsupportedMediaType(FEEDBACK_MEDIA_TYPE_MESSAGE)
    form = await _feedback_form(request)
    correction = check_correction(form.get("category"), form.get("label"))
    fields["category"], fields["label"] = correction.category, correction.label
    if "file" in form and "key" in form:
        raise ApiError("Send the photo either as 'file' or as 'key' (an upload), not both.")
    if "key" in form:
        key = check_key(form["key"] if isinstance(form["key"], str) else "")
        if uploads is None:
            raise UploadsUnavailable()
        data = await run_in_threadpool(uploads.fetch, key)
        fields["timings_ms"] = {"fetch": _ms_since(started)}
    elif "file" in form:
        file = form["file"]
        data = file.encode() if isinstance(file, str) else file
        fields["timings_ms"] = {"body": _ms_since(started)}
    else:
        raise MissingFile("The multipart body has no 'file' field with the photo "
                          "(nor a 'key' of an upload).")
    prepared_at = time.perf_counter()
    jpeg = await run_with_deadline(
        deadline_for(request.scope, settings.read_timeout_s), feedback_jpeg, data,
        max_pixels=settings.max_pixels, min_side=settings.min_side,
    )
    stored_at = time.perf_counter()
    fields["timings_ms"]["prepare"] = _ms_since(prepared_at)
    object_id, key = await run_in_threadpool(feedback.put, correction, jpeg)
    fields["timings_ms"]["store"] = _ms_since(stored_at)
    fields["feedback_key"], fields["stored_bytes"] = key, len(jpeg)
    return JSONResponse({"id": object_id, "key": key, "category": correction.category,
                         "label": correction.label}, status_code=201)


@_route("GET", "/health", response_model=Health, summary="The models this deployment serves")
async def health(reader: ReaderDep) -> dict[str, Any]:
    return {
        "status": "ok",
        "model_version": reader.version,
        "models": {name: manifest.sha256 for name, manifest in reader.manifests.items()},
    }


async def read_photo(request: Request) -> bytes:
    """The photo's bytes from a multipart ``file`` field or a raw image body.

    Raises UnsupportedMediaType, MissingFile; the middleware's capped ``receive`` raises
    PayloadTooLarge while the body streams in.
    """
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type == "multipart/form-data":
        return await _multipart_file(request)
    if media_type.startswith("image/"):
        chunks = [chunk async for chunk in request.stream()]
        return b"".join(chunks)
    raise UnsupportedMediaType()


async def _read_form(request: Request) -> FormData:
    """The multipart form; a body that cannot be parsed is MissingFile (422)."""
    try:
        return await request.form()
    except (StarletteHTTPException, MultiPartException) as exc:
        detail = getattr(exc, "detail", None) or getattr(exc, "message", "")
        raise MissingFile(f"The multipart body cannot be read ({detail}).") from None


async def _multipart_file(request: Request) -> bytes:
    form = await _read_form(request)
    try:
        part = form.get("file")
        if part is None:
            raise MissingFile()
        if isinstance(part, str):  # a text field named file: its bytes are not an image either
            return part.encode()
        data: bytes = await part.read()
        return data
    finally:
        await form.close()


async def _feedback_form(request: Request) -> dict[str, str | bytes]:
    """The correction's fields: text values as str, the ``file`` part's bytes. Fields other than
    category, label, file and key are ignored; a repeated field counts once (the last)."""
    form = await _read_form(request)
    try:
        values: dict[str, str | bytes] = {}
        for name in ("category", "label", "key"):
            value = form.get(name)
            if value is not None:  # a file part where text belongs: refused as not text
                values[name] = value if isinstance(value, str) else b""
        part = form.get("file")
        if part is not None:
            values["file"] = part if isinstance(part, str) else await part.read()
        return values
    finally:
        await form.close()


def _is_true(value: str | None) -> bool:
    return value is not None and value.strip().lower() in TRUE_WORDS


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000.0, 2)
