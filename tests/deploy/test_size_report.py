"""layers/size_report.py, as `make build` runs it, on a small fake build directory."""

from __future__ import annotations

import py_compile
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "layers" / "size_report.py"


def fake_build(root: Path, *, mode: py_compile.PycInvalidationMode) -> Path:
    for artifact in ("ApiFunction", "BatchFunction", "RuntimeLayer/python", "ReaderLayer/python"):
        package = root / artifact / f"pkg_{artifact.split('/')[0].lower()}"
        package.mkdir(parents=True)
        source = package / "__init__.py"
        source.write_text("VALUE = 1\n")
        py_compile.compile(str(source), invalidation_mode=mode, doraise=True)
    (root / "RuntimeLayer/python/blob.bin").write_bytes(b"\0" * 300_000)
    return root


def report(build: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), str(build), "--no-smoke", *extra],
                          capture_output=True, text=True, timeout=60, check=False)


def test_valid_build_passes(tmp_path: Path) -> None:
    done = report(fake_build(tmp_path, mode=py_compile.PycInvalidationMode.UNCHECKED_HASH))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "limit 220 MiB: OK" in done.stdout


def test_over_the_limit_fails(tmp_path: Path) -> None:
    build = fake_build(tmp_path, mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    done = report(build, "--limit-mib", "0.1")
    assert done.returncode == 1 and "OVER" in done.stdout


def test_timestamp_bytecode_fails(tmp_path: Path) -> None:
    done = report(fake_build(tmp_path, mode=py_compile.PycInvalidationMode.TIMESTAMP))
    assert done.returncode == 1 and "not unchecked-hash" in done.stderr


def test_stale_or_missing_bytecode_fails(tmp_path: Path) -> None:
    build = fake_build(tmp_path, mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    (build / "ApiFunction/pkg_apifunction/__init__.py").write_text("VALUE = 2\n")
    (build / "ReaderLayer/python/pkg_readerlayer/extra.py").write_text("X = 1\n")
    done = report(build)
    assert done.returncode == 1
    assert "__init__.py: stale" in done.stderr and "extra.py: missing" in done.stderr


def test_missing_artifact_says_to_build(tmp_path: Path) -> None:
    done = report(tmp_path)
    assert done.returncode == 1 and "sam build" in done.stderr


def test_each_function_is_counted_with_the_layers(tmp_path: Path) -> None:
    """Lambda's limit is per function (its code and its layers), so a big batch function fails
    on its own total while the API's stays under."""
    build = fake_build(tmp_path, mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    (build / "BatchFunction/blob.bin").write_bytes(b"\0" * 200_000)
    done = report(build, "--limit-mib", "0.4")
    assert done.returncode == 1
    lines = {line.split()[0]: line for line in done.stdout.splitlines() if "+ layers" in line}
    assert "OK" in lines["ApiFunction"] and "OVER" in lines["BatchFunction"]
