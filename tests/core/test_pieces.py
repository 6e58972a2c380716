import cv2
import numpy as np
import pytest
from boardread import pieces
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


@pytest.mark.parametrize(("smear_ink", "kept"), [(200, True), (100, False), (75, False)])
def test_a_faint_mark_beside_the_glyph_is_not_part_of_it(smear_ink, kept):
    """Erased chalk beside a chalk stroke, within the reach that joins the dot of an i: as
    strong as the stroke it joins (a second stroke), at half its ink it does not (a smear);
    one piece of the glyph's own group at under 0.4 of its ink is dropped."""
    mask = np.zeros((300, 300), np.uint8)
    ink = np.zeros((300, 300), np.uint8)
    cv2.rectangle(ink, (120, 80), (140, 220), 200, -1)  # the stroke
    cv2.rectangle(ink, (120, 64), (140, 71), 75, -1)  # a faint fleck 8 px above it
    cv2.rectangle(ink, (175, 100), (180, 200), smear_ink, -1)  # 34 px to its right
    mask[ink > 60] = 255
    out = pieces.keep_glyph_pieces(mask, ink)
    assert out[150, 130] == 255 and out[67, 130] == 0  # the stroke, not the fleck
    assert (out[150, 177] == 255) == kept
