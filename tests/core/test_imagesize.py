import io

import numpy as np
import pytest
from boardread.imagesize import image_size
from PIL import Image


@pytest.mark.parametrize("fmt,pil_format,mode", [
    ("jpeg", "JPEG", "RGB"), ("png", "PNG", "RGBA"), ("webp", "WEBP", "RGB"),
    ("bmp", "BMP", "RGB"), ("tiff", "TIFF", "L"), ("gif", "GIF", "P"),
])
def test_header_size_matches_the_real_size(fmt, pil_format, mode):
    buf = io.BytesIO()
    Image.fromarray(np.zeros((37, 53, 4), np.uint8)).convert(mode).save(buf, pil_format)
    assert image_size(buf.getvalue()) == (fmt, 53, 37)


def test_lossless_webp_size():
    buf = io.BytesIO()
    Image.new("RGB", (301, 17)).save(buf, "WEBP", lossless=True)
    assert image_size(buf.getvalue()) == ("webp", 301, 17)


def test_png_bomb_header_is_read_without_decoding():
    header = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + (60000).to_bytes(4, "big") * 2
    assert image_size(header + b"\x08\x02\x00\x00\x00") == ("png", 60000, 60000)


@pytest.mark.parametrize("data", [b"", b"hello world", b"<html></html>", b"\xff\xd8\xff\xe0"])
def test_non_images_and_bare_headers_give_none(data):
    assert image_size(data) is None
