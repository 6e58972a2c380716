"""Figures for the reader itself: model sizes and per-stage latency on rendered photos.

    python -m training.bench [--photos N]

Single-threaded (as on Lambda). Inference is both stages: category model, then the digit
and/or letter model as the reader decides.
"""

from __future__ import annotations

import argparse
import time

import cv2
import numpy as np
from boardread.board import extract_board
from boardread.decode import decode_image
from boardread.manifest import MODEL_NAMES
from boardread.normalise import normalise_glyph
from boardread.reader import Reader

from .glyphs import GlyphSpec
from .render import render_photo

SPECS = (GlyphSpec("hershey", "digit", "7", "hershey:futura", "futural", "7"),
         GlyphSpec("hershey", "letter", "K", "hershey:roman", "rowmans", "K"),
         GlyphSpec("shape", "free_pattern", None, "shape:heart:1", "heart", "1"))


def photos_at(side: int, count: int) -> list[bytes]:
    """Rendered board photos re-encoded as JPEG at ``side`` px on the long side."""
    out = []
    for i in range(count):
        data = render_photo(SPECS[i % len(SPECS)], 100 + i).data
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        scale = side / max(image.shape[:2])
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
        out.append(cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes())
    return out


def percentiles(values: list[float]) -> str:
    a = np.array(values)
    return f"p50 {np.percentile(a, 50):6.2f}  p95 {np.percentile(a, 95):6.2f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=30)
    args = parser.parse_args(argv)
    cv2.setNumThreads(1)
    reader = Reader()
    print(f"models {reader.version}")
    for name in MODEL_NAMES:
        print(f"  {name:<9} {reader.manifests[name].path.stat().st_size / 1024:7.1f} KB")
    print(f"\nper photo, ms ({args.photos} photos per size, 1 thread)")
    print(f"{'size':>6}  {'decode':^22}  {'preprocess':^22}  {'inference (2 stages)':^22}")
    for side in (640, 1600, 4032):
        timings: dict[str, list[float]] = {"decode": [], "preprocess": [], "inference": []}
        for data in photos_at(side, args.photos):
            for _ in range(3):
                t0 = time.perf_counter()
                grey = decode_image(data)
                t1 = time.perf_counter()
                glyph = normalise_glyph(extract_board(grey).image)
                t2 = time.perf_counter()
                reader.read(glyph.image)
                t3 = time.perf_counter()
                timings["decode"].append((t1 - t0) * 1e3)
                timings["preprocess"].append((t2 - t1) * 1e3)
                timings["inference"].append((t3 - t2) * 1e3)
        print(f"{side:>6}  " + "  ".join(percentiles(timings[k]) for k in timings))


if __name__ == "__main__":
    main()
