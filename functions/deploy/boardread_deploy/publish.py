"""Publish the page: upload web/ to the stack's site bucket, with config.js pointing at its API.

    python -m boardread_deploy.publish [--stack boardread] [--web-dir web] [--region eu-west-1]

Run after `sam deploy` (`make deploy` runs both). It reads the stack's outputs (ApiUrl,
SiteBucketName, SiteUrl), writes ``config.js`` from ApiUrl (replacing any local one), uploads every
other file of web/ with its Content-Type, and deletes objects web/ no longer has.
"""

from __future__ import annotations

import argparse
import mimetypes
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from boardread_api.site import CONFIG_JS, config_js

REPO = Path(__file__).resolve().parents[3]
WEB_DIR = REPO / "web"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
}
# The page and its config change with each deploy: browsers must revalidate them.
NO_CACHE = {"index.html", CONFIG_JS}
SKIPPED_SUFFIXES = {".py", ".pyc", ".md"}
SKIPPED_DIRS = {"screenshots", "__pycache__"}  # the README's pictures are not part of the page


@dataclass(frozen=True)
class Upload:
    key: str
    body: bytes
    content_type: str
    cache_control: str


def default_stack_name() -> str:
    """``stack_name`` from samconfig.toml, so `sam deploy` and this agree by default."""
    config = tomllib.loads((REPO / "samconfig.toml").read_text())
    name: str = config["default"]["global"]["parameters"]["stack_name"]
    return name


def stack_outputs(cloudformation: Any, stack_name: str) -> dict[str, str]:
    (stack,) = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def content_type(path: Path) -> str:
    return CONTENT_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or (
        "application/octet-stream")


def site_files(web_dir: Path) -> Iterator[Path]:
    """The page's files: no dotfiles, caches, scripts, notes or the README's screenshots, and
    not the local config.js."""
    for path in sorted(web_dir.rglob("*")):
        relative = path.relative_to(web_dir)
        if not path.is_file() or any(part.startswith(".") or part in SKIPPED_DIRS
                                     for part in relative.parts):
            continue
        if path.suffix.lower() in SKIPPED_SUFFIXES or relative.as_posix() == CONFIG_JS:
            continue
        yield path


def plan_uploads(web_dir: Path, api_url: str) -> list[Upload]:
    uploads = [Upload(CONFIG_JS, config_js(api_url).encode(), CONTENT_TYPES[".js"], "no-cache")]
    for path in site_files(web_dir):
        key = path.relative_to(web_dir).as_posix()
        cache = "no-cache" if key in NO_CACHE else "public, max-age=300"
        uploads.append(Upload(key, path.read_bytes(), content_type(path), cache))
    return uploads


def publish_site(web_dir: Path, stack_name: str, *, cloudformation: Any, s3: Any,
                 delete_stale: bool = True) -> dict[str, Any]:
    """Upload the page to the stack's site bucket. Returns what was done (keys, URLs)."""
    if not (web_dir / "index.html").is_file():
        raise SystemExit(f"{web_dir}/index.html is missing: nothing to publish")
    outputs = stack_outputs(cloudformation, stack_name)
    missing = {"ApiUrl", "SiteBucketName", "SiteUrl"} - set(outputs)
    if missing:
        raise SystemExit(f"stack {stack_name} has no output(s) {sorted(missing)}")
    bucket = outputs["SiteBucketName"]
    uploads = plan_uploads(web_dir, outputs["ApiUrl"])
    for upload in uploads:
        s3.put_object(Bucket=bucket, Key=upload.key, Body=upload.body,
                      ContentType=upload.content_type, CacheControl=upload.cache_control)
    stale: list[str] = []
    if delete_stale:
        keep = {u.key for u in uploads}
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            stale += [o["Key"] for o in page.get("Contents", []) if o["Key"] not in keep]
        for start in range(0, len(stale), 1000):
            s3.delete_objects(Bucket=bucket, Delete={
                "Objects": [{"Key": k} for k in stale[start:start + 1000]], "Quiet": True})
    return {"bucket": bucket, "uploaded": [u.key for u in uploads], "deleted": stale,
            "api_url": outputs["ApiUrl"], "site_url": outputs["SiteUrl"]}


def main(argv: list[str] | None = None) -> int:
    import boto3

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", default=None, help="stack name (default: samconfig.toml's)")
    parser.add_argument("--web-dir", type=Path, default=WEB_DIR)
    parser.add_argument("--region", default=None, help="default: the AWS config's region")
    parser.add_argument("--keep-stale", action="store_true", help="do not delete old objects")
    args = parser.parse_args(argv)
    session = boto3.session.Session(region_name=args.region)
    done = publish_site(args.web_dir, args.stack or default_stack_name(),
                        cloudformation=session.client("cloudformation"),
                        s3=session.client("s3"), delete_stale=not args.keep_stale)
    for key in done["uploaded"]:
        print(f"uploaded s3://{done['bucket']}/{key}")
    for key in done["deleted"]:
        print(f"deleted  s3://{done['bucket']}/{key}")
    print(f"API  {done['api_url']}\nPage {done['site_url']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
