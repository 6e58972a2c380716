"""From a correction to training data, on moto: POST /feedback -> the data bucket's feedback/ ->
`make sync-feedback` -> `training.dataset --extra`: each corrected photo is training data with its
corrected label, read the way the service reads it, on exactly one side of the split."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from boardread.pipeline import prepare_photo
from boardread_deploy.feedback import sync_feedback
from fastapi.testclient import TestClient

from tests.conftest import create_bucket
from training.dataset import USER_VARIANTS, user_samples
from training.glyphs import GlyphSpec
from training.render import render_photo

BUCKET = "boardread-data-test"
# What users said was on their boards (the service may have read something else).
CORRECTIONS = [
    ("digit", "4", GlyphSpec("hershey", "digit", "4", "g", "futural", "4")),
    ("letter", "k", GlyphSpec("hershey", "letter", "K", "g", "rowmans", "k")),
    ("free_pattern", "", GlyphSpec("shape", "free_pattern", None, "g", "heart", "1")),
]
PHOTOS_EACH = 4


def test_corrections_become_training_photos_split_by_photo(
        moto_s3: Any, make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    s3 = moto_s3
    client = make_client(data_bucket=create_bucket(s3, BUCKET), s3_client=s3)
    sent: dict[str, bytes] = {}
    for category, label, spec in CORRECTIONS:
        for seed in range(PHOTOS_EACH):
            photo = render_photo(spec, 40 + seed).data
            response = client.post("/feedback", data={"category": category, "label": label},
                                   files={"file": ("board.jpg", photo, "image/jpeg")})
            assert response.status_code == 201, response.text
            sent[response.json()["id"]] = photo

    report = sync_feedback(s3, BUCKET, tmp_path / "feedback")
    assert len(report.fetched) == len(sent) and not report.skipped
    samples = user_samples(tmp_path / "feedback", seed=11)

    seen: dict[str, tuple[str, str | None, set[str]]] = {}
    for split, items in samples.items():
        for sample in items:
            photo_id = Path(sample.spec.key).stem
            category, label, splits = seen.setdefault(
                photo_id, (sample.spec.category, sample.spec.label, set()))
            assert (sample.spec.category, sample.spec.label) == (category, label)
            splits.add(split)
    assert set(seen) == set(sent)
    assert all(len(splits) == 1 for _, _, splits in seen.values())
    labels = {(c, lab) for c, lab, _ in seen.values()}
    assert labels == {("digit", "4"), ("letter", "K"), ("free_pattern", None)}
    assert len(samples["train"]) == (1 + USER_VARIANTS) * sum(
        "train" in s for _, _, s in seen.values())

    # The stored photo (1024 px grey JPEG) gives the model about the input the original gives.
    # All but one: the preprocessing makes yes/no decisions (is there a board outline, is the
    # glyph a grid of dots), and a photo on the edge of one can fall on the other side after a
    # re-encode (here an LED board with faint unlit dots: joined in one copy, not in the other).
    differences = []
    for sample in [s for items in samples.values() for s in items if s.seed == 0]:  # not variants
        original = prepare_photo(sent[Path(sample.spec.key).stem]).glyph.image
        differences.append(np.abs(original.astype(int) - sample.image.astype(int)).mean())
    assert len(differences) == len(sent)
    all_but_one = sorted(differences)[:-1]
    assert np.mean(all_but_one) < 4 and all_but_one[-1] < 12, differences
