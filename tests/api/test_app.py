"""Every status and error code of shared/docs/api.md through TestClient, on real bytes."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator

import cv2
import numpy as np
import pytest
from boardread import ModelError
from boardread.cli import predict_file
from boardread_api import Settings, create_app
from boardread_api.deps import app_reader
from boardread_api.logs import JsonFormatter
from fastapi.testclient import TestClient
from httpx import Response

from tests.api.contract import assert_error, assert_prediction
from tests.conftest import render_jpeg


def error_of(response: Response, status: int, code: str) -> None:
    assert response.headers["content-type"] == "application/json"
    assert_error(response.status_code, response.headers, response.json(),
                 expected_status=status, code=code)


def post_file(client: TestClient, data: bytes, filename: str = "board.jpg",
              content_type: str = "image/jpeg", url: str = "/predict") -> Response:
    return client.post(url, files={"file": (filename, data, content_type)})


def post_raw(client: TestClient, data: bytes, content_type: str | None,
             url: str = "/predict") -> Response:
    headers = {"content-type": content_type} if content_type else {}
    return client.post(url, content=data, headers=headers)


def encode(image: np.ndarray, ext: str) -> bytes:
    ok, buf = cv2.imencode(ext, image)
    assert ok
    return buf.tobytes()


# ----------------------------------------------------------------------------------- 200


def test_health_names_the_models(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["models"]) == {"category", "digit", "letter"}
    assert all(len(h) == 64 and int(h, 16) >= 0 for h in body["models"].values())
    assert body["model_version"]


def test_predict_multipart_jpeg(client: TestClient, board_jpeg: bytes) -> None:
    response = post_file(client, board_jpeg)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert_prediction(response.json())
    assert response.json()["model_version"] == client.get("/health").json()["model_version"]


def test_predict_raw_jpeg_and_png(client: TestClient, board_jpeg: bytes, board_png: bytes) -> None:
    for data, content_type in ((board_jpeg, "image/jpeg"), (board_png, "image/png"),
                               (board_png, "image/png; charset=binary")):
        response = post_raw(client, data, content_type)
        assert response.status_code == 200, response.text
        assert_prediction(response.json())


def test_predict_webp_bmp_tiff(client: TestClient, board_png: bytes) -> None:
    image = cv2.imdecode(np.frombuffer(board_png, np.uint8), cv2.IMREAD_COLOR)
    for ext, content_type in ((".webp", "image/webp"), (".bmp", "image/bmp"),
                              (".tiff", "image/tiff")):
        response = post_file(client, encode(image, ext), f"board{ext}", content_type)
        assert response.status_code == 200, (ext, response.text)
        assert_prediction(response.json())


def test_debug_adds_the_board_png(client: TestClient, board_jpeg: bytes) -> None:
    response = post_file(client, board_jpeg, url="/predict?debug=true")
    assert response.status_code == 200
    assert_prediction(response.json(), debug=True)
    for off in ("false", "0", ""):
        assert "board_png" not in post_file(client, board_jpeg, url=f"/predict?debug={off}").json()


def test_same_body_as_the_cli(client: TestClient, board_jpeg: bytes, tmp_path) -> None:  # type: ignore[no-untyped-def]
    photo = tmp_path / "board.jpg"
    photo.write_bytes(board_jpeg)
    from boardread import get_reader

    line = predict_file(str(photo), get_reader())
    body = post_file(client, board_jpeg).json()
    for result in (line, body):
        result.pop("timings_ms")
        result.pop("file", None)
    assert body == line


# ------------------------------------------------------------------------------ 400 image


@pytest.mark.parametrize("data", [
    pytest.param(b"", id="empty"),
    pytest.param(b"shopping list: eggs, milk\n", id="text"),
    pytest.param(b"\xff\xd8\xff\xe0" + b"\x00" * 64, id="jpeg-magic-only"),
    pytest.param(b"GIF89a\x10\x00\x10\x00\x00\x00\x00;", id="gif"),
])
def test_unreadable_bytes_are_invalid_image(client: TestClient, data: bytes) -> None:
    error_of(post_file(client, data), 400, "invalid_image")
    error_of(post_raw(client, data, "image/jpeg"), 400, "invalid_image")


def test_truncated_jpeg_is_invalid_image(client: TestClient, board_jpeg: bytes) -> None:
    error_of(post_file(client, board_jpeg[: len(board_jpeg) // 2]), 400, "invalid_image")


def test_text_field_named_file_is_invalid_image(client: TestClient) -> None:
    response = client.post("/predict", files={"file": (None, "not a photo")})  # no filename
    assert b'name="file"\r\n' in response.request.content
    error_of(response, 400, "invalid_image")


def test_tiny_image_is_too_small(client: TestClient) -> None:
    tiny = encode(np.full((8, 12), 200, np.uint8), ".png")
    error_of(post_file(client, tiny, "tiny.png", "image/png"), 400, "image_too_small")


def test_huge_image_is_too_large_from_its_header(client: TestClient) -> None:
    huge = encode(np.zeros((6100, 7000), np.uint8), ".png")  # 42.7 MP, ~45 KB of PNG
    assert len(huge) < 200_000
    error_of(post_file(client, huge, "huge.png", "image/png"), 400, "image_too_large")


def test_max_pixels_setting_is_passed_to_the_reader(make_client: Callable[..., TestClient],
                                                    board_jpeg: bytes) -> None:
    client = make_client(max_pixels=1_000_000)  # the photo is 2288x1716 = 3.9 MP
    error_of(post_file(client, board_jpeg), 400, "image_too_large")


# ------------------------------------------------------------------------------------ 413


def test_declared_length_over_the_limit(make_client: Callable[..., TestClient],
                                        board_jpeg: bytes) -> None:
    client = make_client(max_body_bytes=100_000)
    assert len(board_jpeg) > 100_000
    error_of(post_file(client, board_jpeg), 413, "payload_too_large")
    error_of(post_raw(client, board_jpeg, "image/jpeg"), 413, "payload_too_large")


def test_default_limit_is_8_mb(client: TestClient, board_jpeg: bytes) -> None:
    padded = board_jpeg + b"\0" * (8_000_001 - len(board_jpeg))  # a JPEG with trailing junk
    error_of(post_raw(client, padded, "image/jpeg"), 413, "payload_too_large")
    ok = post_raw(client, board_jpeg + b"\0" * (8_000_000 - len(board_jpeg)), "image/jpeg")
    assert ok.status_code == 200, ok.text


def test_streamed_body_without_length_is_capped(make_client: Callable[..., TestClient],
                                                board_jpeg: bytes) -> None:
    client = make_client(max_body_bytes=100_000)

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(board_jpeg), 16_384):
            yield board_jpeg[start:start + 16_384]

    for content_type in ("image/jpeg", "multipart/form-data; boundary=xyz"):
        response = client.post("/predict", content=chunks(), headers={"content-type": content_type})
        assert "content-length" not in response.request.headers
        error_of(response, 413, "payload_too_large")


# ------------------------------------------------------------------------------------ 415


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/octet-stream",
                                          "application/json", "application/x-www-form-urlencoded"])
def test_non_image_content_types(client: TestClient, board_jpeg: bytes,
                                 content_type: str | None) -> None:
    error_of(post_raw(client, board_jpeg, content_type), 415, "unsupported_media_type")


def test_no_body_at_all(client: TestClient) -> None:
    error_of(client.post("/predict"), 415, "unsupported_media_type")


# ------------------------------------------------------------------------------------ 422


def test_multipart_without_file_field(client: TestClient, board_jpeg: bytes) -> None:
    error_of(client.post("/predict", files={"photo": ("board.jpg", board_jpeg, "image/jpeg")}),
             422, "missing_file")
    error_of(client.post("/predict", data={"debug": "true"},
                         files={"other": ("a.txt", b"x", "text/plain")}), 422, "missing_file")


def test_unparseable_multipart(client: TestClient, board_jpeg: bytes) -> None:
    no_boundary = post_raw(client, board_jpeg, "multipart/form-data")
    error_of(no_boundary, 422, "missing_file")
    body = b"--xyz\r\nContent-Disposition: form-data\r\n\r\nabc\r\n--xyz--\r\n"  # no name
    error_of(post_raw(client, body, "multipart/form-data; boundary=xyz"), 422, "missing_file")


def test_request_validation_errors_are_missing_file(api_settings: Settings) -> None:
    app = create_app(api_settings)

    @app.post("/probe")
    def probe(count: int) -> dict[str, int]:
        return {"count": count}

    with TestClient(app) as client:
        response = client.post("/probe?count=many")
    error_of(response, 422, "missing_file")
    assert "count" in response.json()["error"]["message"]
    assert "many" not in response.json()["error"]["message"]


# ------------------------------------------------------------------------- keys, uploads


@pytest.mark.parametrize("key", ["", "uploads/", "uploads/../secrets", "../uploads/abc",
                                 "uploads/5F0C6A1E9B8D4C3A2E1F0A9B8C7D6E5F", "other/" + "a" * 32,
                                 "uploads/" + "a" * 31, "uploads/" + "a" * 32 + "/x",
                                 "/uploads/" + "a" * 32])
def test_malformed_keys(client: TestClient, key: str) -> None:
    error_of(client.post("/predict", params={"key": key}), 400, "invalid_key")


def test_uploads_unavailable_without_a_bucket(client: TestClient) -> None:
    error_of(client.post("/uploads"), 501, "uploads_unavailable")
    error_of(client.post("/predict", params={"key": "uploads/" + "a" * 32}), 501,
             "uploads_unavailable")


# -------------------------------------------------------------------------- 404, 405, 500


def test_unknown_route_and_wrong_method(client: TestClient) -> None:
    error_of(client.get("/nope"), 404, "not_found")
    error_of(client.get("/predict"), 405, "method_not_allowed")
    error_of(client.post("/health"), 405, "method_not_allowed")


@pytest.mark.parametrize("fault", [RuntimeError("boom /secret/path"), ModelError("digit missing")])
def test_server_faults_are_internal_error_without_details(
    api_settings: Settings, board_jpeg: bytes, access_log: list[logging.LogRecord],
    fault: Exception,
) -> None:
    app = create_app(api_settings)

    def broken_reader() -> None:
        raise fault

    app.dependency_overrides[app_reader] = broken_reader
    with TestClient(app) as client:
        response = post_file(client, board_jpeg)
    error_of(response, 500, "internal_error")
    assert str(fault) not in response.text
    (record,) = access_log
    assert record.levelno == logging.ERROR
    assert record.exc_info and record.exc_info[1] is fault
    line = json.loads(JsonFormatter().format(record))
    assert str(fault) in line["exception"] and "Traceback" in line["exception"]
    assert line["request_id"] == response.json()["error"]["request_id"]


# --------------------------------------------------------------------- ids, logs, docs


def test_request_ids_are_unique_and_echoed(client: TestClient) -> None:
    ids = {client.get("/health").headers["x-request-id"] for _ in range(5)}
    assert len(ids) == 5


def test_one_log_line_per_request(client: TestClient, board_jpeg: bytes,
                                  access_log: list[logging.LogRecord]) -> None:
    ok = post_file(client, board_jpeg)
    bad = post_raw(client, b"hello", "text/plain")
    assert [r.levelno for r in access_log] == [logging.INFO, logging.WARNING]
    first, second = (json.loads(JsonFormatter().format(r)) for r in access_log)
    assert first["route"] == "/predict" and first["status"] == 200
    assert first["request_id"] == ok.headers["x-request-id"]
    assert first["bytes_in"] > len(board_jpeg) and first["bytes_out"] == len(ok.content)
    assert first["board_found"] == ok.json()["board_found"]
    assert first["model_version"] == ok.json()["model_version"]
    assert set(first["timings_ms"]) == {"body", "decode", "preprocess", "inference", "total",
                                        "request"}
    assert first["cold_start"] is True and second["cold_start"] is False
    assert second["status"] == 415 and second["error_code"] == "unsupported_media_type"
    assert second["request_id"] == bad.headers["x-request-id"]
    assert second["board_found"] is None
    for record in access_log:  # counts only: never the photo
        assert len(JsonFormatter().format(record)) < 1000


def test_docs_and_openapi(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200 and "text/html" in docs.headers["content-type"]
    assert "/openapi.json" in docs.text
    spec = client.get("/openapi.json").json()
    assert set(spec["paths"]) == {"/predict", "/uploads", "/feedback", "/health"}
    body = spec["paths"]["/predict"]["post"]["requestBody"]["content"]
    assert {"multipart/form-data", "image/jpeg", "image/png"} <= set(body)
    assert spec["paths"]["/uploads"]["post"]["responses"].keys() >= {"201", "501"}


def test_root_path_for_a_named_stage(make_client: Callable[..., TestClient]) -> None:
    client = make_client(root_path="prod/")
    assert client.get("/openapi.json").json()["servers"] == [{"url": "/prod"}]
    assert "/prod/openapi.json" in client.get("/docs").text


def test_cors_only_when_a_site_origin_is_set(make_client: Callable[..., TestClient]) -> None:
    origin = "http://localhost:5173"
    preflight = {"origin": origin, "access-control-request-method": "POST",
                 "access-control-request-headers": "content-type"}
    with_cors = make_client(site_origin=origin)
    response = with_cors.options("/predict", headers=preflight)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == origin
    assert with_cors.get("/health", headers={"origin": "http://evil.example"}).headers.get(
        "access-control-allow-origin") is None
    without = make_client()
    plain = without.get("/health", headers={"origin": origin})
    assert "access-control-allow-origin" not in plain.headers


def test_photo_sizes_a_phone_sends(client: TestClient) -> None:
    for side in (640, 4032):
        response = post_file(client, render_jpeg(5, long_side=side))
        assert response.status_code == 200, (side, response.text)
        assert_prediction(response.json())
