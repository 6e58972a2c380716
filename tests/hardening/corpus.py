"""The bad-input corpus: every request a public upload endpoint meets, made by code, with the
status and error code ``shared/docs/api.md`` gives it.

``build_corpus(board_jpeg, board_png)`` returns the cases; ``tests/hardening/test_corpus.py``
sends each through the app (TestClient) and through the Lambda handler (an API Gateway v2 event
made from the case), and ``tests/bench/loadtest.py`` mixes them into its load. Odd but real
images (16-bit, CMYK, palette, transparency, EXIF, other formats, blank photos) are photos a
phone, a scanner or an editor produces: the contract reads them (200). Only the bytes decide,
never the declared type: a PNG sent as ``image/jpeg`` is read as the PNG it is.
"""

from __future__ import annotations

import base64
import importlib.util
import io
import struct
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
BOUNDARY = "hardeningB0undary7f3a"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
BODY_LIMIT = 8_000_000  # the default BOARDREAD_MAX_BODY_BYTES
TEXT_TYPES = ("text/", "application/json")


@dataclass(frozen=True)
class Case:
    """One request to ``POST /predict`` (or ``path``) and the answer the contract gives it."""

    name: str
    body: bytes
    content_type: str | None
    status: int
    code: str | None  # None: a 200 reading
    why: str
    query: dict[str, str] = field(default_factory=dict)
    path: str = "/predict"

    @property
    def headers(self) -> dict[str, str]:
        return {"content-type": self.content_type} if self.content_type else {}

    @property
    def url(self) -> str:
        from urllib.parse import urlencode

        return self.path + (f"?{urlencode(self.query)}" if self.query else "")


# ------------------------------------------------------------------------- building blocks


def part(name: str, data: bytes, *, filename: str | None = None,
         content_type: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
    head = f"Content-Disposition: {disposition}\r\n"
    if content_type:
        head += f"Content-Type: {content_type}\r\n"
    return f"--{BOUNDARY}\r\n{head}\r\n".encode() + data + b"\r\n"


def multipart(*parts: bytes) -> bytes:
    """A browser-like multipart/form-data body (boundary ``BOUNDARY``) of the given parts."""
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def file_part(data: bytes, filename: str = "board.jpg", content_type: str = "image/jpeg") -> bytes:
    return part("file", data, filename=filename, content_type=content_type)


def encode(image: np.ndarray, ext: str, params: list[int] | None = None) -> bytes:
    ok, buf = cv2.imencode(ext, image, params or [])
    assert ok, ext
    return buf.tobytes()


def pil_bytes(image: Image.Image, fmt: str, **options: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (struct.pack(">I", len(payload)) + kind + payload
            + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG signature and IHDR claiming ``width`` x ``height``, and nothing else."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr)


def png_bomb(side: int) -> bytes:
    """A complete, valid 1-bit grey PNG of ``side`` x ``side`` black pixels: 49 KB for 20000 px,
    400 MB once decoded to 8-bit grey."""
    row = b"\x00" * (1 + (side + 7) // 8)  # filter byte + packed pixels
    compressor = zlib.compressobj(9)
    data = compressor.compress(row * side) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", data)
            + png_chunk(b"IEND", b""))


def jpeg_segments(data: bytes) -> list[tuple[int, int, int]]:
    """``(marker, start, end)`` of each JPEG segment; a scan includes its entropy-coded data."""
    i, out = 2, []
    while i < len(data):
        marker = data[i + 1]
        if marker == 0xD9:
            out.append((marker, i, i + 2))
            break
        end = i + 2 + struct.unpack(">H", data[i + 2:i + 4])[0]
        if marker == 0xDA:
            while True:
                end = data.index(b"\xff", end)
                if data[end + 1] == 0 or 0xD0 <= data[end + 1] <= 0xD7:
                    end += 2
                    continue
                break
        out.append((marker, i, end))
        i = end
    return out


def jpeg_header_only(jpeg: bytes) -> bytes:
    """Every segment before the first scan, then end of image: a frame with no pixel data."""
    first_scan = next(start for marker, start, _ in jpeg_segments(jpeg) if marker == 0xDA)
    return jpeg[:first_scan] + b"\xff\xd9"


def jpeg_scan_bomb(side: int = 1600, repeats: int = 400) -> bytes:
    """A flat progressive JPEG with its last scan repeated: each copy costs a full pass over the
    image's coefficients in libjpeg, so decoding takes seconds to minutes for a small file."""
    flat = pil_bytes(Image.new("L", (side, side), 128), "JPEG", progressive=True, quality=90)
    _, start, end = [s for s in jpeg_segments(flat) if s[0] == 0xDA][-1]
    return flat[:end] + flat[start:end] * repeats + flat[end:]


def exif_jpeg(photo: np.ndarray, *, orientation: int = 1, padding: int = 0) -> bytes:
    """A JPEG of ``photo`` with an EXIF block: an orientation tag and ``padding`` bytes of
    maker note (a phone's EXIF can fill most of the 64 KB APP1 segment)."""
    image = Image.fromarray(cv2.cvtColor(photo, cv2.COLOR_BGR2RGB))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "boardread-hardening"
    if padding:
        exif[0x927C] = b"\x00MAKERNOTE" + bytes(range(256)) * (padding // 256)
    return pil_bytes(image, "JPEG", quality=90, exif=exif.tobytes())


def bmp_header(width: int, height: int) -> bytes:
    info = struct.pack("<IiiHHIIiiII", 40, width, height, 1, 24, 0, 0, 2835, 2835, 0, 0)
    return b"BM" + struct.pack("<IHHI", 54 + len(info), 0, 0, 54) + info


def tiff_header(width: int, height: int) -> bytes:
    entries = [(256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, 8), (262, 3, 1, 1)]
    ifd = struct.pack("<H", len(entries)) + b"".join(
        struct.pack("<HHII", tag, typ, count, value) for tag, typ, count, value in entries)
    return b"II*\x00" + struct.pack("<I", 8) + ifd + b"\x00\x00\x00\x00"


def tiff_deflate(width: int, height: int, *, second_width: int | None = None) -> bytes:
    """A deflated flat grey TIFF. With ``second_width`` its IFD holds ImageWidth twice: libtiff
    decodes the first; a header reader that kept the last saw ``second_width``."""
    strip = zlib.compress(b"\x80" * (width * height), 9)
    widths = [width] + ([second_width] if second_width is not None else [])
    entries = [*((256, 4, w) for w in widths), (257, 4, height), (258, 3, 8), (259, 3, 8),
               (262, 3, 1), (273, 4, -1), (277, 3, 1), (278, 4, height), (279, 4, len(strip))]
    data_offset = 8 + 2 + 12 * len(entries) + 4
    ifd = struct.pack("<H", len(entries)) + b"".join(
        struct.pack("<HHIHH", tag, typ, 1, value, 0) if typ == 3 else
        struct.pack("<HHII", tag, typ, 1, data_offset if value < 0 else value)
        for tag, typ, value in entries)
    return b"II*\x00" + struct.pack("<I", 8) + ifd + b"\x00\x00\x00\x00" + strip


def webp_vp8x_header(width: int, height: int) -> bytes:
    payload = b"\x00\x00\x00\x00" + (width - 1).to_bytes(3, "little") + \
        (height - 1).to_bytes(3, "little")
    chunk = b"VP8X" + struct.pack("<I", len(payload)) + payload
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def animated_gif(side: int = 64, frames: int = 4) -> bytes:
    images = [Image.new("L", (side, side), 40 * k) for k in range(frames)]
    return pil_bytes(images[0], "GIF", save_all=True, append_images=images[1:], duration=100,
                     loop=0)


def no_board_photo(seed: int = 11) -> np.ndarray:
    """A cluttered scene with no board: smooth blobs of colour and some noise."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (12, 16, 3), dtype=np.uint8)
    scene = cv2.resize(small, (1600, 1200), interpolation=cv2.INTER_CUBIC)
    noise = rng.normal(0, 8, scene.shape)
    return np.clip(scene + noise, 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------------- corpus


def dot_lattice(side: int = 320, pitch: int = 3) -> np.ndarray:
    """A grey photo covered in 2 x 2 dark dots 1 px apart: as many separate pieces of ink as fit
    (10,201 at 320 px; a photo that size is read as it is, not scaled down)."""
    board = np.full((side, side), 230, np.uint8)
    for dy in range(2):
        for dx in range(2):
            board[dy::pitch, dx::pitch] = 30
    return board


def build_corpus(board_jpeg: bytes, board_png: bytes) -> list[Case]:
    """Every case, in a stable order; ``board_*`` are real board photos (the events' photos)."""
    photo = cv2.imdecode(np.frombuffer(board_png, np.uint8), cv2.IMREAD_COLOR)
    rgb = Image.fromarray(cv2.cvtColor(photo, cv2.COLOR_BGR2RGB))
    grey = cv2.cvtColor(photo, cv2.COLOR_BGR2GRAY)
    rng = np.random.default_rng(2026)
    noise = rng.integers(0, 256, 4096, dtype=np.uint8).tobytes()
    alpha = np.dstack([photo, np.full(photo.shape[:2], 255, np.uint8)])
    alpha[:, : photo.shape[1] // 3, 3] = 0  # the left third fully transparent
    alpha[:, photo.shape[1] // 3: photo.shape[1] // 2, 3] = 128
    phone_upright = cv2.rotate(photo, cv2.ROTATE_90_COUNTERCLOCKWISE)  # stored turned, tag 6
    html = b"<!doctype html><html><body><script>alert(1)</script></body></html>\n"
    text = b"shopping list: eggs, milk\n"
    ok = 200
    bad_image = (400, "invalid_image")

    def c(name: str, body: bytes, content_type: str | None, expected: tuple[int, str | None] |
          int, why: str, **extra: Any) -> Case:
        status, code = (expected, None) if isinstance(expected, int) else expected
        return Case(name, body, content_type, status, code, why, **extra)

    def upload(data: bytes, filename: str = "board.jpg", content_type: str = "image/jpeg") -> bytes:
        return multipart(file_part(data, filename, content_type))

    return [
        # ---- not an image at all: 400 invalid_image inside a multipart, 415 as a raw body
        c("empty-raw-body", b"", "image/jpeg", bad_image, "an empty file"),
        c("empty-file-part", upload(b""), MULTIPART, bad_image, "an empty file"),
        c("text-file-part", upload(text, "notes.txt", "text/plain"), MULTIPART, bad_image,
          "multipart with a text file: bytes no decoder reads"),
        c("text-raw", text, "text/plain", (415, "unsupported_media_type"),
          "neither multipart nor an image content type"),
        c("html-raw", html, "text/html", (415, "unsupported_media_type"),
          "neither multipart nor an image content type"),
        c("html-file-part", upload(html, "index.html", "text/html"), MULTIPART, bad_image,
          "HTML is not an image"),
        c("html-as-jpeg", html, "image/jpeg", bad_image, "the declared type is not trusted"),
        c("json-body", b'{"file": "board.jpg", "debug": true}', "application/json",
          (415, "unsupported_media_type"), "JSON is not a way to send a photo"),
        c("no-content-type", board_jpeg, None, (415, "unsupported_media_type"),
          "no content type: neither multipart nor an image"),
        c("svg-raw", b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"/>',
          "image/svg+xml", bad_image, "an image content type, but not a format we read"),
        c("random-bytes", noise, "image/jpeg", bad_image, "seeded random bytes"),
        c("random-after-png-magic", b"\x89PNG\r\n\x1a\n" + noise, "image/png", bad_image,
          "PNG signature, garbage after it"),
        c("jpeg-magic-html", b"\xff\xd8\xff\xe0" + html, "image/jpeg", bad_image,
          "a JPEG start followed by HTML (polyglot)"),
        # ---- broken images
        c("truncated-jpeg", upload(board_jpeg[: len(board_jpeg) // 2]), MULTIPART, bad_image,
          "half a JPEG: no end of image"),
        c("header-only-jpeg", jpeg_header_only(board_jpeg), "image/jpeg", bad_image,
          "a JPEG frame header with no scan"),
        c("truncated-png", board_png[: len(board_png) // 2], "image/png", bad_image,
          "half a PNG: libpng stops at the missing data"),
        c("jpeg-scan-bomb", jpeg_scan_bomb(), "image/jpeg", bad_image,
          "406 progressive scans in 16 KB: refused unread (decoding took 0.7 s; a 259 KB "
          "6000 px one took 46 s, over Lambda's timeout)"),
        c("animated-gif", upload(animated_gif(), "anim.gif", "image/gif"), MULTIPART, bad_image,
          "GIF is not one of JPEG, PNG, WebP, BMP, TIFF"),
        # ---- sizes, from the header before decoding
        c("png-header-60000", png_header_only(60000, 60000), "image/png",
          (400, "image_too_large"), "header claims 3600 MP; refused before any pixel"),
        c("png-bomb-20000", png_bomb(20000), "image/png", (400, "image_too_large"),
          "a valid 400 MP PNG in 49 KB: refused from its header, never inflated"),
        c("png-just-over-40mp", png_header_only(6400, 6300), "image/png",
          (400, "image_too_large"), "40.3 MP: the limit is 40"),
        c("bmp-header-50000", bmp_header(50000, -50000), "image/bmp", (400, "image_too_large"),
          "a top-down BMP claiming 2500 MP"),
        c("tiff-header-30000", tiff_header(30000, 30000), "image/tiff",
          (400, "image_too_large"), "a TIFF IFD claiming 900 MP"),
        c("tiff-duplicate-width", tiff_deflate(8000, 8000, second_width=100), "image/tiff", bad_image,
          "ImageWidth twice (8000 then 100): 64 MP in 62 KB if the last were believed"),
        c("tiff-float64-rgba", encode(np.full((64, 64, 4), 0.5), ".tiff"), "image/tiff",
          bad_image, "256 bits a pixel: 40 MP of it would be 1.3 GB decoded (over 64 refused)"),
        c("webp-header-16384", webp_vp8x_header(16384, 16384), "image/webp",
          (400, "image_too_large"), "a WebP VP8X claiming 268 MP"),
        c("png-1x1", encode(np.full((1, 1), 255, np.uint8), ".png"), "image/png",
          (400, "image_too_small"), "under 16 px a side"),
        c("png-3x500", encode(np.full((500, 3), 255, np.uint8), ".png"), "image/png",
          (400, "image_too_small"), "3 px wide"),
        c("png-16x20000-strip", encode(np.full((16, 20000), 200, np.uint8), ".png"),
          "image/png", ok, "16 px a side and 0.3 MP are within the limits: read (used to 500)"),
        # ---- odd but legitimate photos: read (200)
        c("png-16-bit", encode(grey.astype(np.uint16) * 257, ".png"), "image/png", ok,
          "16-bit grey PNG from a scanner or editor"),
        c("png-16-bit-rgba", encode(alpha.astype(np.uint16) * 257, ".png"), "image/png", ok,
          "16-bit RGBA PNG"),
        c("jpeg-cmyk", pil_bytes(rgb.convert("CMYK"), "JPEG", quality=90), "image/jpeg", ok,
          "CMYK JPEG as print workflows save them"),
        c("png-palette", pil_bytes(rgb.quantize(64), "PNG"), "image/png", ok,
          "palette PNG (64 colours)"),
        c("png-1-bit", pil_bytes(rgb.convert("1"), "PNG"), "image/png", ok, "1-bit PNG"),
        c("png-rgba-transparent", encode(alpha, ".png"), "image/png", ok,
          "RGBA with transparent and half-transparent parts (composited on white)"),
        c("jpeg-exif-rotated", upload(exif_jpeg(phone_upright, orientation=6), "IMG_0001.JPG"),
          MULTIPART, ok, "a phone photo stored turned, EXIF orientation 6"),
        c("jpeg-huge-exif", exif_jpeg(photo, padding=60_000), "image/jpeg", ok,
          "a 60 KB EXIF block (most of the 64 KB APP1 segment)"),
        c("webp", encode(photo, ".webp"), "image/webp", ok, "WebP"),
        c("tiff", upload(encode(photo, ".tiff"), "scan.tiff", "image/tiff"), MULTIPART, ok,
          "TIFF"),
        c("bmp", encode(photo, ".bmp"), "image/bmp", ok, "BMP"),
        c("png-declared-jpeg", board_png, "image/jpeg", ok, "the bytes decide, not the type"),
        c("all-black-photo", encode(np.zeros((1200, 1600, 3), np.uint8), ".jpg"), "image/jpeg",
          ok, "a photo taken with the lens covered: read, no board"),
        c("all-white-photo", encode(np.full((1200, 1600, 3), 255, np.uint8), ".jpg"),
          "image/jpeg", ok, "an overexposed photo: read, no board"),
        c("no-board-photo", upload(encode(no_board_photo(), ".jpg")), MULTIPART, ok,
          "a scene without a board: the whole photo is read (board_found may be false)"),
        c("dot-lattice-photo", encode(dot_lattice(), ".png"), "image/png", ok,
          "10,201 ink dots 1 px apart: one group, drawn rather than compared pairwise"),
        c("debug-odd-image", encode(grey, ".png"), "image/png", ok,
          "debug=true on a grey PNG adds board_png", query={"debug": "true"}),
        # ---- the body and multipart itself
        c("over-limit-body", board_jpeg + b"\0" * (BODY_LIMIT + 1 - len(board_jpeg)),
          "image/jpeg", (413, "payload_too_large"), "8 MB + 1 byte"),
        c("multipart-without-file", multipart(part("photo", board_jpeg, filename="b.jpg",
                                                   content_type="image/jpeg")),
          MULTIPART, (422, "missing_file"), "the photo is in a field named photo"),
        c("multipart-only-text-fields", multipart(part("debug", b"true")), MULTIPART,
          (422, "missing_file"), "form fields but no file"),
        c("multipart-two-files", multipart(file_part(board_jpeg), file_part(board_png,
                                                                            "b.png", "image/png")),
          MULTIPART, ok, "two parts named file: the last one is read"),
        c("multipart-1500-files", multipart(*[part("file", b"a", filename=f"{k}.txt")
                                              for k in range(1500)]),
          MULTIPART, (422, "missing_file"), "over python-multipart's 1000 files"),
        c("multipart-2mb-text-field", multipart(part("file", b"a" * 2_000_000)), MULTIPART,
          (422, "missing_file"), "a text field over Starlette's 1 MB part limit"),
        c("multipart-broken", f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; "
          f"filename=\"b.jpg\"\r\n".encode() + board_jpeg[:2000], MULTIPART,
          (422, "missing_file"), "the body ends inside the headers of its only part"),
        c("multipart-garbage", noise, MULTIPART, (422, "missing_file"),
          "no boundary anywhere in the body"),
        c("multipart-no-boundary", upload(board_jpeg), "multipart/form-data",
          (422, "missing_file"), "multipart without a boundary parameter"),
        c("key-traversal", b"", None, (400, "invalid_key"), "keys are uploads/<32 hex> only",
          query={"key": "uploads/../../etc/passwd"}),
    ]


# ---------------------------------------------------------------------- events for Lambda


@lru_cache(maxsize=1)
def _make_events() -> Any:
    spec = importlib.util.spec_from_file_location("make_events", REPO / "events" / "make_events.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def case_event(case: Case) -> dict[str, Any]:
    """The API Gateway HTTP API (payload 2.0) event for ``case``, as events/make_events.py makes
    them: binary bodies base64-encoded, text and JSON bodies as text."""
    event: dict[str, Any] = _make_events().http_event(
        f"hardening-{case.name}", "POST", case.path, query=case.query or None,
        headers=case.headers, body=case.body if case.body else None)
    if case.body and case.content_type and case.content_type.startswith(TEXT_TYPES):
        event["body"], event["isBase64Encoded"] = case.body.decode(), False
    if not case.body and case.content_type:  # an empty body API Gateway still forwards
        event["body"] = base64.b64encode(b"").decode()
        event["headers"]["content-length"] = "0"
    return event
