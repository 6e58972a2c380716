"""`sam build` as `make build` runs it (no container), then the size and bytecode report with each
built function answering its smoke event: what `sam deploy` would upload works and fits."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SAM = str(Path(sys.executable).with_name("sam"))

pytestmark = pytest.mark.slow


def test_sam_build_fits_and_every_function_answers(tmp_path: Path) -> None:
    build_dir = tmp_path / "build"
    env = {**os.environ, "PYTHON": sys.executable, "SAM_CLI_TELEMETRY": "0"}
    built = subprocess.run([SAM, "build", "--build-dir", str(build_dir)], cwd=REPO, env=env,
                           capture_output=True, text=True, timeout=900, check=False)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    report = subprocess.run([sys.executable, str(REPO / "layers" / "size_report.py"),
                             str(build_dir)], capture_output=True, text=True, timeout=300,
                            check=False)
    assert report.returncode == 0, report.stdout + report.stderr
    for function in ("ApiFunction", "BatchFunction"):
        assert function in report.stdout
    assert (build_dir / "ReaderLayer" / "python" / "boardread" / "models"
            / "category.tflite").is_file()
