"""Every events/*.json through ``boardread_api.handler.handler`` exactly as Lambda calls it."""

from __future__ import annotations

import base64
import copy
import json
import logging
import sys
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import boto3
import pytest
from boardread_api import Settings, create_app
from mangum import Mangum
from moto import mock_aws

from tests.api.contract import assert_error, assert_prediction
from tests.conftest import FakeContext, event_body, event_names, load_event

BUCKET = "boardread-uploads-events"
DATA_BUCKET = "boardread-data-events"
REGION = "eu-west-1"
UPLOAD_KEY = load_event("predict-key")["queryStringParameters"]["key"]
# (status, error code or None) for each event file; a new event needs a line here.
EXPECTED: dict[str, tuple[int, str | None]] = {
    "predict-jpeg-multipart": (200, None),
    "predict-png-raw": (200, None),
    "predict-key": (200, None),
    "predict-not-image": (400, "invalid_image"),
    "uploads": (201, None),
    "feedback-jpeg-multipart": (201, None),
    "health": (200, None),
    "docs": (200, None),
}


@pytest.fixture
def lambda_module(fresh_import: Callable[[str], ModuleType], clean_env: pytest.MonkeyPatch,
                  board_png: bytes) -> Iterator[ModuleType]:
    """A new container: env as the template sets it, moto for S3, the module imported afresh."""
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_SESSION_TOKEN": "testing", "AWS_DEFAULT_REGION": REGION,
                        "AWS_REGION": REGION, "BOARDREAD_UPLOADS_BUCKET": BUCKET,
                        "BOARDREAD_DATA_BUCKET": DATA_BUCKET}.items():
        clean_env.setenv(name, value)
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_object(Bucket=BUCKET, Key=UPLOAD_KEY, Body=board_png)
        s3.create_bucket(Bucket=DATA_BUCKET,
                         CreateBucketConfiguration={"LocationConstraint": REGION})
        yield fresh_import("boardread_api.handler")


def invoke(module: ModuleType, event: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    result: dict[str, Any] = module.handler(event, FakeContext())
    assert set(result) >= {"statusCode", "headers", "body", "isBase64Encoded"}
    body = result["body"]
    if result["headers"].get("content-type") == "application/json":
        assert result["isBase64Encoded"] is False
        return result, json.loads(body)
    return result, body


def test_every_event_has_an_expectation() -> None:
    assert set(event_names()) == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_event(lambda_module: ModuleType, name: str) -> None:
    event = load_event(name)
    status, code = EXPECTED[name]
    result, body = invoke(lambda_module, event)
    request_id = event["requestContext"]["requestId"]
    assert result["statusCode"] == status, body
    assert result["headers"]["x-request-id"] == request_id
    if code:
        assert_error(status, result["headers"], body, expected_status=status, code=code)
        assert body["error"]["request_id"] == request_id
    elif name.startswith("predict"):
        assert_prediction(body)
    elif name == "feedback-jpeg-multipart":
        assert body["key"] == f"feedback/digit/7/{body['id']}.jpg"
        assert body["category"] == "digit" and body["label"] == "7"
    elif name == "uploads":
        assert body["key"].startswith("uploads/") and BUCKET in body["url"]
        assert body["expires_in"] == 300 and body["max_bytes"] == 20_000_000
    elif name == "health":
        assert body["status"] == "ok" and set(body["models"]) == {"category", "digit", "letter"}
    elif name == "docs":
        assert result["headers"]["content-type"].startswith("text/html")
        assert "/openapi.json" in body


def test_openapi_through_the_handler(lambda_module: ModuleType) -> None:
    event = load_event("docs")
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/openapi.json"
    result, body = invoke(lambda_module, event)
    assert result["statusCode"] == 200 and "/predict" in body["paths"]


def too_large(event: dict[str, Any], size: int, *, declare_length: bool) -> dict[str, Any]:
    """predict-too-large: the JPEG upload padded past ``size`` bytes (the multipart epilogue may
    hold anything). Made here rather than committed: it would be a 11 MB file."""
    big = copy.deepcopy(event)
    body = event_body(event)
    body += b"\r\n" + b"\0" * (size + 1 - len(body) - 2)
    big["body"] = base64.b64encode(body).decode()
    if declare_length:
        big["headers"]["content-length"] = str(len(body))
    else:
        del big["headers"]["content-length"]
    return big


@pytest.mark.parametrize("declare_length", [True, False], ids=["content-length", "streamed"])
def test_predict_too_large(lambda_module: ModuleType, declare_length: bool) -> None:
    limit = Settings().max_body_bytes
    event = too_large(load_event("predict-jpeg-multipart"), limit, declare_length=declare_length)
    result, body = invoke(lambda_module, event)
    assert_error(result["statusCode"], result["headers"], body, expected_status=413,
                 code="payload_too_large")
    assert body["error"]["request_id"] == event["requestContext"]["requestId"]


def test_cold_start_then_warm(lambda_module: ModuleType,
                              access_log: list[logging.LogRecord]) -> None:
    for name in ("health", "predict-jpeg-multipart"):
        invoke(lambda_module, load_event(name))
    first, second = (record.fields for record in access_log)  # type: ignore[attr-defined]
    assert first["cold_start"] is True and second["cold_start"] is False
    event = load_event("predict-jpeg-multipart")
    assert second["request_id"] == event["requestContext"]["requestId"]
    assert second["lambda_request_id"] == FakeContext().aws_request_id
    assert second["route"] == "/predict" and isinstance(second["board_found"], bool)


def test_handler_logs_json_lines_to_stdout(lambda_module: ModuleType,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    logger = logging.getLogger("boardread_api")
    assert logger.propagate is False
    (handler,) = [h for h in logger.handlers if getattr(h, "_boardread", False)]
    handler.setStream(sys.stdout)  # the stream pytest captures for this test
    invoke(lambda_module, load_event("predict-not-image"))
    (line,) = capsys.readouterr().out.splitlines()
    record = json.loads(line)
    assert record["level"] == "WARNING" and record["status"] == 400
    assert record["error_code"] == "invalid_image" and record["route"] == "/predict"


def test_named_stage_prefix(clean_env: pytest.MonkeyPatch) -> None:
    """With a named stage (not our template's $default) the path keeps the stage prefix."""
    handler = Mangum(create_app(Settings(root_path="/prod")), lifespan="off")
    results = {}
    for path in ("/prod/health", "/prod/docs", "/prod/openapi.json"):
        event = load_event("health")
        event["rawPath"] = event["requestContext"]["http"]["path"] = path
        event["requestContext"]["stage"] = "prod"
        results[path] = handler(event, FakeContext())
        assert results[path]["statusCode"] == 200, (path, results[path]["body"])
    assert "/prod/openapi.json" in results["/prod/docs"]["body"]
    assert json.loads(results["/prod/openapi.json"]["body"])["servers"] == [{"url": "/prod"}]
