"""The dataset stage's command line."""

import subprocess
import sys

import numpy as np
import pytest

pytestmark = pytest.mark.slow


def test_only_the_splits_asked_for_are_rendered(tmp_path):
    subprocess.run([sys.executable, "-m", "training.dataset", "--smoke", "--build-dir",
                    str(tmp_path), "--splits", "test"], check=True, timeout=300)
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["test.npz"]
    test = np.load(tmp_path / "data" / "test.npz")
    assert 0 < len(test["x"]) <= 90  # the smoke preset's test photos (a refused one is left out)
