"""boardread on the command line.

    boardread predict PHOTO...      one JSON object per photo per line, in order
    boardread evaluate FOLDER       score a labelled folder (digit/7/*.jpg, letter/K/*.jpg,
                                    free_pattern/*.jpg) and print the table
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import TextIO

from .errors import ReaderError
from .pipeline import read_board
from .reader import Reader

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff"}


def predict_file(path: str, reader: Reader, *, debug: bool = False) -> dict[str, object]:
    """The /predict body for one photo plus its path, or its error object."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return {"file": path, "error": {"code": "unreadable_file", "message": exc.strerror or str(exc)}}
    try:
        return {"file": path, **read_board(data, reader=reader, debug=debug).to_dict()}
    except ReaderError as exc:
        return {"file": path, "error": exc.to_dict()}


def labelled_photos(folder: Path) -> list[tuple[Path, str, str | None]]:
    """(photo, category, label) for the layout digit/7/*.jpg, letter/K/*.jpg, free_pattern/*."""
    found: list[tuple[Path, str, str | None]] = []
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() not in IMAGE_SUFFIXES or not path.is_file():
            continue
        parts = path.relative_to(folder).parts
        if parts[0] == "free_pattern":
            found.append((path, "free_pattern", None))
        elif parts[0] in ("digit", "letter") and len(parts) == 3:
            found.append((path, parts[0], parts[1].upper()))
    return found


def evaluate_folder(folder: Path, reader: Reader, out: TextIO) -> dict[str, dict[str, int]]:
    """Print and return per-category counts of photos read right end to end."""
    totals: dict[str, Counter[str]] = {}
    for path, category, label in labelled_photos(folder):
        result = predict_file(str(path), reader)
        counts = totals.setdefault(category, Counter())
        counts["photos"] += 1
        if "error" in result:
            counts["errors"] += 1
        elif result["category"] == category and result["label"] == label:
            counts["right"] += 1
        elif result["category"] == category:
            counts["category_right"] += 1
    print(f"{'category':<14}{'photos':>8}{'right':>8}{'accuracy':>10}{'errors':>8}", file=out)
    for category, counts in sorted(totals.items()):
        acc = counts["right"] / counts["photos"] if counts["photos"] else 0.0
        print(f"{category:<14}{counts['photos']:>8}{counts['right']:>8}{acc:>10.1%}"
              f"{counts['errors']:>8}", file=out)
    all_photos = sum(c["photos"] for c in totals.values())
    all_right = sum(c["right"] for c in totals.values())
    if all_photos:
        print(f"{'all':<14}{all_photos:>8}{all_right:>8}{all_right / all_photos:>10.1%}", file=out)
    return {k: dict(v) for k, v in totals.items()}


def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    parser = argparse.ArgumentParser(prog="boardread", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-dir", type=Path, help="models to use instead of the packaged ones")
    sub = parser.add_subparsers(dest="command", required=True)
    predict = sub.add_parser("predict", help="read photos, one JSON line each")
    predict.add_argument("photos", nargs="+")
    predict.add_argument("--debug", action="store_true", help="add board_png to each line")
    evaluate = sub.add_parser("evaluate", help="score a labelled folder")
    evaluate.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    reader = Reader(args.model_dir)
    if args.command == "predict":
        for path in args.photos:
            print(json.dumps(predict_file(path, reader, debug=args.debug)), file=out, flush=True)
        return 0
    if not args.folder.is_dir():
        parser.error(f"{args.folder} is not a folder")
    return 0 if evaluate_folder(args.folder, reader, out) else 1


if __name__ == "__main__":
    raise SystemExit(main())
