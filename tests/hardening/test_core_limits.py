"""The reader's own limits: what it refuses before decoding, the memory a decode may take, and
inputs that used to crash it. Every change here keeps the image the models see as it was."""

from __future__ import annotations

import time
import tracemalloc

import cv2
import numpy as np
import pytest
from boardread import InvalidImage, prepare_photo
from boardread import decode as decode_module
from boardread.decode import MAX_JPEG_SCANS, check_image_header, decode_image
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

from tests.hardening.corpus import jpeg_scan_bomb, jpeg_segments, pil_bytes, tiff_deflate


def reference_to_grey(image: np.ndarray) -> np.ndarray:
    """decode._to_grey as it was before it worked in strips (the models were trained on it)."""
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
    elif image.dtype != np.uint8:
        image = cv2.normalize(image.astype(np.float32), None, 0, 255, cv2.NORM_MINMAX)
        image = image.astype(np.uint8)
    if image.ndim == 2:
        return image
    channels = image.shape[2]
    if channels == 1:
        return image[:, :, 0]
    if channels == 4:
        alpha = image[:, :, 3:4].astype(np.float32) / 255.0
        rgb = image[:, :, :3].astype(np.float32) * alpha + 255.0 * (1.0 - alpha)
        image = rgb.astype(np.uint8)
    return cv2.cvtColor(image[:, :, :3], cv2.COLOR_BGR2GRAY)


ELEMENTS = {  # what each decoder can hand back: 8/16-bit integers, int32 and float32 TIFF
    np.uint8: st.integers(0, 255),
    np.uint16: st.integers(0, 65535),
    np.int32: st.integers(-(2**31), 2**31 - 1),
    np.float32: st.floats(-1e6, 1e6, width=32),
}
decoded_images = st.sampled_from(list(ELEMENTS)).flatmap(lambda dtype: hnp.arrays(
    dtype=dtype,
    shape=st.tuples(st.integers(1, 40), st.integers(1, 40)).flatmap(
        lambda hw: st.sampled_from([hw, (*hw, 1), (*hw, 3), (*hw, 4)])),
    elements=ELEMENTS[dtype],
))


@settings(max_examples=150, deadline=None)
@given(image=decoded_images, strip=st.integers(1, 64))
def test_grey_in_strips_is_the_old_grey(image: np.ndarray, strip: int) -> None:
    old = decode_module._STRIP_PIXELS
    decode_module._STRIP_PIXELS = strip  # strips of a few pixels: many strips per image
    try:
        new = decode_module._to_grey(image.copy())
    finally:
        decode_module._STRIP_PIXELS = old
    expected = reference_to_grey(image.copy())
    assert new.dtype == np.uint8 and new.shape == expected.shape
    assert np.array_equal(new, expected)


def test_a_16_bit_rgba_png_costs_little_more_than_its_pixels() -> None:
    """40 MP of RGBA 16-bit is 320 MB decoded; converting it whole took 1.4 GB more (Lambda has
    1769 MB). In strips the extra is a few MB; measured here at 4 MP (32 MB decoded)."""
    image = np.full((2000, 2000, 4), 30000, np.uint16)
    image[..., 3] = 40000
    ok, buf = cv2.imencode(".png", image)
    assert ok
    data = buf.tobytes()
    del image, buf
    tracemalloc.start()
    try:
        decode_image(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    decoded = 2000 * 2000 * 8
    assert peak < decoded + 20_000_000, peak


def test_scan_bomb_is_refused_before_decoding() -> None:
    bomb = jpeg_scan_bomb(side=1600, repeats=400)
    assert len(bomb) < 20_000
    started = time.perf_counter()
    with pytest.raises(InvalidImage, match="406 scans"):
        check_image_header(bomb)
    with pytest.raises(InvalidImage):
        decode_image(bomb)
    assert time.perf_counter() - started < 0.5


def test_progressive_jpegs_within_the_scan_limit_are_read() -> None:
    rng = np.random.default_rng(3)
    photo = Image.fromarray(rng.integers(0, 255, (300, 400, 3), np.uint8))
    progressive = pil_bytes(photo, "JPEG", progressive=True, quality=85)
    scans = sum(1 for marker, _, _ in jpeg_segments(progressive) if marker == 0xDA)
    assert 1 < scans <= 12
    assert decode_image(progressive).shape == (300, 400)
    # Exactly at the limit: read (with libjpeg's warning about the repeated scan); one more: not.
    flat_scans = sum(1 for marker, _, _ in jpeg_segments(jpeg_scan_bomb(64, 0)) if marker == 0xDA)
    at_limit = jpeg_scan_bomb(side=64, repeats=MAX_JPEG_SCANS - flat_scans)
    assert decode_image(at_limit).shape == (64, 64)
    with pytest.raises(InvalidImage, match="scans"):
        decode_image(jpeg_scan_bomb(side=64, repeats=MAX_JPEG_SCANS - flat_scans + 1))


@pytest.mark.parametrize("ext", [".png", ".jpg", ".bmp"])
@pytest.mark.parametrize("shape", [(16, 40000), (40000, 16), (16, 17000), (17, 20000)])
def test_extreme_strips_are_read_without_a_board(ext: str, shape: tuple[int, int]) -> None:
    """Sides >= 16 px and <= 40 MP: the contract reads them. Over ~1067:1 the board search's
    copy had no pixel across and OpenCV raised (a 500); now there is simply no board."""
    ok, buf = cv2.imencode(ext, np.full(shape, 200, np.uint8))
    assert ok
    photo = prepare_photo(buf.tobytes())
    assert photo.board_found is False
    assert photo.glyph.image.shape == (32, 32)


def test_strips_that_always_worked_are_unchanged() -> None:
    """Just under the old failure point the board search runs as before (same glyph)."""
    from boardread.board import BOARD_SIDE, extract_board

    rng = np.random.default_rng(5)
    strip = rng.integers(0, 255, (16, 1600 * 5), np.uint8)
    grey = decode_image(cv2.imencode(".png", strip)[1].tobytes())
    board = extract_board(grey)
    scale = BOARD_SIDE / max(grey.shape)
    expected = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    assert not board.found and np.array_equal(board.image, expected)


def test_a_tiff_with_two_widths_is_refused() -> None:
    """libtiff keeps the first ImageWidth (8000) where the header check kept the last (100):
    a 64 MP image passed the 40 MP limit from a 62 KB file."""
    smuggler = tiff_deflate(8000, 8000, second_width=100)
    assert len(smuggler) < 70_000
    decoded = cv2.imdecode(np.frombuffer(smuggler, np.uint8), cv2.IMREAD_UNCHANGED)
    assert decoded.shape == (8000, 8000)  # what would have been decoded
    with pytest.raises(InvalidImage):
        check_image_header(smuggler)
    assert check_image_header(tiff_deflate(200, 100)) == ("tiff", 200, 100)
    assert decode_image(tiff_deflate(200, 100)).shape == (100, 200)


@pytest.mark.parametrize(("dtype", "channels", "read"), [
    (np.float64, 4, False), (np.float32, 4, False),  # 256 and 128 bits a pixel
    (np.float64, 1, True), (np.uint16, 4, True), (np.uint16, 3, True), (np.uint8, 4, True),
])
def test_tiffs_of_over_64_bits_a_pixel_are_refused(dtype: type, channels: int,
                                                   read: bool) -> None:
    """A deflated TIFF of 4 float64 samples is 32 bytes a pixel: 1.3 GB for 40 MP from about a
    1.3 MB file, more than the function's 1769 MB once converted. 64 bits (16-bit RGBA, as in
    PNG) is the most that is read."""
    image = np.full((64, 64, channels) if channels > 1 else (64, 64), 0.5, dtype)
    data = cv2.imencode(".tiff", image)[1].tobytes()
    assert cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED).dtype == dtype
    if read:
        assert check_image_header(data) == ("tiff", 64, 64)
    else:
        with pytest.raises(InvalidImage):
            check_image_header(data)
