"""``create_app(settings)``: builds the app and does nothing else (no models, no AWS clients)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from starlette.middleware.cors import CORSMiddleware

from .errors import install_error_handlers
from .feedback import FeedbackStore
from .middleware import RequestContextMiddleware, RootPathMiddleware
from .routes import add_routes
from .settings import Settings
from .uploads import UploadStore

DESCRIPTION = (
    "Read the digit, letter or free pattern on a photographed board. "
    "Contract: shared/docs/api.md. Photos over ~4 MB go through POST /uploads. "
    "POST /feedback stores a photo with what is really on it, for training."
)


def create_app(settings: Settings, *, s3_client: Any = None) -> FastAPI:
    """The API for ``settings``. ``s3_client`` replaces the lazily made boto3 client (tests)."""
    app = FastAPI(
        title="boardread",
        version="1",
        description=DESCRIPTION,
        redoc_url=None,
        # No OpenTelemetry here: the request log line and API Gateway's access log cover it.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
    )
    app.state.settings = settings
    app.state.uploads = (
        UploadStore(settings.uploads_bucket, max_bytes=settings.upload_max_bytes,
                    expires_s=settings.upload_expires_s, client=s3_client)
        if settings.uploads_bucket else None
    )
    app.state.feedback = (
        FeedbackStore(settings.data_bucket, client=s3_client) if settings.data_bucket else None
    )
    install_error_handlers(app)
    add_routes(app)
    if settings.site_origin:  # local runs only: on AWS, API Gateway answers CORS itself
        app.add_middleware(CORSMiddleware, allow_origins=[settings.site_origin],
                           allow_methods=["GET", "POST"], allow_headers=["content-type"],
                           expose_headers=["x-request-id"], max_age=600)
    app.add_middleware(RequestContextMiddleware, max_body_bytes=settings.max_body_bytes)
    if settings.root_path:
        app.add_middleware(RootPathMiddleware, root_path=settings.root_path)
    return app
