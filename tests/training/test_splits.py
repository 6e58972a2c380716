"""No group on two sides of the split: the leakage the earlier attempt suffered."""

from collections import defaultdict

import pytest

from training.catalog import build_catalog
from training.splits import SPLITS, assign_groups, split_specs


@pytest.fixture(scope="module")
def catalog():
    return build_catalog()


def test_no_group_is_on_two_sides_of_the_split(catalog):
    sides = defaultdict(set)
    for split, sources in split_specs(catalog, seed=2026).items():
        for specs in sources.values():
            for spec in specs:
                sides[spec.group].add(split)
    assert sides and all(len(s) == 1 for s in sides.values())


def test_every_source_reaches_every_split(catalog):
    by_split = split_specs(catalog, seed=2026)
    for source in catalog:
        for split in SPLITS:
            assert by_split[split].get(source), (source, split)


def test_font_designs_not_files_are_the_unit(catalog):
    fonts = catalog["font"]
    groups = {s.group for s in fonts}
    assert "font:helvetica" in groups and "font:times" in groups
    assert not any("Liberation" in g or "Arimo" in g for g in groups)


def test_assignment_is_deterministic_and_seeded():
    groups = [f"g{i}" for i in range(200)]
    a, b = assign_groups(groups, 1), assign_groups(groups, 1)
    assert a == b and assign_groups(groups, 2) != a
    counts = {s: sum(1 for v in a.values() if v == s) for s in SPLITS}
    assert counts == {"train": 150, "val": 20, "test": 30}

