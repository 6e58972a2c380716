"""Fetch users' corrections: copy feedback/ of the stack's data bucket into a training folder.

    python -m boardread_deploy.feedback [--stack boardread] [--bucket NAME] [--to build/feedback]

`make sync-feedback` runs this; `make train EXTRA=build/feedback` then trains on the photos. The
prefix has the layout training reads: ``feedback/digit/7/<id>.jpg`` becomes
``<to>/digit/7/<id>.jpg``, ``feedback/free_pattern/<id>.jpg`` becomes ``<to>/free_pattern/<id>.jpg``.
A local file of the same size is not fetched again; nothing local is ever deleted. A key outside
that layout is skipped (and counted), so no key can write outside the folder.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from .publish import REPO, default_stack_name, stack_outputs

PREFIX = "feedback/"
DEFAULT_DIR = REPO / "build" / "feedback"
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}\.(jpg|jpeg|png)$")
_LABELS = {"digit": re.compile(r"^[0-9]$"), "letter": re.compile(r"^[A-Z]$")}


@dataclass
class SyncReport:
    fetched: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)  # keys outside the layout


def local_path(key: str) -> PurePosixPath | None:
    """The folder-relative path of a feedback key, or None if the key is not in the layout."""
    if not key.startswith(PREFIX):
        return None
    parts = PurePosixPath(key[len(PREFIX):]).parts
    if not parts or not _NAME.match(parts[-1]):
        return None
    if parts[0] == "free_pattern" and len(parts) == 2:
        return PurePosixPath(*parts)
    if len(parts) == 3 and parts[0] in _LABELS and _LABELS[parts[0]].match(parts[1]):
        return PurePosixPath(*parts)
    return None


def sync_feedback(s3: Any, bucket: str, dest: Path) -> SyncReport:
    """Copy every feedback photo not already in ``dest`` (same relative path and size)."""
    report = SyncReport()
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=PREFIX)
    for page in pages:
        for item in page.get("Contents", []):
            key, size = item["Key"], int(item["Size"])
            relative = local_path(key)
            if relative is None:
                report.skipped.append(key)
                continue
            target = dest.joinpath(*relative.parts)
            if target.is_file() and target.stat().st_size == size:
                report.unchanged += 1
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(target.name + ".part")
            s3.download_file(bucket, key, str(partial))
            partial.replace(target)  # a crash never leaves a half photo under a real name
            report.fetched.append(key)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", default=None, help="stack name (default: samconfig.toml's)")
    parser.add_argument("--bucket", help="data bucket name (default: the stack's DataBucketName)")
    parser.add_argument("--to", type=Path, default=DEFAULT_DIR, help="local training folder")
    parser.add_argument("--region", default=None)
    args = parser.parse_args(argv)

    import boto3  # the CLI needs AWS; importing this module (tests, --help) does not

    session = boto3.session.Session(region_name=args.region)
    bucket = args.bucket or stack_outputs(session.client("cloudformation"),
                                          args.stack or default_stack_name())["DataBucketName"]
    report = sync_feedback(session.client("s3"), bucket, args.to)
    print(f"{len(report.fetched)} photos fetched, {report.unchanged} already here, "
          f"{len(report.skipped)} keys outside the layout skipped -> {args.to}")
    for key in report.skipped[:10]:
        print(f"  skipped: {key}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
