"""A user's own labelled photos: each photo and its variants stay on one side of the split."""

from collections import defaultdict

from training.dataset import USER_VARIANTS, user_photos, user_samples
from training.glyphs import GlyphSpec
from training.render import render_photo


def test_user_photos_are_split_by_photo_with_variants_in_train_only(tmp_path):
    specs = {"digit/7": GlyphSpec("hershey", "digit", "7", "g", "futural", "7"),
             "letter/K": GlyphSpec("hershey", "letter", "K", "g", "rowmans", "k"),
             "free_pattern": GlyphSpec("shape", "free_pattern", None, "g", "heart", "1")}
    for folder, spec in specs.items():
        (tmp_path / folder).mkdir(parents=True)
        for i in range(8):
            (tmp_path / folder / f"{i}.jpg").write_bytes(render_photo(spec, i).data)
    (tmp_path / "letter" / "notes.txt").write_text("not a photo")
    found = user_photos(tmp_path)
    assert len(found) == 24 and {c for _, c, _ in found} == {"digit", "letter", "free_pattern"}
    samples = user_samples(tmp_path, seed=7)
    sides = defaultdict(set)
    per_group = defaultdict(int)
    for split, items in samples.items():
        for sample in items:
            sides[sample.spec.group].add(split)
            per_group[(split, sample.spec.group)] += 1
    assert len(sides) == 24 and all(len(s) == 1 for s in sides.values())
    for (split, _), count in per_group.items():
        assert count == (1 + USER_VARIANTS if split == "train" else 1)
    assert samples["test"], "some photos must be held out"
