"""Bytes to a greyscale image, refusing what cannot or should not be decoded."""

from __future__ import annotations

import cv2
import numpy as np

from .errors import ImageTooLarge, ImageTooSmall, InvalidImage
from .imagesize import image_size

DEFAULT_MAX_PIXELS = 40_000_000
DEFAULT_MIN_SIDE = 16
# The preprocessing never needs more than this on the long side; bigger JPEGs are decoded reduced.
WORKING_SIDE = 800

_REDUCED_GREY = {1: cv2.IMREAD_GRAYSCALE, 2: cv2.IMREAD_REDUCED_GRAYSCALE_2,
                 4: cv2.IMREAD_REDUCED_GRAYSCALE_4, 8: cv2.IMREAD_REDUCED_GRAYSCALE_8}
_DECODABLE = {"jpeg", "png", "webp", "bmp", "tiff"}
# libjpeg's own progressions have at most 10 scans. Each scan is a pass over every coefficient of
# the image, so a crafted file of thousands of tiny scans takes minutes to decode: refused unread.
MAX_JPEG_SCANS = 100
# Colour, 16-bit and alpha images are made grey this many pixels at a time, so a 40 MP RGBA
# 16-bit PNG needs a few MB of temporaries rather than 1.4 GB (Lambda has 1769 MB in all).
_STRIP_PIXELS = 1 << 18


def check_image_header(
    data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS, min_side: int = DEFAULT_MIN_SIDE
) -> tuple[str, int, int]:
    """Format and size from the header; raises before any pixel is decoded."""
    if not data:
        raise InvalidImage("The upload is empty.")
    header = image_size(data)
    if header is None or header[0] not in _DECODABLE:
        raise InvalidImage()
    fmt, width, height = header
    if width <= 0 or height <= 0:
        raise InvalidImage()
    if min(width, height) < min_side:
        raise ImageTooSmall(
            f"The image is {width}x{height} px; each side must be at least {min_side} px."
        )
    if width * height > max_pixels:
        raise ImageTooLarge(
            f"The image is {width}x{height} px ({width * height / 1e6:.1f} MP); "
            f"the limit is {max_pixels / 1e6:.0f} MP."
        )
    if fmt == "jpeg":
        scans = _jpeg_scan_count(data)
        if scans > MAX_JPEG_SCANS:
            raise InvalidImage(
                f"The JPEG has {scans} scans; at most {MAX_JPEG_SCANS} are read."
            )
    return fmt, width, height


def decode_image(
    data: bytes,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    min_side: int = DEFAULT_MIN_SIDE,
    working_side: int = WORKING_SIDE,
) -> np.ndarray:
    """Decode to a uint8 greyscale image whose long side is at most ``2 * working_side``.

    EXIF orientation is honoured for JPEG; transparency is composited on white; 16-bit and
    palette images are reduced to 8-bit grey. Raises InvalidImage, ImageTooSmall, ImageTooLarge.
    """
    fmt, width, height = check_image_header(data, max_pixels=max_pixels, min_side=min_side)
    buf = np.frombuffer(data, dtype=np.uint8)
    if fmt == "jpeg":
        if not _jpeg_is_complete(data):
            raise InvalidImage("The JPEG file is truncated.")
        factor = _reduction_factor(max(width, height), working_side)
        image = cv2.imdecode(buf, _REDUCED_GREY[factor])
    else:
        image = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
        if image is not None:
            image = _to_grey(image)
    if image is None or image.size == 0 or min(image.shape[:2]) < 1:
        raise InvalidImage()
    return _limit_side(image, 2 * working_side)


def _reduction_factor(long_side: int, working_side: int) -> int:
    factor = 1
    while factor < 8 and long_side / (factor * 2) >= working_side:
        factor *= 2
    return factor


# Both marker searches below avoid bytes.find/count over the entropy-coded data: it is full of
# FF bytes (stuffed as FF00), where a two-byte search crawls (0.43 ms each in a 500 KB JPEG).


def _jpeg_is_complete(data: bytes) -> bool:
    """True when an end-of-image marker follows the first scan (entropy data never holds FFD9).
    Searched from the end, where it is."""
    scan = data.find(b"\xff\xda")
    return scan >= 0 and data.rfind(b"\xff\xd9", scan) > scan


def _jpeg_scan_count(data: bytes) -> int:
    """Start-of-scan markers from the first on (entropy-coded data never holds FFDA): FF bytes
    followed by DA, counted in one pass of numpy (two can never overlap)."""
    first = data.find(b"\xff\xda")
    if first < 0:
        return 0
    tail = np.frombuffer(data, np.uint8)[first:]
    return int(np.count_nonzero((tail[:-1] == 0xFF) & (tail[1:] == 0xDA)))


def _to_grey(image: np.ndarray) -> np.ndarray:
    """uint8 grey, converted in strips of rows: every step is per pixel, so the result is the
    same as converting the whole image at once."""
    if image.dtype not in (np.uint8, np.uint16):  # float TIFF: stretched over the whole image
        stretched = np.empty(image.shape, np.float32)
        cv2.normalize(image.astype(np.float32), stretched, 0, 255, cv2.NORM_MINMAX)
        image = stretched.astype(np.uint8)
    if image.ndim == 2 and image.dtype == np.uint8:
        return image
    rows = max(1, _STRIP_PIXELS // image.shape[1])
    grey = np.empty(image.shape[:2], np.uint8)
    for top in range(0, image.shape[0], rows):
        grey[top : top + rows] = _pixels_to_grey(image[top : top + rows])
    return grey


def _pixels_to_grey(image: np.ndarray) -> np.ndarray:
    if image.dtype == np.uint16:
        image = (image >> 8).astype(np.uint8)
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


def _limit_side(image: np.ndarray, max_side: int) -> np.ndarray:
    h, w = image.shape[:2]
    if max(h, w) <= max_side:
        return image
    scale = max_side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)
