"""Image dimensions from the first bytes of a file, without decoding it.

Limits are enforced from the header so a 60000x60000 PNG bomb is refused before any pixel is
allocated. Formats: JPEG, PNG, WebP, BMP, TIFF and GIF.
"""

from __future__ import annotations

import struct

FORMATS = ("jpeg", "png", "webp", "bmp", "tiff", "gif")


def sniff_format(data: bytes) -> str | None:
    """The image format the magic bytes announce, or None."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:2] == b"BM":
        return "bmp"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    return None


def image_size(data: bytes) -> tuple[str, int, int] | None:
    """``(format, width, height)`` read from the header, or None when it cannot be read."""
    fmt = sniff_format(data)
    if fmt is None:
        return None
    try:
        size = _READERS[fmt](data)
    except (struct.error, IndexError, ValueError):
        return None
    if size is None:
        return None
    return fmt, size[0], size[1]


def _png(data: bytes) -> tuple[int, int] | None:
    if data[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", data[16:24])


def _gif(data: bytes) -> tuple[int, int]:
    return struct.unpack("<HH", data[6:10])


def _bmp(data: bytes) -> tuple[int, int]:
    header_size = struct.unpack("<I", data[14:18])[0]
    if header_size == 12:
        w, h = struct.unpack("<HH", data[18:22])
        return w, h
    w, h = struct.unpack("<ii", data[18:26])
    return abs(w), abs(h)


def _webp(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 ":
        w, h = struct.unpack("<HH", data[26:30])
        return w & 0x3FFF, h & 0x3FFF
    if chunk == b"VP8L":
        b = data[21:25]
        w = 1 + (((b[1] & 0x3F) << 8) | b[0])
        h = 1 + (((b[3] & 0xF) << 10) | (b[2] << 2) | ((b[1] & 0xC0) >> 6))
        return w, h
    if chunk == b"VP8X":
        w = 1 + int.from_bytes(data[24:27], "little")
        h = 1 + int.from_bytes(data[27:30], "little")
        return w, h
    return None


_SOF_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg(data: bytes) -> tuple[int, int] | None:
    i = 2
    n = len(data)
    while i + 4 <= n:
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if marker in _SOF_MARKERS:
            h, w = struct.unpack(">HH", data[i + 5 : i + 9])
            return w, h
        if marker == 0xDA:  # start of scan before any frame header: malformed
            return None
        i += 2 + length
    return None


_TIFF_WIDTH, _TIFF_LENGTH, _TIFF_BITS, _TIFF_SAMPLES = 256, 257, 258, 277
# 16-bit RGBA, the most a PNG holds: 40 MP of it is 320 MB decoded. A deflated TIFF of 4 float64
# samples (256 bits) would be 1.3 GB from a 1.3 MB file, more than the function's memory.
MAX_TIFF_BITS_PER_PIXEL = 64


def _tiff(data: bytes) -> tuple[int, int] | None:
    """Width and height from the first IFD; None (not a TIFF we read) when a size tag is
    repeated or not SHORT/LONG, or a pixel has more than MAX_TIFF_BITS_PER_PIXEL bits."""
    endian = "<" if data[:2] == b"II" else ">"
    offset = struct.unpack(endian + "I", data[4:8])[0]
    count = struct.unpack(endian + "H", data[offset : offset + 2])[0]
    tags: dict[int, list[int]] = {_TIFF_WIDTH: [], _TIFF_LENGTH: [], _TIFF_BITS: [],
                                  _TIFF_SAMPLES: []}
    for k in range(count):
        entry = data[offset + 2 + 12 * k : offset + 14 + 12 * k]
        tag, typ, n = struct.unpack(endian + "HHI", entry[:8])
        if tag not in tags:
            continue
        if typ not in (3, 4):  # SHORT or LONG, as the TIFF spec allows: else not our reading
            return None
        if tag == _TIFF_BITS and n > 1:  # one SHORT per sample, inline when they fit 4 bytes
            at = offset + 2 + 12 * k + 8 if n * 2 <= 4 else struct.unpack(
                endian + "I", entry[8:12])[0]
            values = struct.unpack(f"{endian}{n}H", data[at : at + 2 * n])
            tags[tag].append(max(values))
            continue
        value = (
            struct.unpack(endian + "H", entry[8:10])[0]
            if typ == 3
            else struct.unpack(endian + "I", entry[8:12])[0]
        )
        tags[tag].append(value)
    # A repeated tag is refused: libtiff keeps the first, so a header that said a small size
    # last would let a huge image past the limits.
    if any(len(values) > 1 for values in tags.values()):
        return None
    if len(tags[_TIFF_WIDTH]) != 1 or len(tags[_TIFF_LENGTH]) != 1:
        return None
    bits = (tags[_TIFF_BITS] or [1])[0] * (tags[_TIFF_SAMPLES] or [1])[0]
    if bits > MAX_TIFF_BITS_PER_PIXEL:
        return None
    return tags[_TIFF_WIDTH][0], tags[_TIFF_LENGTH][0]


_READERS = {"jpeg": _jpeg, "png": _png, "webp": _webp, "bmp": _bmp, "tiff": _tiff, "gif": _gif}
