"""Regenerate the API Gateway HTTP API (payload v2) events in this folder from code.

    python events/make_events.py            # rewrites events/*.json, byte for byte the same

The photos are seeded renders from training.render, so every run writes the same files. Events
are named <route>-<case>.json; tests/api/test_handler.py runs each through the Lambda handler, and
`sam local invoke ApiFunction -e events/<name>.json` sends them to the function in Docker.

``batch/<case>.json`` are S3 ``ObjectCreated:Put`` notifications as S3 sends them to
BatchFunction (keys URL-encoded, size and eTag of the very bytes); tests/batch/test_handler.py
puts the object and runs each through ``boardread_batch.handler.handler``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import cv2
import numpy as np
from boardread_batch.keys import key_for_event

from training.glyphs import GlyphSpec
from training.render import render_photo

EVENTS_DIR = Path(__file__).resolve().parent
SEVEN = GlyphSpec("hershey", "digit", "7", "hershey:futura", "futural", "7")
JPEG_SEED = 5  # a 2288x1716 whiteboard photo, 192 KB: a phone photo scaled down by the browser
PNG_SEED = 0
PNG_SIDE = 400
# The object tests put in the (moto) uploads bucket before sending predict-key.json.
UPLOAD_KEY = "uploads/5f0c6a1e9b8d4c3a2e1f0a9b8c7d6e5f"
BOUNDARY = "----WebKitFormBoundaryB0ardR3adEv3nts"
API_ID = "k7xq2m9v1d"
DOMAIN = f"{API_ID}.execute-api.eu-west-1.amazonaws.com"
SITE_ORIGIN = "http://boardread-sitebucket-1x2y3z.s3-website-eu-west-1.amazonaws.com"
BROWSER_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
              "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")
CURL_UA = "curl/8.5.0"
TIME_EPOCH_MS = 1795621800000  # 2026-11-25T15:30:00Z


def request_id(name: str) -> str:
    """An id shaped like API Gateway's (14 base64 characters and '='), stable per event name."""
    return base64.urlsafe_b64encode(hashlib.sha256(name.encode()).digest()[:10]).decode()[:14] + "="


def http_event(name: str, method: str, path: str, *, query: dict[str, str] | None = None,
               headers: dict[str, str] | None = None, body: bytes | None = None,
               user_agent: str = CURL_UA) -> dict[str, Any]:
    """One payload-v2 event as API Gateway sends it for an explicit route on the $default stage."""
    route_key = f"{method} {path}"
    all_headers = {
        "accept": "application/json" if user_agent == BROWSER_UA else "*/*",
        "host": DOMAIN,
        "user-agent": user_agent,
        "x-amzn-trace-id": "Root=1-" + hashlib.sha1(name.encode()).hexdigest()[:8] + "-"
                           + hashlib.sha1(name.encode()).hexdigest()[8:32],
        "x-forwarded-for": "203.0.113.7",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
        **({"content-length": str(len(body))} if body is not None else {}),
        **(headers or {}),
    }
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": "&".join(f"{k}={quote(v, safe='')}" for k, v in (query or {}).items()),
        "headers": dict(sorted(all_headers.items())),
    }
    if query:
        event["queryStringParameters"] = query
    event["requestContext"] = {
        "accountId": "123456789012",
        "apiId": API_ID,
        "domainName": DOMAIN,
        "domainPrefix": API_ID,
        "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                 "sourceIp": "203.0.113.7", "userAgent": user_agent},
        "requestId": request_id(name),
        "routeKey": route_key,
        "stage": "$default",
        "time": "25/Nov/2026:15:30:00 +0000",
        "timeEpoch": TIME_EPOCH_MS,
    }
    if body is not None:  # HTTP APIs base64-encode every body that is not text
        event["body"] = base64.b64encode(body).decode("ascii")
    event["isBase64Encoded"] = body is not None
    return event


def multipart(data: bytes, filename: str, content_type: str) -> tuple[bytes, str]:
    """A browser's FormData body with the one field ``file``, and its Content-Type."""
    head = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n").encode()
    tail = f"\r\n--{BOUNDARY}--\r\n".encode()
    return head + data + tail, f"multipart/form-data; boundary={BOUNDARY}"


def multipart_form(fields: dict[str, str], data: bytes, filename: str,
                   content_type: str) -> tuple[bytes, str]:
    """A browser's FormData body: the text ``fields`` in order, then the photo as ``file``."""
    head = b"".join(f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                    f"{value}\r\n".encode() for name, value in fields.items())
    body, media_type = multipart(data, filename, content_type)
    return head + body, media_type


def jpeg_photo() -> bytes:
    photo = render_photo(SEVEN, JPEG_SEED, "whiteboard")
    assert photo.fmt == "jpeg" and not photo.cropped
    return photo.data


def png_photo() -> bytes:
    """The seed-0 whiteboard render scaled to 400 px, as PNG (a screenshot-like upload)."""
    image = cv2.imdecode(np.frombuffer(render_photo(SEVEN, PNG_SEED, "whiteboard").data, np.uint8),
                         cv2.IMREAD_COLOR)
    scale = PNG_SIDE / max(image.shape[:2])
    image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ok, buf = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, 9])
    assert ok
    return buf.tobytes()


def build_events() -> dict[str, dict[str, Any]]:
    browser = {"origin": SITE_ORIGIN}
    jpeg_body, jpeg_type = multipart(jpeg_photo(), "board.jpg", "image/jpeg")
    text_body, text_type = multipart(b"shopping list: eggs, milk\n", "notes.txt", "text/plain")
    # The page's correction: the photo it sent to /predict, with what is really on the board.
    feedback_body, feedback_type = multipart_form({"category": "digit", "label": "7"},
                                                  jpeg_photo(), "board.jpg", "image/jpeg")
    return {
        "predict-jpeg-multipart": http_event(
            "predict-jpeg-multipart", "POST", "/predict", body=jpeg_body,
            headers={**browser, "content-type": jpeg_type}, user_agent=BROWSER_UA),
        "predict-png-raw": http_event(
            "predict-png-raw", "POST", "/predict", body=png_photo(),
            headers={"content-type": "image/png"}),
        "predict-not-image": http_event(
            "predict-not-image", "POST", "/predict", body=text_body,
            headers={**browser, "content-type": text_type}, user_agent=BROWSER_UA),
        "predict-key": http_event(
            "predict-key", "POST", "/predict", query={"key": UPLOAD_KEY},
            headers=browser, user_agent=BROWSER_UA),
        "uploads": http_event("uploads", "POST", "/uploads", headers=browser,
                              user_agent=BROWSER_UA),
        "feedback-jpeg-multipart": http_event(
            "feedback-jpeg-multipart", "POST", "/feedback", body=feedback_body,
            headers={**browser, "content-type": feedback_type}, user_agent=BROWSER_UA),
        "health": http_event("health", "GET", "/health"),
        "docs": http_event("docs", "GET", "/docs", headers={"accept": "text/html"},
                           user_agent=BROWSER_UA),
    }


# BatchFunction's S3 events: the stack's DataBucket as CloudFormation names it, one class's batch.
BATCH_DIR = EVENTS_DIR / "batch"
DATA_BUCKET = "boardread-databucket-1q2w3e4r5t6y"
BATCH_PREFIX = "incoming/2026-11-25-class-4b/"
NOT_IMAGE = b"shopping list: eggs, milk\n"


def s3_event(name: str, key: str, data: bytes) -> dict[str, Any]:
    """An ``ObjectCreated:Put`` notification for ``key`` holding ``data``, as S3 sends it to a
    function: the key URL-encoded, the size and eTag (MD5) of the bytes, the version id of a
    versioned bucket; ids stable per event name."""
    digest = hashlib.sha256(name.encode()).digest()
    return {"Records": [{
        "eventVersion": "2.1",
        "eventSource": "aws:s3",
        "awsRegion": "eu-west-1",
        "eventTime": "2026-11-25T15:30:00.000Z",
        "eventName": "ObjectCreated:Put",
        "userIdentity": {"principalId": "AWS:AIDA6ODU5DHT3EXAMPLE"},
        "requestParameters": {"sourceIPAddress": "203.0.113.7"},
        "responseElements": {
            "x-amz-request-id": digest[:8].hex().upper(),
            "x-amz-id-2": base64.b64encode(digest + digest[:16]).decode(),
        },
        "s3": {
            "s3SchemaVersion": "1.0",
            # S3 names a configuration CloudFormation made without an Id.
            "configurationId": base64.b64encode(b"boardread-batch-incoming-0f3c2e1d").decode(),
            "bucket": {"name": DATA_BUCKET, "ownerIdentity": {"principalId": "A3I5XTEXAMAI3E"},
                       "arn": f"arn:aws:s3:::{DATA_BUCKET}"},
            "object": {
                "key": key_for_event(key),
                "size": len(data),
                "eTag": hashlib.md5(data).hexdigest(),  # S3's ETag of a one-part upload
                "versionId": base64.b64encode(digest[8:32]).decode().replace("+", "x")
                .replace("/", "."),
                "sequencer": "00" + digest[16:24].hex().upper(),
            },
        },
    }]}


def build_s3_events() -> dict[str, dict[str, Any]]:
    """The photos are the API events' own: the same JPEG, PNG and text bytes."""
    return {
        "put-jpeg": s3_event("put-jpeg", BATCH_PREFIX + "board-07.jpg", jpeg_photo()),
        "put-space-key": s3_event("put-space-key", BATCH_PREFIX + "Anna's board (2).png",
                                  png_photo()),
        "put-not-image": s3_event("put-not-image", BATCH_PREFIX + "notes.txt", NOT_IMAGE),
        # A result written back: outside incoming/, so the function must leave it alone (no loop).
        "put-outside-incoming": s3_event(
            "put-outside-incoming", "results/2026-11-25-class-4b/board-07.jpg.json",
            b'{"key": "incoming/2026-11-25-class-4b/board-07.jpg"}\n'),
    }


def write_events(directory: Path, events: dict[str, dict[str, Any]]) -> None:
    directory.mkdir(exist_ok=True)
    for name, event in events.items():
        path = directory / f"{name}.json"
        path.write_text(json.dumps(event, indent=2) + "\n")
        print(f"{path.relative_to(EVENTS_DIR.parent)}  {path.stat().st_size / 1024:.0f} KB")


def main() -> None:
    for name, event in build_events().items():
        path = EVENTS_DIR / f"{name}.json"
        path.write_text(json.dumps(event, indent=2) + "\n")
        print(f"{path.relative_to(EVENTS_DIR.parent)}  {path.stat().st_size / 1024:.0f} KB")
    write_events(BATCH_DIR, build_s3_events())


if __name__ == "__main__":
    main()
