"""Histogram medians and percentiles: numpy's numbers exactly, with or without a mask."""

import numpy as np
import pytest
from boardread.greylevels import grey_median, grey_percentile

QUANTILES = (0, 0.1, 1, 25, 50, 75, 99, 99.5, 99.8, 100)


def samples():
    rng = np.random.default_rng(3)
    for n in (1, 2, 3, 4, 7, 100, 1001, 76_800):
        yield (rng.random(n) ** 3 * 255).astype(np.uint8)  # skewed, like ink on a board
        yield rng.integers(0, 2, n).astype(np.uint8) * 200  # two levels: ties everywhere
    yield np.full((240, 320), 17, np.uint8)
    yield (rng.random((360, 480)) * 255).astype(np.uint8)[::2, 1::3]  # not contiguous


@pytest.mark.parametrize("values", list(samples()), ids=lambda v: f"{v.shape}")
def test_same_as_numpy_to_the_last_bit(values):
    assert grey_median(values) == float(np.median(values))
    for q in QUANTILES:
        assert grey_percentile(values, q) == float(np.percentile(values, q)), q


def test_a_mask_selects_the_values():
    rng = np.random.default_rng(4)
    image = (rng.random((120, 160)) * 255).astype(np.uint8)
    mask = np.zeros_like(image)
    mask[20:70, 30:90] = 255
    mask[40:50, 40:60] = 0
    assert grey_median(image, mask) == float(np.median(image[mask > 0]))


def test_nothing_to_count_or_not_grey_levels_is_an_error():
    with pytest.raises(ValueError):
        grey_median(np.zeros((0,), np.uint8))
    with pytest.raises(ValueError):
        grey_median(np.ones((4, 4), np.uint8), np.zeros((4, 4), np.uint8))
    with pytest.raises(ValueError):
        grey_percentile(np.ones(5, np.float32), 50)
