"""Size and bytecode check of a `sam build`: each function plus its layers, unzipped, against a
limit.

    python layers/size_report.py [.aws-sam/build] [--limit-mib 220] [--no-smoke]

Prints each artifact's unzipped size and each function's total with the layers (Lambda's limit
is per function: its code and all its layers); fails (exit 1) when a total is over the limit,
when any .py lacks a valid unchecked-hash .pyc for this Python (Lambda's /var/task and /opt are
read-only, so missing bytecode is recompiled on every cold start), or when a built function
cannot answer its smoke event with only the standard library and the artifacts on sys.path:
ApiFunction events/health.json, BatchFunction events/batch/put-outside-incoming.json (imports,
models, a skipped object; no S3, which Lambda's runtime brings).
Sizes are MiB (2**20 bytes), the unit of Lambda's 250 MB limit (262,144,000 bytes).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = {"ApiFunction": "", "BatchFunction": "", "RuntimeLayer": "python",
             "ReaderLayer": "python"}
FUNCTIONS = ("ApiFunction", "BatchFunction")  # both use both layers
LAYERS = ("RuntimeLayer", "ReaderLayer")
# Per function: Python run in the built artifacts; it prints a JSON line, checked by OK.
SMOKE = {
    "ApiFunction": (
        "from boardread_api.handler import handler\n"
        f"event = json.load(open({str(REPO / 'events' / 'health.json')!r}))\n"
        "result = handler(event, Context())\n"
        "body = json.loads(result['body'])\n"
        "print(json.dumps({'status': result['statusCode'], 'detail': body.get('model_version')}))\n"
    ),
    "BatchFunction": (
        "from boardread_batch.handler import handler\n"
        "event = json.load(open("
        f"{str(REPO / 'events' / 'batch' / 'put-outside-incoming.json')!r}))\n"
        "(answer,) = handler(event, Context())['objects']\n"
        "print(json.dumps({'status': answer['status'], 'detail': answer['key']}))\n"
    ),
}
OK = {"ApiFunction": 200, "BatchFunction": "skipped"}
MIB = 2**20
FLAG_HASH_BASED, FLAG_CHECK_SOURCE = 0b01, 0b10


@dataclass
class Artifact:
    name: str
    root: Path  # the directory Lambda puts on sys.path (/var/task or /opt/python)
    bytes: int
    files: int
    sources: int
    bad_pyc: list[str]


def pyc_problem(source: Path) -> str | None:
    """None when ``source`` has a .pyc this interpreter loads without checking mtimes."""
    pyc = Path(importlib.util.cache_from_source(str(source)))
    if not pyc.is_file():
        return "missing"
    header = pyc.read_bytes()[:16]
    if header[:4] != importlib.util.MAGIC_NUMBER:
        return "other Python version"
    flags = int.from_bytes(header[4:8], "little")
    if not flags & FLAG_HASH_BASED or flags & FLAG_CHECK_SOURCE:
        return "not unchecked-hash"
    if header[8:16] != importlib.util.source_hash(source.read_bytes()):
        return "stale"
    return None


def artifact_root(build_dir: Path, name: str) -> Path:
    """The directory of a built artifact that Lambda puts on sys.path."""
    sub = ARTIFACTS[name]
    return build_dir / name / sub if sub else build_dir / name


def lambda_sys_path(build_dir: Path, function: str) -> list[Path]:
    """A built function's sys.path on Lambda: its code, then its layers'."""
    return [artifact_root(build_dir, name) for name in (function, *LAYERS)]


def inspect(name: str, root: Path) -> Artifact:
    files = [p for p in root.rglob("*") if p.is_file()]
    sources = [p for p in files if p.suffix == ".py"]
    bad = [f"{p.relative_to(root)}: {problem}" for p in sources
           if (problem := pyc_problem(p)) is not None]
    return Artifact(name, root, sum(p.stat().st_size for p in files), len(files), len(sources), bad)


def smoke_test(function: str, build_dir: Path) -> dict[str, Any]:
    """The function's smoke event through its built handler, in a Python without site-packages
    and with only this function's artifacts on sys.path."""
    paths = [str(p) for p in lambda_sys_path(build_dir, function)]
    code = (
        "import json, sys\n"
        f"sys.path[:0] = {paths!r}\n"
        "class Context: aws_request_id = 'size-report'\n"
        + SMOKE[function]
    )
    done = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True,
                          timeout=120, check=False,
                          env={"PATH": "/usr/bin:/bin", "BOARDREAD_LOG_LEVEL": "ERROR"})
    if done.returncode != 0:
        raise SystemExit(f"{function} smoke test failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build_dir", nargs="?", type=Path, default=REPO / ".aws-sam" / "build")
    parser.add_argument("--limit-mib", type=float, default=220.0)
    parser.add_argument("--no-smoke", action="store_true", help="skip the health smoke test")
    args = parser.parse_args(argv)

    artifacts = []
    for name in ARTIFACTS:
        root = artifact_root(args.build_dir, name)
        if not root.is_dir():
            print(f"{root} is missing: run `sam build` first", file=sys.stderr)
            return 1
        artifacts.append(inspect(name, root))

    print(f"{'artifact':<24}{'unzipped MiB':>14}{'files':>8}{'.py':>7}{'valid .pyc':>12}")
    for a in artifacts:
        print(f"{a.name:<24}{a.bytes / MIB:>14.1f}{a.files:>8}{a.sources:>7}"
              f"{a.sources - len(a.bad_pyc):>12}")
    failed = False
    by_name = {a.name: a for a in artifacts}
    for function in FUNCTIONS:
        total = sum(by_name[name].bytes for name in (function, *LAYERS)) / MIB
        verdict = "OK" if total <= args.limit_mib else "OVER"
        print(f"{function + ' + layers':<24}{total:>14.1f}   limit {args.limit_mib:.0f} MiB: "
              f"{verdict} ({total * MIB / 1e6:.1f} MB decimal)")
        failed |= total > args.limit_mib

    for a in artifacts:
        if a.bad_pyc:
            failed = True
            print(f"{a.name}: {len(a.bad_pyc)} .py without valid bytecode, e.g.", file=sys.stderr)
            for line in a.bad_pyc[:10]:
                print(f"  {line}", file=sys.stderr)
    if not args.no_smoke:
        for function in FUNCTIONS:
            result = smoke_test(function, args.build_dir)
            print(f"smoke test {function}: {result['status']} ({result['detail']})")
            failed |= result["status"] != OK[function]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
