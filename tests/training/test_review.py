"""The misread review: the judgement file, the tally's interval, the kinds and top-k figures."""

import pytest

from training.review import (
    KINDS,
    Reading,
    misread_sample,
    parse_judgements,
    top_k,
    wilson,
)


def reading(index: int, truth: tuple[str, str | None], read: tuple[str, str | None],
            rank: int) -> Reading:
    return Reading(index, *truth, *read, 0.5, rank)


def test_judgements_are_read_by_sample_number_with_comments_left_out() -> None:
    text = "# a header\n\n0 A   narrow o read 0\n2 P\n1 M  serif P read F\n"
    assert parse_judgements(text, sample_size=3) == {0: "A", 1: "M", 2: "P"}


@pytest.mark.parametrize("text", ["0 X", "A 0", "0", "3 A", "1 A\n1 M"])
def test_a_judgement_file_with_a_mistake_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_judgements(text, sample_size=3)


def test_wilson_interval_has_its_closed_form_at_zero_and_is_symmetric() -> None:
    low, high = wilson(0, 10)
    assert low == 0.0
    assert high == pytest.approx(1.96**2 / (10 + 1.96**2))
    low, high = wilson(46, 96)
    assert low < 46 / 96 < high
    assert (low, high) == pytest.approx(tuple(1 - v for v in reversed(wilson(50, 96))))


def test_each_misread_has_its_kind() -> None:
    cases = {
        (("digit", "0"), ("letter", "O")): KINDS[0],
        (("letter", "B"), ("free_pattern", None)): KINDS[1],
        (("free_pattern", None), ("digit", "8")): KINDS[2],
        (("letter", "P"), ("letter", "R")): KINDS[3],
    }
    for (truth, read), kind in cases.items():
        assert reading(0, truth, read, 0).kind == kind


def test_top_k_counts_the_truth_among_the_k_best_answers() -> None:
    readings = [reading(i, ("digit", "7"), ("digit", "7"), rank)
                for i, rank in enumerate((1, 1, 2, 3, 0))]
    assert [top_k(readings, k) for k in (1, 2, 3)] == [0.4, 0.6, 0.8]


def test_the_sample_holds_only_misreads_and_is_the_same_for_the_same_seed() -> None:
    readings = [reading(i, ("digit", "7"), ("digit", "1"), 1 + i % 2) for i in range(40)]
    sample = misread_sample(readings, 5, seed=7)
    assert len(sample) == 5 and all(r.rank != 1 for r in sample)
    assert [r.index for r in sample] == sorted(r.index for r in sample)
    assert sample == misread_sample(readings, 5, seed=7)
    assert sample != misread_sample(readings, 5, seed=8)
    assert len(misread_sample(readings, 500, seed=7)) == 20
