"""Schemathesis against the app's own OpenAPI schema (``/openapi.json``): requests generated from
the schema, valid and not, through the ASGI app; never a 5xx, and every response (status, content
type, body) is one the schema documents. Examples per operation: ``BOARDREAD_FUZZ_EXAMPLES``."""

from __future__ import annotations

import os
from collections.abc import Iterator

import boto3
import pytest
import schemathesis
from boardread_api import Settings, create_app
from boardread_api.feedback import FeedbackStore
from boardread_api.uploads import UploadStore
from hypothesis import settings
from moto import mock_aws
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.hardening.fuzzing import FUZZ


@schemathesis.serializer("image/bmp", "image/tiff")
def _raw_bytes(ctx: schemathesis.SerializationContext, value: object) -> bytes:
    """Schemathesis ships serializers for JPEG, PNG and WebP bodies; BMP and TIFF go as is."""
    return value if isinstance(value, bytes) else str(value).encode()


# The defaults plus an uploads and a data bucket (moto), so every route answers as it does on AWS;
# without them /uploads and /feedback answer 501, which the contract documents but a fuzzer counts
# as a server error.
BUCKET = "boardread-fuzz-uploads"
DATA_BUCKET = "boardread-fuzz-data"
APP = create_app(Settings(uploads_bucket=BUCKET, data_bucket=DATA_BUCKET))
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", APP)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]


@pytest.fixture(scope="module", autouse=True)
def uploads_bucket() -> Iterator[None]:
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": "eu-west-1"}
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        with mock_aws():
            s3 = boto3.client("s3", region_name="eu-west-1")
            for bucket in (BUCKET, DATA_BUCKET):
                s3.create_bucket(Bucket=bucket,
                                 CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
            settings_ = APP.state.settings
            APP.state.uploads = UploadStore(BUCKET, max_bytes=settings_.upload_max_bytes,
                                            expires_s=settings_.upload_expires_s, client=s3)
            APP.state.feedback = FeedbackStore(DATA_BUCKET, client=s3)
            yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@SCHEMA.parametrize()
@settings(FUZZ, max_examples=max(20, FUZZ.max_examples // 3))
def test_api_matches_its_schema(case: schemathesis.Case) -> None:
    response = case.call()
    (content_type,) = response.headers.get("content-type", [""])
    assert content_type.split(";")[0] in {"application/json", "text/html"}, response.headers
    case.validate_response(response, checks=CHECKS)


def test_the_schema_covers_the_contract() -> None:
    spec = APP.openapi()
    assert set(spec["paths"]) == {"/predict", "/uploads", "/feedback", "/health"}
    documented = set(spec["paths"]["/predict"]["post"]["responses"])
    assert documented >= {"200", "400", "404", "413", "415", "422", "500", "501"}
    documented = set(spec["paths"]["/feedback"]["post"]["responses"])
    assert documented >= {"201", "400", "404", "413", "415", "422", "500", "501"}
