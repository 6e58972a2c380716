"""The whole training pipeline on tiny data: render, train, export int8, evaluate, report."""

import json
import subprocess
import sys

import cv2
import numpy as np
import pytest
from boardread.manifest import MODEL_NAMES
from boardread.reader import Reader

from training.dataset import CATEGORIES
from training.glyphs import GlyphSpec
from training.render import BOARD_STYLES, render_photo

pytestmark = pytest.mark.slow


# A folder of "real" labelled photos (the layout `make sync-feedback` writes), mixed in with --extra.
REAL = {"digit/7": GlyphSpec("hershey", "digit", "7", "g", "futural", "7"),
        "letter/K": GlyphSpec("hershey", "letter", "K", "g", "rowmans", "k"),
        "free_pattern": GlyphSpec("shape", "free_pattern", None, "g", "heart", "1")}
REAL_PER_CLASS = 6


@pytest.fixture(scope="module")
def smoke_build(tmp_path_factory):
    build = tmp_path_factory.mktemp("smoke")
    real = tmp_path_factory.mktemp("real")
    for folder, spec in REAL.items():
        (real / folder).mkdir(parents=True)
        for i in range(REAL_PER_CLASS):
            (real / folder / f"{i}.jpg").write_bytes(render_photo(spec, 100 + i).data)
    for stage in ("dataset", "train", "export", "evaluate", "report"):
        extra = ["--extra", str(real)] if stage == "dataset" else []
        subprocess.run([sys.executable, "-m", f"training.{stage}", "--smoke",
                        "--build-dir", str(build), *extra], check=True, timeout=600)
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
    for folder in (smoke_build / "models", smoke_build / "models" / "float32"):
        classes = json.loads((folder / "category.json").read_text())["class_labels"]
        _, logits = Reader(folder).models["category"].predict_with_logits(x[0])
        assert logits.shape == (len(classes),)


def test_smoke_run_writes_the_report(smoke_build):
    report = (smoke_build / "report" / "README.md").read_text()
    assert "| category | 0.78073 | 72.658 |" in report
    assert "| board style | digit | free_pattern | letter |" in report  # style x category
    for name in ("confusion_category.png", "confusion_letter.png", "worst_misreads.png"):
        assert (smoke_build / "report" / name).stat().st_size > 1000


def test_smoke_splits_share_no_group(smoke_build):
    groups = {s: set(np.load(smoke_build / "data" / f"{s}.npz")["group"].tolist())
              for s in ("train", "val", "test")}
    assert not groups["train"] & groups["test"]
    assert not groups["train"] & groups["val"]
    assert not groups["val"] & groups["test"]


def test_the_board_style_does_not_give_the_category_away(smoke_build):
    """Every category is rendered on every board style (once every digit was on a whiteboard and
    every free pattern on an LED board or a pegboard: the models could read the board, not the
    glyph)."""
    train = np.load(smoke_build / "data" / "train.npz")
    pairs = set(zip(train["category"].tolist(), train["style"].tolist()))
    assert pairs == {(c, s) for c in CATEGORIES for s in BOARD_STYLES}


def test_real_photos_are_scored_apart_and_reported(smoke_build):
    held_out = np.load(smoke_build / "data" / "user-test.npz")
    metrics = json.loads((smoke_build / "eval" / "metrics.json").read_text())
    real = metrics["models"]["int8"]["real_photos"]
    assert real["all"]["all"]["samples"] == len(held_out["x"]) > 0
    rendered = metrics["models"]["int8"]["end_to_end"]["all"]["all"]["samples"]
    assert rendered == len(np.load(smoke_build / "data" / "test.npz")["x"])
    report = (smoke_build / "report" / "README.md").read_text()
    assert "## Real photos" in report
    assert f"| **all** | {len(held_out['x'])} |" in report


def test_real_photos_train_and_test_never_share_a_photo(smoke_build):
    train = set(np.load(smoke_build / "data" / "user-train.npz")["group"].tolist())
    test = set(np.load(smoke_build / "data" / "user-test.npz")["group"].tolist())
    assert train and test and not train & test


def test_the_review_draws_misreads_and_tallies_a_persons_judgement(smoke_build, tmp_path):
    judged = tmp_path / "judged.txt"
    judged.write_text("# two of three judged\n0 A narrow o\n2 P\n")
    run = subprocess.run([sys.executable, "-m", "training.review", "--smoke", "--build-dir",
                          str(smoke_build), "--sample", "3", "--judged", str(judged)],
                         check=True, timeout=300, capture_output=True, text=True)
    top = [float(line.split(": ")[1].rstrip(" %")) for line in run.stdout.splitlines()
           if "best answers" in line]
    assert len(top) == 3 and top == sorted(top) and top[0] < 100  # a smoke model misreads
    grid = smoke_build / "review" / "test-00.png"
    assert cv2.imread(str(grid)).shape == (200, 3 * 420, 3)  # one row of 3 tiles
    assert "2 of 3 sampled misreads judged" in run.stdout
    assert "| A: ambiguous to a person | 1 | 50 % |" in run.stdout
