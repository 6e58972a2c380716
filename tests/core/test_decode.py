import io

import cv2
import numpy as np
import pytest
from boardread.decode import WORKING_SIDE, _jpeg_is_complete, _jpeg_scan_count, decode_image
from boardread.errors import ImageTooLarge, ImageTooSmall, InvalidImage
from PIL import Image

from .conftest import encode


def test_decodes_a_rendered_jpeg_photo(whiteboard_photo):
    grey = decode_image(whiteboard_photo.data)
    assert grey.dtype == np.uint8 and grey.ndim == 2
    w, h = whiteboard_photo.size
    assert max(grey.shape) <= 2 * WORKING_SIDE
    assert abs(grey.shape[1] / grey.shape[0] - w / h) < 0.02


def test_big_jpeg_is_decoded_reduced_to_the_working_size():
    photo = np.random.default_rng(0).integers(0, 255, (3024, 4032, 3), np.uint8)
    grey = decode_image(encode(photo, ".jpg", [cv2.IMWRITE_JPEG_QUALITY, 80]))
    # Decoded at half scale (IMREAD_REDUCED_GRAYSCALE_4): the smallest that keeps the working size.
    assert grey.shape == (756, 1008)


def test_exif_orientation_is_honoured():
    image = np.zeros((40, 80, 3), np.uint8)
    image[:, :40] = 255  # left half white
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, "JPEG", exif=exif.tobytes(), quality=95)
    grey = decode_image(buf.getvalue())
    assert grey.shape == (80, 40)
    assert grey[:30].mean() > 200 and grey[50:].mean() < 50  # white half now on top


def test_transparent_png_is_composited_on_white():
    rgba = np.zeros((50, 50, 4), np.uint8)  # fully transparent black ...
    rgba[20:30, 20:30] = (0, 0, 0, 255)  # ... but for an opaque black square
    grey = decode_image(encode(rgba))
    assert grey[0, 0] == 255 and grey[25, 25] == 0


def test_sixteen_bit_and_palette_pngs():
    deep = (np.arange(64 * 64, dtype=np.uint16).reshape(64, 64) * 16)
    grey = decode_image(encode(deep))
    assert grey.dtype == np.uint8 and grey.max() > 200
    buf = io.BytesIO()
    Image.fromarray(np.full((32, 32, 3), 200, np.uint8)).convert("P").save(buf, "PNG")
    assert decode_image(buf.getvalue()).shape == (32, 32)


@pytest.mark.parametrize("data", [b"", b"not an image at all", b"<html><body>hi</body></html>"])
def test_non_images_are_invalid(data):
    with pytest.raises(InvalidImage):
        decode_image(data)


def test_truncated_jpeg_is_invalid(whiteboard_photo):
    with pytest.raises(InvalidImage):
        decode_image(whiteboard_photo.data[: len(whiteboard_photo.data) // 2])


def jpeg_byte_strings(photo: bytes) -> list[bytes]:
    """A real JPEG, cut and padded, and bytes dense with FF where the marker searches differ."""
    rng = np.random.default_rng(5)
    noise = bytes(rng.choice([0x00, 0xD9, 0xDA, 0xFF], 4000, p=[0.4, 0.1, 0.1, 0.4]).astype(np.uint8))
    return [photo, photo[: len(photo) // 2], photo + b"trailing junk", photo[:-2],
            b"\xff\xd9" + photo[:-2], b"", b"\xff\xda", b"\xff\xda\xff\xd9", b"\xff\xd9\xff\xda",
            noise, b"\xff\xda" + noise, photo[:3000] + noise]


def test_marker_searches_agree_with_plain_byte_searches(whiteboard_photo):
    """The fast searches give what bytes.find/count give (the check the header relies on)."""
    for data in jpeg_byte_strings(whiteboard_photo.data):
        scan = data.find(b"\xff\xda")
        assert _jpeg_is_complete(data) == (scan >= 0 and data.find(b"\xff\xd9", scan) > 0)
        assert _jpeg_scan_count(data) == (0 if scan < 0 else data.count(b"\xff\xda", scan))


def test_truncated_png_is_invalid():
    data = encode(np.full((100, 100), 128, np.uint8))
    with pytest.raises(InvalidImage):
        decode_image(data[:60])


def test_too_small_and_too_large_are_refused_from_the_header():
    with pytest.raises(ImageTooSmall):
        decode_image(encode(np.zeros((10, 200), np.uint8)))
    bomb = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + (60000).to_bytes(4, "big") * 2 + b"\x08\x00"
    with pytest.raises(ImageTooLarge):
        decode_image(bomb)
    with pytest.raises(ImageTooLarge):
        decode_image(encode(np.zeros((100, 100), np.uint8)), max_pixels=5000)
