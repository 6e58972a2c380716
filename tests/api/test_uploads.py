"""Big photos end to end on moto: POST /uploads -> presigned POST to S3 -> /predict?key=."""

from __future__ import annotations

import base64
import calendar
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
import requests
from boardread_api.uploads import KEY_PATTERN, make_s3_client
from fastapi.testclient import TestClient

from tests.api.contract import assert_error, assert_prediction
from tests.conftest import AWS_REGION, create_bucket

BUCKET = "boardread-uploads-test"
REGION = AWS_REGION


@pytest.fixture
def s3(moto_s3: Any) -> Any:
    client = make_s3_client()  # the function's own client config, on moto
    assert client.meta.region_name == REGION
    create_bucket(client, BUCKET)
    return client


@pytest.fixture
def uploads_client(s3: Any, make_client: Callable[..., TestClient]) -> TestClient:
    return make_client(uploads_bucket=BUCKET, s3_client=s3)


def error_of(response: Any, status: int, code: str) -> None:
    assert_error(response.status_code, response.headers, response.json(),
                 expected_status=status, code=code)


def test_presigned_post_then_predict_by_key(uploads_client: TestClient, s3: Any,
                                            board_jpeg: bytes) -> None:
    ticket = uploads_client.post("/uploads")
    assert ticket.status_code == 201, ticket.text
    body = ticket.json()
    assert set(body) == {"key", "url", "fields", "expires_in", "max_bytes"}
    assert KEY_PATTERN.fullmatch(body["key"])
    assert body["expires_in"] == 300 and body["max_bytes"] == 20_000_000
    assert BUCKET in body["url"] and body["fields"]["key"] == body["key"]

    # The client's part: a multipart POST straight to S3 (moto intercepts it).
    s3_response = requests.post(body["url"], data=body["fields"],
                                files={"file": ("board.jpg", board_jpeg, "image/jpeg")},
                                timeout=10)
    assert s3_response.status_code == 204, s3_response.text
    stored = s3.get_object(Bucket=BUCKET, Key=body["key"])["Body"].read()
    assert stored == board_jpeg

    response = uploads_client.post("/predict", params={"key": body["key"], "debug": "true"})
    assert response.status_code == 200, response.text
    assert_prediction(response.json(), debug=True)


def test_the_policy_caps_size_and_time(uploads_client: TestClient) -> None:
    """moto stores whatever is posted, so the signed policy itself is checked here."""
    before = time.time()
    fields = uploads_client.post("/uploads").json()["fields"]
    policy = json.loads(base64.b64decode(fields["policy"]))
    assert ["content-length-range", 1, 20_000_000] in policy["conditions"]
    assert {"bucket": BUCKET} in policy["conditions"]
    assert {"key": fields["key"]} in policy["conditions"]
    expires = calendar.timegm(time.strptime(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ"))
    assert before + 290 <= expires <= time.time() + 310
    assert fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"  # SigV4: required in new regions


def test_every_ticket_is_a_new_key(uploads_client: TestClient) -> None:
    keys = {uploads_client.post("/uploads").json()["key"] for _ in range(5)}
    assert len(keys) == 5


def test_unknown_key_is_not_found(uploads_client: TestClient) -> None:
    error_of(uploads_client.post("/predict", params={"key": "uploads/" + "0" * 32}), 404,
             "upload_not_found")


def test_foreign_object_is_not_reachable(uploads_client: TestClient, s3: Any,
                                         board_jpeg: bytes) -> None:
    """Objects outside uploads/<id> exist in the bucket but no key can name them."""
    s3.put_object(Bucket=BUCKET, Key="private/" + "a" * 32, Body=board_jpeg)
    s3.put_object(Bucket=BUCKET, Key="uploads/" + "a" * 32 + ".jpg", Body=board_jpeg)
    for key in ("private/" + "a" * 32, "uploads/" + "a" * 32 + ".jpg",
                "uploads/../private/" + "a" * 32):
        error_of(uploads_client.post("/predict", params={"key": key}), 400, "invalid_key")
    error_of(uploads_client.post("/predict", params={"key": "uploads/" + "a" * 32}), 404,
             "upload_not_found")


def test_uploaded_non_image(uploads_client: TestClient, s3: Any) -> None:
    key = uploads_client.post("/uploads").json()["key"]
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"%PDF-1.7 not a photo")
    error_of(uploads_client.post("/predict", params={"key": key}), 400, "invalid_image")


def test_stored_object_over_the_cap(s3: Any, make_client: Callable[..., TestClient],
                                    board_jpeg: bytes) -> None:
    client = make_client(uploads_bucket=BUCKET, s3_client=s3, upload_max_bytes=100_000)
    key = client.post("/uploads").json()["key"]
    s3.put_object(Bucket=BUCKET, Key=key, Body=board_jpeg)  # 192 KB
    error_of(client.post("/predict", params={"key": key}), 413, "payload_too_large")


def test_missing_bucket_is_a_server_fault(s3: Any, make_client: Callable[..., TestClient]) -> None:
    client = make_client(uploads_bucket="no-such-bucket-here", s3_client=s3)
    error_of(client.post("/predict", params={"key": "uploads/" + "0" * 32}), 500, "internal_error")


def test_no_bucket_configured(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    error_of(client.post("/uploads"), 501, "uploads_unavailable")
    error_of(client.post("/predict", params={"key": "uploads/" + "0" * 32}), 501,
             "uploads_unavailable")


def test_client_is_made_lazily_from_the_environment(
    s3: Any, make_client: Callable[..., TestClient], board_png: bytes,
) -> None:
    """Without an injected client the store makes its own on first use (inside moto here)."""
    client = make_client(uploads_bucket=BUCKET)
    assert client.app.state.uploads._client is None  # type: ignore[attr-defined]
    key = client.post("/uploads").json()["key"]
    s3.put_object(Bucket=BUCKET, Key=key, Body=board_png)
    response = client.post("/predict", params={"key": key})
    assert response.status_code == 200, response.text
    assert_prediction(response.json())
