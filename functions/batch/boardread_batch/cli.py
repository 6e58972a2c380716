"""Read a folder of photos on AWS: upload them, wait for the batch function, gather one CSV.

    boardread-batch upload FOLDER [--batch-id ID]         photos -> incoming/<batch id>/...
    boardread-batch collect BATCH_ID [--out results.csv]  results/<batch id>/... -> CSV
    boardread-batch run FOLDER [--out results.csv]        both, waiting up to --timeout s

The bucket is --bucket, or the DataBucketName output of the stack (--stack, default
samconfig.toml's stack_name). Progress goes to stderr, the CSV to --out (default: stdout).
Every photo under FOLDER (.jpg .jpeg .png .webp .bmp .tif .tiff, at any depth, not dotfiles)
is uploaded to ``incoming/<batch id>/<path under FOLDER>``; its result is
``results/<batch id>/<path under FOLDER>.json``.
"""

from __future__ import annotations

import argparse
import csv
import json
import mimetypes
import secrets
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from boardread.cli import IMAGE_SUFFIXES

from .keys import batch_prefix, check_batch_id, result_key, results_prefix
from .progress import Progress

CSV_COLUMNS = ["file", "key", "category", "label", "confidence", "board_found",
               "alternatives", "error_code", "error_message", "model_version"]
NO_RESULT = "no_result"
DEFAULT_TIMEOUT_S = 600.0
DEFAULT_POLL_S = 3.0


@dataclass(frozen=True)
class Photo:
    """A photo in the bucket: its path under the folder (= under the batch) and its key."""

    file: str
    key: str
    etag: str


def new_batch_id() -> str:
    """``20261125-153000-a1b2c3``: sorts by time, and two runs in one second still differ."""
    return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(3)


def find_photos(folder: Path) -> list[Path]:
    """The photos under ``folder``, sorted, skipping dotfiles and dot-folders."""
    return [path for path in sorted(folder.rglob("*"))
            if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES
            and not any(part.startswith(".") for part in path.relative_to(folder).parts)]


def upload_folder(s3: Any, bucket: str, folder: Path, batch_id: str, *, jobs: int = 8,
                  stream: TextIO | None = None) -> list[Photo]:
    """Upload every photo of ``folder`` to ``incoming/<batch id>/``; returns them in order."""
    prefix = batch_prefix(batch_id)
    paths = find_photos(folder)
    if not paths:
        raise SystemExit(f"no photos in {folder} ({', '.join(sorted(IMAGE_SUFFIXES))})")

    def put(path: Path) -> Photo:
        file = path.relative_to(folder).as_posix()
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        with path.open("rb") as body:
            done = s3.put_object(Bucket=bucket, Key=prefix + file, Body=body,
                                 ContentType=content_type)
        return Photo(file, prefix + file, str(done["ETag"]).strip('"'))

    photos: dict[Path, Photo] = {}
    with Progress("upload", len(paths), stream=stream) as bar, \
            ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {pool.submit(put, path): path for path in paths}
        for future in as_completed(futures):
            photos[futures[future]] = future.result()
            bar.advance()
    return [photos[path] for path in paths]


def listed_photos(s3: Any, bucket: str, batch_id: str) -> list[Photo]:
    """The photos of a batch, as the bucket lists them (for ``collect`` on its own)."""
    prefix = batch_prefix(batch_id)
    found = []
    for obj in _list(s3, bucket, prefix):
        if not obj["Key"].endswith("/"):
            found.append(Photo(obj["Key"][len(prefix):], obj["Key"], obj["ETag"].strip('"')))
    return sorted(found, key=lambda p: p.file)


def collect_results(s3: Any, bucket: str, batch_id: str, photos: list[Photo], *,
                    timeout_s: float = DEFAULT_TIMEOUT_S, poll_s: float = DEFAULT_POLL_S,
                    stream: TextIO | None = None, sleep: Callable[[float], None] = time.sleep,
                    clock: Callable[[], float] = time.monotonic) -> dict[str, dict[str, Any]]:
    """Each photo's result (by key), waiting up to ``timeout_s`` for the batch function. A
    result counts only when it is for the bytes uploaded (same ETag): an older upload's result
    under the same name is waited past. Photos with no result by then are left out."""
    wanted = {result_key(p.key): p for p in photos}
    results: dict[str, dict[str, Any]] = {}
    seen: dict[str, str] = {}  # result key -> the result object's ETag when last read
    deadline = clock() + timeout_s
    with Progress("results", len(photos), stream=stream) as bar:
        while True:
            for obj in _list(s3, bucket, results_prefix(batch_id)):
                photo = wanted.get(obj["Key"])
                if photo is None or photo.key in results or seen.get(obj["Key"]) == obj["ETag"]:
                    continue
                seen[obj["Key"]] = obj["ETag"]
                body = json.loads(s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read())
                if body.get("etag") == photo.etag:
                    results[photo.key] = body
            bar.update(len(results))
            if len(results) == len(photos) or clock() >= deadline:
                return results
            sleep(max(0.0, min(poll_s, deadline - clock())))


def csv_rows(photos: Iterable[Photo], results: dict[str, dict[str, Any]], *,
             timeout_s: float) -> list[dict[str, Any]]:
    """One row per photo, in the photos' order; a photo with no result gets ``no_result``."""
    rows = []
    for photo in photos:
        body = results.get(photo.key)
        row: dict[str, Any] = {"file": photo.file, "key": photo.key}
        if body is None:
            row["error_code"] = NO_RESULT
            row["error_message"] = f"no result within {timeout_s:g} s; collect again later"
        elif "error" in body:
            row["error_code"] = body["error"]["code"]
            row["error_message"] = body["error"]["message"]
            row["model_version"] = body.get("model_version")
        else:
            row.update({k: body[k] for k in ("category", "label", "confidence", "model_version")})
            row["board_found"] = "true" if body["board_found"] else "false"
            row["alternatives"] = "; ".join(_option(o) for o in body["alternatives"])
        rows.append({column: row.get(column) for column in CSV_COLUMNS})
    return rows


def write_csv(rows: list[dict[str, Any]], out: TextIO) -> None:
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def data_bucket(session: Any, stack: str | None) -> str:
    """The stack's DataBucketName output, read as `make publish` reads its outputs."""
    from boardread_deploy.publish import default_stack_name, stack_outputs

    name = stack or default_stack_name()
    outputs = stack_outputs(session.client("cloudformation"), name)
    if "DataBucketName" not in outputs:
        raise SystemExit(f"stack {name} has no DataBucketName output: deploy this version first")
    return outputs["DataBucketName"]


def main(argv: list[str] | None = None, *, session: Any = None, stdout: TextIO | None = None,
         stderr: TextIO | None = None, sleep: Callable[[float], None] = time.sleep) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    args = _parser().parse_args(argv)
    if session is None:
        import boto3

        session = boto3.session.Session(region_name=args.region)
    s3 = session.client("s3")
    bucket = args.bucket or data_bucket(session, args.stack)

    if args.command in ("upload", "run"):
        if not args.folder.is_dir():
            raise SystemExit(f"{args.folder} is not a folder")
        batch_id = check_batch_id(args.batch_id or new_batch_id())
        photos = upload_folder(s3, bucket, args.folder, batch_id, jobs=args.jobs, stream=stderr)
        print(f"uploaded {len(photos)} photos to s3://{bucket}/{batch_prefix(batch_id)}",
              file=stderr)
        if args.command == "upload":
            print(batch_id, file=stdout)
            return 0
    else:
        batch_id = check_batch_id(args.batch_id)
        photos = listed_photos(s3, bucket, batch_id)
        if not photos:
            raise SystemExit(f"no photos under s3://{bucket}/{batch_prefix(batch_id)}")

    results = collect_results(s3, bucket, batch_id, photos, timeout_s=args.timeout, poll_s=args.poll,
                              stream=stderr, sleep=sleep)
    rows = csv_rows(photos, results, timeout_s=args.timeout)
    if args.out is None:
        write_csv(rows, stdout)
    else:
        with args.out.open("w", newline="", encoding="utf-8") as out:
            write_csv(rows, out)
    missing = len(photos) - len(results)
    errors = sum(1 for row in rows if row["error_code"] not in (None, NO_RESULT))
    print(f"batch {batch_id}: {len(results)} results ({errors} photos unreadable), "
          f"{missing} missing" + (f"; CSV in {args.out}" if args.out else ""), file=stderr)
    if missing:
        print(f"run `boardread-batch collect {batch_id}` later for the rest", file=stderr)
    return 1 if missing else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="boardread-batch", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--bucket", help="the data bucket (default: the stack's DataBucketName)")
    where.add_argument("--stack", help="stack name (default: samconfig.toml's stack_name)")
    where.add_argument("--region", help="default: the AWS config's region")
    sending = argparse.ArgumentParser(add_help=False)
    sending.add_argument("folder", type=Path)
    sending.add_argument("--batch-id", help="default: the time and 6 random hex digits")
    sending.add_argument("--jobs", type=int, default=8, help="parallel uploads (default 8)")
    waiting = argparse.ArgumentParser(add_help=False)
    waiting.add_argument("--out", type=Path, help="CSV file (default: stdout)")
    waiting.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S,
                         help=f"seconds to wait for the results (default {DEFAULT_TIMEOUT_S:g})")
    waiting.add_argument("--poll", type=float, default=DEFAULT_POLL_S,
                         help=f"seconds between looks (default {DEFAULT_POLL_S:g})")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("upload", parents=[where, sending], help="upload a folder; prints the batch id")
    collect = sub.add_parser("collect", parents=[where, waiting],
                             help="wait for a batch's results and write the CSV")
    collect.add_argument("batch_id")
    sub.add_parser("run", parents=[where, sending, waiting], help="upload, then collect")
    return parser


def _list(s3: Any, bucket: str, prefix: str) -> Iterable[dict[str, Any]]:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        yield from page.get("Contents", [])


def _option(option: dict[str, Any]) -> str:
    name = option["category"] if option["label"] is None else (
        f"{option['category']} {option['label']}")
    return f"{name} ({option['confidence']:.4f})"


if __name__ == "__main__":
    sys.exit(main())
