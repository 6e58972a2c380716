import numpy as np
from boardread.pieces import _group_by_drawing, _group_by_gap


def test_many_pieces_are_grouped_as_few_are():
    """Past a few hundred pieces the grouping draws the boxes instead of comparing every pair:
    the groups must be the same."""
    rng = np.random.default_rng(1)
    for _ in range(500):
        n, side = int(rng.integers(1, 60)), int(rng.integers(20, 200))
        x, y = rng.integers(0, side, n), rng.integers(0, side, n)
        w, h = rng.integers(1, 12, n), rng.integers(1, 12, n)
        boxes = np.stack([x, y, x + w, y + h], axis=1).astype(float)
        gap = float(rng.choice([0, 1, 2, 3, 5, 7.5, 10.9]))
        assert np.array_equal(_group_by_gap(boxes, gap), _group_by_drawing(boxes, int(gap)))
