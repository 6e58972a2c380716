"""The whole training pipeline on tiny data: render, train, export int8, evaluate, report."""

import json
import subprocess
import sys

import numpy as np
import pytest
from boardread.manifest import MODEL_NAMES
from boardread.reader import Reader

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def smoke_build(tmp_path_factory):
    build = tmp_path_factory.mktemp("smoke")
    for stage in ("dataset", "train", "export", "evaluate", "report"):
        subprocess.run([sys.executable, "-m", f"training.{stage}", "--smoke",
                        "--build-dir", str(build)], check=True, timeout=600)
    return build


def test_smoke_run_exports_three_int8_models_that_load(smoke_build):
    reader = Reader(smoke_build / "models")
    x = np.load(smoke_build / "data" / "test.npz")["x"]
    assert reader.read(x[0])[0].category in {"digit", "letter", "free_pattern"}
    for name in MODEL_NAMES:
        manifest = json.loads((smoke_build / "models" / f"{name}.json").read_text())
        assert manifest["input"]["dtype"] == "int8"
        assert manifest["data"]["config"]["photos"]["train"] == 240
        assert 0.0 <= manifest["metrics"]["test_accuracy"] <= 1.0
        assert (smoke_build / "models" / f"{name}.tflite").stat().st_size < 1_000_000


def test_smoke_run_writes_the_report(smoke_build):
    report = (smoke_build / "report" / "README.md").read_text()
    assert "| category | 0.78073 | 72.658 |" in report
    for name in ("confusion_category.png", "confusion_letter.png", "worst_misreads.png"):
        assert (smoke_build / "report" / name).stat().st_size > 1000


def test_smoke_splits_share_no_group(smoke_build):
    groups = {s: set(np.load(smoke_build / "data" / f"{s}.npz")["group"].tolist())
              for s in ("train", "val", "test")}
    assert not groups["train"] & groups["test"]
    assert not groups["train"] & groups["val"]
    assert not groups["val"] & groups["test"]
