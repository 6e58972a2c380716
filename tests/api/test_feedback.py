"""POST /feedback on moto's S3: corrections stored as training data under feedback/, never over
another object, and every refusal in the contract's shape."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import cv2
import numpy as np
import pytest
from boardread.cli import labelled_photos
from boardread.decode import decode_image
from boardread_api import feedback as feedback_module
from boardread_api.logs import JsonFormatter
from boardread_api.uploads import make_s3_client
from fastapi.testclient import TestClient
from httpx import Response
from moto import mock_aws
from PIL import Image

from tests.api.contract import assert_error
from tests.conftest import AWS_REGION, FakeContext, create_bucket, event_body, load_event

DATA_BUCKET = "boardread-data-test"
UPLOADS_BUCKET = "boardread-uploads-test"
REGION = AWS_REGION
UPLOAD_KEY = "uploads/" + "ab" * 16
ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def s3(moto_s3: Any) -> Any:
    """moto's S3 with a versioned data bucket (as the template makes it) and an uploads bucket."""
    client = make_s3_client()
    create_bucket(client, DATA_BUCKET, versioned=True)
    create_bucket(client, UPLOADS_BUCKET)
    return client


@pytest.fixture
def feedback_client(s3: Any, make_client: Callable[..., TestClient]) -> TestClient:
    return make_client(data_bucket=DATA_BUCKET, uploads_bucket=UPLOADS_BUCKET, s3_client=s3)


def send(client: TestClient, photo: bytes | None, *, filename: str = "board.jpg",
         **fields: str) -> Response:
    files = {"file": (filename, photo, "image/jpeg")} if photo is not None else None
    if files is None:  # no file part: httpx still sends multipart when given an empty part list
        return client.post("/feedback", data=fields, files={"unused": ("", b"", "text/plain")})
    return client.post("/feedback", data=fields, files=files)


def error_of(response: Response, status: int, code: str) -> None:
    assert response.headers["content-type"] == "application/json"
    assert_error(response.status_code, response.headers, response.json(),
                 expected_status=status, code=code)


def stored(s3: Any) -> dict[str, bytes]:
    """Every object of the data bucket (its current version), by key."""
    listing = s3.list_objects_v2(Bucket=DATA_BUCKET).get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=DATA_BUCKET, Key=o["Key"])["Body"].read()
            for o in listing}


def versions(s3: Any) -> list[tuple[str, str]]:
    listing = s3.list_object_versions(Bucket=DATA_BUCKET).get("Versions", [])
    return sorted((v["Key"], v["VersionId"]) for v in listing)


def grey(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    assert image is not None
    return image


# ------------------------------------------------------------------------------------ 201


def test_a_photo_is_stored_downscaled_under_its_label(
        feedback_client: TestClient, s3: Any, board_jpeg: bytes, tmp_path: Path) -> None:
    response = send(feedback_client, board_jpeg, category="digit", label="7")
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"id", "key", "category", "label"}
    assert ID.fullmatch(body["id"])
    assert body["key"] == f"feedback/digit/7/{body['id']}.jpg"
    assert (body["category"], body["label"]) == ("digit", "7")
    assert DATA_BUCKET not in response.text

    (key, data), = stored(s3).items()
    assert key == body["key"]
    head = s3.head_object(Bucket=DATA_BUCKET, Key=key)
    assert head["ContentType"] == "image/jpeg" and head["Metadata"] == {}
    assert data.startswith(b"\xff\xd8") and len(data) < len(board_jpeg)
    image = grey(data)  # 2288 x 1716 in, 1024 x 768 out, grey as the reader decodes it
    assert image.ndim == 2 and image.shape == (768, 1024)
    assert decode_image(data).shape == (768, 1024)
    # The same picture: the reader's own decode of the upload, shrunk the same way.
    original = cv2.resize(decode_image(board_jpeg, working_side=1024), (1024, 768),
                          interpolation=cv2.INTER_AREA)
    assert np.abs(original.astype(int) - image.astype(int)).mean() < 3

    # A synced feedback/ prefix is a training folder, read by boardread.cli.labelled_photos.
    for name, blob in stored(s3).items():
        path = tmp_path / name.removeprefix("feedback/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(blob)
    assert [(p.name, c, lab) for p, c, lab in labelled_photos(tmp_path)] == [
        (f"{body['id']}.jpg", "digit", "7")]


def test_a_lower_case_letter_is_stored_as_the_capital(feedback_client: TestClient, s3: Any,
                                                      board_jpeg: bytes) -> None:
    response = send(feedback_client, board_jpeg, category="letter", label=" k ")
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["category"], body["label"]) == ("letter", "K")
    assert list(stored(s3)) == [f"feedback/letter/K/{body['id']}.jpg"]


@pytest.mark.parametrize("label", [None, ""], ids=["absent", "empty"])
def test_a_free_pattern_has_no_label_folder(feedback_client: TestClient, s3: Any,
                                            board_jpeg: bytes, label: str | None) -> None:
    fields = {"category": "free_pattern"} | ({} if label is None else {"label": label})
    response = send(feedback_client, board_jpeg, **fields)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["label"] is None and body["category"] == "free_pattern"
    assert list(stored(s3)) == [f"feedback/free_pattern/{body['id']}.jpg"]


def test_a_small_photo_is_not_enlarged(feedback_client: TestClient, s3: Any) -> None:
    photo = cv2.imencode(".png", np.full((40, 30, 3), 200, np.uint8))[1].tobytes()
    response = feedback_client.post("/feedback", data={"category": "digit", "label": "1"},
                                    files={"file": ("small.png", photo, "image/png")})
    assert response.status_code == 201, response.text
    (data,) = stored(s3).values()
    assert grey(data).shape == (40, 30) and data.startswith(b"\xff\xd8")


def test_exif_orientation_is_applied_and_metadata_dropped(feedback_client: TestClient,
                                                          s3: Any) -> None:
    """A landscape JPEG whose EXIF says "turn 90 degrees clockwise", with a black block at its
    top left: stored upright (portrait, the block at the top right) and with no EXIF at all."""
    pixels = np.full((300, 400), 255, np.uint8)
    pixels[:60, :80] = 0
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90 CW to display
    exif[0x010F] = "PhoneMaker"  # Make
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=95, exif=exif.tobytes(),
                                 comment=b"a comment")
    photo = buffer.getvalue()
    assert b"Exif" in photo and b"PhoneMaker" in photo

    response = send(feedback_client, photo, category="letter", label="L")
    assert response.status_code == 201, response.text
    (data,) = stored(s3).values()
    image = grey(data)
    assert image.shape == (400, 300)
    assert image[:80, -60:].mean() < 40 and image[:80, :60].mean() > 215
    assert b"Exif" not in data and b"PhoneMaker" not in data and b"a comment" not in data
    assert Image.open(io.BytesIO(data)).getexif() == {}


def test_a_photo_sent_through_uploads_can_be_named_by_key(feedback_client: TestClient, s3: Any,
                                                          board_png: bytes) -> None:
    s3.put_object(Bucket=UPLOADS_BUCKET, Key=UPLOAD_KEY, Body=board_png)
    response = feedback_client.post("/feedback", data={"category": "digit", "label": "7",
                                                       "key": UPLOAD_KEY},
                                    files={"unused": ("", b"", "text/plain")})
    assert response.status_code == 201, response.text
    (data,) = stored(s3).values()
    assert max(grey(data).shape) == 400  # the 400 px PNG of predict-png-raw, as a JPEG


# ------------------------------------------------------------------------- no overwrite


def test_two_identical_posts_make_two_objects(feedback_client: TestClient, s3: Any,
                                              board_jpeg: bytes) -> None:
    first = send(feedback_client, board_jpeg, category="digit", label="7").json()
    before = stored(s3)
    second = send(feedback_client, board_jpeg, category="digit", label="7").json()
    assert first["id"] != second["id"] and first["key"] != second["key"]
    after = stored(s3)
    assert set(after) == {first["key"], second["key"]}
    assert after[first["key"]] == before[first["key"]]
    # One version per key: nothing was written over anything (the bucket is versioned).
    assert [key for key, _ in versions(s3)] == sorted([first["key"], second["key"]])


def test_an_id_that_is_taken_is_never_written_over(feedback_client: TestClient, s3: Any,
                                                   board_jpeg: bytes,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The conditional put itself: ids forced to collide, the first object stays as it was."""
    ids = iter(["a" * 32, "a" * 32, "b" * 32])
    monkeypatch.setattr(feedback_module, "new_id", lambda: next(ids))
    first = send(feedback_client, board_jpeg, category="digit", label="7").json()
    other_photo = cv2.imencode(".png", np.full((64, 64), 90, np.uint8))[1].tobytes()
    second = send(feedback_client, other_photo, category="digit", label="7").json()
    assert (first["id"], second["id"]) == ("a" * 32, "b" * 32)
    objects = stored(s3)
    assert grey(objects[first["key"]]).shape == (768, 1024)  # still the board, not the grey
    assert grey(objects[second["key"]]).shape == (64, 64)
    assert len(versions(s3)) == 2


def test_when_every_id_is_taken_nothing_is_written(feedback_client: TestClient, s3: Any,
                                                   board_jpeg: bytes,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feedback_module, "new_id", lambda: "c" * 32)
    assert send(feedback_client, board_jpeg, category="digit", label="7").status_code == 201
    before = versions(s3)
    error_of(send(feedback_client, board_jpeg, category="digit", label="7"), 500,
             "internal_error")
    assert versions(s3) == before


def test_the_client_never_chooses_the_key(feedback_client: TestClient, s3: Any,
                                          board_jpeg: bytes) -> None:
    response = send(feedback_client, board_jpeg, filename="../../letter/A/mine.jpg",
                    category="digit", label="7", id="mine", name="../x")
    assert response.status_code == 201, response.text
    (key,) = stored(s3)
    assert re.fullmatch(r"feedback/digit/7/[0-9a-f]{32}\.jpg", key)
    error_of(send(feedback_client, None, category="digit", label="7",
                  key="feedback/digit/7/" + "d" * 32 + ".jpg"), 400, "invalid_key")


# ------------------------------------------------------------------------------ refused


@pytest.mark.parametrize(("fields", "code"), [
    ({"label": "7"}, "invalid_category"),
    ({"category": "", "label": "7"}, "invalid_category"),
    ({"category": "number", "label": "7"}, "invalid_category"),
    ({"category": "Digit", "label": "7"}, "invalid_category"),
    ({"category": "digit"}, "missing_label"),
    ({"category": "letter", "label": "  "}, "missing_label"),
    ({"category": "free_pattern", "label": "7"}, "unexpected_label"),
    ({"category": "digit", "label": "A"}, "invalid_label"),
    ({"category": "digit", "label": "12"}, "invalid_label"),
    ({"category": "digit", "label": "\u0663"}, "invalid_label"),  # Arabic-Indic three
    ({"category": "letter", "label": "7"}, "invalid_label"),
    ({"category": "letter", "label": "\u00e9"}, "invalid_label"),
    ({"category": "letter", "label": "\u00df"}, "invalid_label"),  # upper() is "SS"
    ({"category": "letter", "label": "KK"}, "invalid_label"),
], ids=lambda v: v if isinstance(v, str) else json.dumps(v, ensure_ascii=True))
def test_a_wrong_category_or_label_is_refused(feedback_client: TestClient, s3: Any,
                                              board_jpeg: bytes, fields: dict[str, str],
                                              code: str) -> None:
    response = send(feedback_client, board_jpeg, **fields)
    error_of(response, 400, code)
    assert stored(s3) == {}


def test_a_file_where_text_belongs_is_refused(feedback_client: TestClient, s3: Any,
                                              board_jpeg: bytes) -> None:
    files = [("file", ("b.jpg", board_jpeg, "image/jpeg")),
             ("category", ("c.txt", b"digit", "text/plain"))]
    error_of(feedback_client.post("/feedback", data={"label": "7"}, files=files), 400,
             "invalid_category")
    files[1] = ("label", ("l.txt", b"7", "text/plain"))
    error_of(feedback_client.post("/feedback", data={"category": "digit"}, files=files), 400,
             "invalid_label")
    assert stored(s3) == {}


@pytest.mark.parametrize(("photo", "code"), [
    (b"shopping list: eggs, milk\n", "invalid_image"),
    (b"", "invalid_image"),
    (b"\xff\xd8\xff\xe0" + b"\x00garbage" * 64, "invalid_image"),
    (cv2.imencode(".png", np.zeros((8, 8), np.uint8))[1].tobytes(), "image_too_small"),
], ids=["text", "empty", "broken-jpeg", "8px-png"])
def test_a_file_that_is_not_a_photo_is_refused(feedback_client: TestClient, s3: Any,
                                               photo: bytes, code: str) -> None:
    error_of(send(feedback_client, photo, category="digit", label="7"), 400, code)
    assert stored(s3) == {}


def test_too_many_pixels_is_refused_from_the_header(s3: Any, board_jpeg: bytes,
                                                    make_client: Callable[..., TestClient]) -> None:
    client = make_client(data_bucket=DATA_BUCKET, max_pixels=1_000_000, s3_client=s3)
    error_of(send(client, board_jpeg, category="digit", label="7"), 400, "image_too_large")
    assert stored(s3) == {}


@pytest.mark.parametrize("declare_length", [True, False], ids=["content-length", "streamed"])
def test_too_big_is_413(s3: Any, board_jpeg: bytes, make_client: Callable[..., TestClient],
                        declare_length: bool) -> None:
    client = make_client(data_bucket=DATA_BUCKET, max_body_bytes=100_000, s3_client=s3)
    assert len(board_jpeg) > 100_000
    if declare_length:
        response = send(client, board_jpeg, category="digit", label="7")
    else:
        boundary = "b0undary"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"category\"\r\n\r\n"
                f"digit\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                f"filename=\"b.jpg\"\r\n\r\n").encode() + board_jpeg + f"\r\n--{boundary}--\r\n".encode()
        response = client.post("/feedback", content=iter([body[:50_000], body[50_000:]]),
                               headers={"content-type": f"multipart/form-data; boundary={boundary}"})
    error_of(response, 413, "payload_too_large")
    assert stored(s3) == {}


def test_the_body_must_be_multipart(feedback_client: TestClient, s3: Any,
                                    board_jpeg: bytes) -> None:
    error_of(feedback_client.post("/feedback", content=board_jpeg,
                                  headers={"content-type": "image/jpeg"}), 415,
             "unsupported_media_type")
    error_of(feedback_client.post("/feedback", data={"category": "digit", "label": "7"}), 415,
             "unsupported_media_type")  # urlencoded
    error_of(send(feedback_client, None, category="digit", label="7"), 422, "missing_file")
    no_boundary = feedback_client.post("/feedback", content=b"garbage",
                                       headers={"content-type": "multipart/form-data"})
    error_of(no_boundary, 422, "missing_file")
    assert stored(s3) == {}


def test_file_and_key_together_or_a_key_that_is_not_there(feedback_client: TestClient, s3: Any,
                                                          board_jpeg: bytes) -> None:
    error_of(send(feedback_client, board_jpeg, category="digit", label="7", key=UPLOAD_KEY),
             400, "bad_request")
    error_of(send(feedback_client, None, category="digit", label="7", key=UPLOAD_KEY), 404,
             "upload_not_found")
    assert stored(s3) == {}


def test_a_key_without_an_uploads_bucket_is_501(s3: Any,
                                                make_client: Callable[..., TestClient]) -> None:
    client = make_client(data_bucket=DATA_BUCKET, s3_client=s3)
    error_of(send(client, None, category="digit", label="7", key=UPLOAD_KEY), 501,
             "uploads_unavailable")


def test_without_a_data_bucket_feedback_is_501(client: TestClient, board_jpeg: bytes) -> None:
    response = send(client, board_jpeg, category="digit", label="7")
    error_of(response, 501, "feedback_unavailable")
    assert "not collected" in response.json()["error"]["message"]


def test_a_blank_data_bucket_variable_means_unset(clean_env: pytest.MonkeyPatch) -> None:
    from boardread_api import Settings

    clean_env.setenv("BOARDREAD_DATA_BUCKET", " ")
    assert Settings().data_bucket is None
    clean_env.setenv("BOARDREAD_DATA_BUCKET", DATA_BUCKET)
    assert Settings().data_bucket == DATA_BUCKET


# ------------------------------------------------------------------------ log, schema


def test_one_log_line_per_request_without_the_photo(
        feedback_client: TestClient, board_jpeg: bytes,
        access_log: list[logging.LogRecord]) -> None:
    ok = send(feedback_client, board_jpeg, category="letter", label="k")
    bad = send(feedback_client, board_jpeg, category="letter", label="7")
    first, second = (record.fields for record in access_log)  # type: ignore[attr-defined]
    assert first["route"] == "/feedback" and first["status"] == 201
    assert (first["category"], first["label"]) == ("letter", "K")
    assert first["feedback_key"] == ok.json()["key"] and first["stored_bytes"] > 0
    assert set(first["timings_ms"]) == {"body", "prepare", "store", "request"}
    assert first["request_id"] == ok.headers["x-request-id"]
    assert second["status"] == 400 and second["error_code"] == "invalid_label"
    assert second["request_id"] == bad.headers["x-request-id"]
    assert access_log[1].levelno == logging.WARNING
    for record in access_log:
        line = JsonFormatter().format(record)
        assert len(line) < 1000 and board_jpeg[1000:1012].hex() not in line


def test_openapi_documents_feedback(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/feedback"]["post"]
    form = operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert set(form["properties"]) == {"category", "label", "file", "key"}
    assert form["properties"]["category"]["enum"] == ["digit", "letter", "free_pattern"]
    responses = operation["responses"]
    assert set(responses) == {"201", "400", "404", "413", "415", "422", "500", "501"}
    assert "invalid_label" in responses["400"]["description"]
    assert "feedback_unavailable" in responses["501"]["description"]
    receipt = responses["201"]["content"]["application/json"]["schema"]["$ref"]
    assert receipt.endswith("/FeedbackReceipt")


# ------------------------------------------------------------------------------- Lambda


def test_the_lambda_handler_stores_the_event_photo(
        fresh_import: Callable[[str], ModuleType], aws_env: pytest.MonkeyPatch) -> None:
    """events/feedback-jpeg-multipart.json (the page's FormData: category, label, file) through
    the handler of a new container configured as the template configures it."""
    aws_env.setenv("BOARDREAD_DATA_BUCKET", DATA_BUCKET)
    event = load_event("feedback-jpeg-multipart")
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        create_bucket(s3, DATA_BUCKET)
        module = fresh_import("boardread_api.handler")
        result = module.handler(event, FakeContext())
        body = json.loads(result["body"])
        assert result["statusCode"] == 201, body
        assert result["headers"]["x-request-id"] == event["requestContext"]["requestId"]
        assert body["key"] == f"feedback/digit/7/{body['id']}.jpg"
        data = s3.get_object(Bucket=DATA_BUCKET, Key=body["key"])["Body"].read()
    assert grey(data).shape == (768, 1024)
    assert b'name="label"' in event_body(event) and b'name="category"' in event_body(event)
