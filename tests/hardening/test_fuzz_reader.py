"""Hypothesis properties of the reader: whatever the bytes, ``read_board`` gives a reading or a
``ReaderError`` (invalid_image, image_too_small, image_too_large), never another exception; the
header check agrees with the decoder; the preprocessing takes any grey image.

Examples per property: ``BOARDREAD_FUZZ_EXAMPLES`` (default 300; see fuzzing.py).
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np
from boardread import Prediction, ReaderError, get_reader, read_board
from boardread.board import extract_board
from boardread.decode import check_image_header
from boardread.normalise import MODEL_SIDE, normalise_glyph
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

from tests.conftest import event_body, load_event
from tests.hardening.corpus import exif_jpeg, pil_bytes
from tests.hardening.fuzzing import FUZZ

READER_CODES = {"invalid_image", "image_too_small", "image_too_large"}
MAGICS = [b"\xff\xd8\xff", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", b"\x89PNG\r\n\x1a\n",
          b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"RIFF\x00\x00\x00\x00WEBPVP8 ",
          b"RIFF\x00\x00\x00\x00WEBPVP8L", b"RIFF\x00\x00\x00\x00WEBPVP8X", b"BM", b"II*\x00",
          b"MM\x00*", b"GIF89a"]


@lru_cache(maxsize=1)
def base_files() -> dict[str, bytes]:
    """Small real photos (240 px) in every format and the odd variants: seeds for mutation."""
    png = event_body(load_event("predict-png-raw"))
    photo = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
    photo = cv2.resize(photo, None, fx=0.6, fy=0.6, interpolation=cv2.INTER_AREA)
    rgb = Image.fromarray(cv2.cvtColor(photo, cv2.COLOR_BGR2RGB))
    grey = cv2.cvtColor(photo, cv2.COLOR_BGR2GRAY)

    def enc(image: np.ndarray, ext: str) -> bytes:
        return cv2.imencode(ext, image)[1].tobytes()

    return {
        "jpeg": enc(photo, ".jpg"),
        "jpeg-progressive": pil_bytes(rgb, "JPEG", progressive=True, quality=80),
        "jpeg-cmyk": pil_bytes(rgb.convert("CMYK"), "JPEG"),
        "jpeg-exif": exif_jpeg(photo, orientation=6, padding=2000),
        "png": enc(photo, ".png"),
        "png-16": enc(grey.astype(np.uint16) * 257, ".png"),
        "png-rgba": enc(np.dstack([photo, np.full(grey.shape, 90, np.uint8)]), ".png"),
        "png-palette": pil_bytes(rgb.quantize(16), "PNG"),
        "webp": enc(photo, ".webp"),
        "webp-lossless": cv2.imencode(".webp", photo, [cv2.IMWRITE_WEBP_QUALITY, 101])[1].tobytes(),
        "bmp": enc(photo, ".bmp"),
        "tiff": enc(photo, ".tiff"),
        "tiff-deflate": pil_bytes(rgb, "TIFF", compression="tiff_deflate"),
    }


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A real file with a few edits: bytes overwritten (mostly in the headers), a cut, an
    insertion or a repeated slice."""
    data = bytearray(base_files()[draw(st.sampled_from(sorted(base_files())))])
    for _ in range(draw(st.integers(1, 4))):
        edit = draw(st.sampled_from(["set", "set-head", "cut", "insert", "repeat"]))
        n = len(data)
        if n < 4:
            break
        at = draw(st.integers(0, min(n - 1, 600) if edit == "set-head" else n - 1))
        if edit.startswith("set"):
            data[at] = draw(st.integers(0, 255))
        elif edit == "cut":
            del data[at:]
        elif edit == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        else:
            length = draw(st.integers(1, 256))
            data[at:at] = data[at:at + length] * draw(st.integers(1, 3))
    return bytes(data)


def read_or_refuse(data: bytes) -> Prediction | None:
    """The property: a reading, or a ReaderError with one of the reader's codes."""
    try:
        prediction = read_board(data, reader=get_reader())
    except ReaderError as exc:
        assert exc.code in READER_CODES, exc
        assert exc.message
        return None
    assert prediction.category in {"digit", "letter", "free_pattern"}
    assert 0.0 <= prediction.confidence <= 1.0
    return prediction


@FUZZ
@given(data=st.binary(max_size=4096))
def test_any_bytes(data: bytes) -> None:
    read_or_refuse(data)


@FUZZ
@given(magic=st.sampled_from(MAGICS), tail=st.binary(max_size=2048))
def test_a_magic_number_then_anything(magic: bytes, tail: bytes) -> None:
    read_or_refuse(magic + tail)


@FUZZ
@given(data=mutated())
def test_mutated_real_images(data: bytes) -> None:
    read_or_refuse(data)


@FUZZ
@given(data=mutated())
def test_the_header_check_agrees_with_the_decoder(data: bytes) -> None:
    """What the header check lets through never decodes to more pixels than it said (else a
    crafted header would carry a huge image past the 40 MP limit)."""
    try:
        _, width, height = check_image_header(data)
    except ReaderError:
        return
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is not None:
        assert image.shape[0] * image.shape[1] <= width * height, (image.shape, width, height)


@st.composite
def valid_images(draw: st.DrawFn) -> tuple[bytes, int, int]:
    height, width = draw(st.integers(1, 80)), draw(st.integers(1, 80))
    channels = draw(st.sampled_from([1, 3, 4]))
    ext = draw(st.sampled_from([".png", ".jpg", ".webp", ".bmp", ".tiff"]))
    dtype = np.uint16 if ext in (".png", ".tiff") and draw(st.booleans()) else np.uint8
    if ext in (".jpg", ".bmp") and channels == 4:
        channels = 3
    shape = (height, width) if channels == 1 else (height, width, channels)
    image = draw(hnp.arrays(dtype, shape, elements=st.integers(0, np.iinfo(dtype).max)))
    ok, buf = cv2.imencode(ext, image)
    assert ok
    return buf.tobytes(), width, height


@FUZZ
@given(valid_images())
def test_every_valid_image_is_read_or_too_small(image: tuple[bytes, int, int]) -> None:
    data, width, height = image
    prediction = read_or_refuse(data)
    if min(width, height) >= 16:
        assert prediction is not None, (width, height)
    else:
        assert prediction is None


grey_boards = st.tuples(st.integers(1, 300), st.integers(1, 300)).flatmap(
    lambda shape: hnp.arrays(np.uint8, shape, elements=st.integers(0, 255)))
strips = st.tuples(st.integers(1, 4), st.integers(500, 4000)).flatmap(
    lambda hw: st.sampled_from([hw, hw[::-1]])).flatmap(
    lambda shape: hnp.arrays(np.uint8, shape, elements=st.integers(0, 255)))


@FUZZ
@given(grey=st.one_of(grey_boards, strips))
def test_preprocessing_takes_any_grey_image(grey: np.ndarray) -> None:
    """What decode hands on (uint8 grey, any size and content) becomes a model input."""
    board = extract_board(grey)
    glyph = normalise_glyph(board.image)
    assert glyph.image.shape == (MODEL_SIDE, MODEL_SIDE) and glyph.image.dtype == np.uint8
    options = get_reader().read(glyph.image)
    assert options and 0.0 <= options[0].confidence <= 1.0
