"""`make sync-feedback` on moto: the data bucket's feedback/ becomes a folder training reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from boardread.cli import labelled_photos
from boardread_deploy.feedback import local_path, sync_feedback

from tests.conftest import create_bucket

BUCKET = "boardread-data-test"
GOOD = {
    "feedback/digit/7/3f1c.jpg": b"seven",
    "feedback/letter/K/a9-e.jpg": b"kay",
    "feedback/free_pattern/5d0e.jpg": b"heart",
}
OUTSIDE_THE_LAYOUT = [
    "feedback/../../escape.jpg",
    "feedback/digit/../../../escape.jpg",
    "feedback/letter/k/lower.jpg",  # labels are stored as capitals
    "feedback/digit/12/two-digits.jpg",
    "feedback/digit/7/notes.txt",
    "feedback/free_pattern/deeper/x.jpg",
    "feedback/x.jpg",
    "results/digit/7/not-feedback.jpg",
]


@pytest.fixture
def s3(moto_s3: Any) -> Any:
    create_bucket(moto_s3, BUCKET)
    return moto_s3


def test_feedback_prefix_becomes_the_training_layout(s3: Any, tmp_path: Path) -> None:
    for key, body in GOOD.items():
        s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    report = sync_feedback(s3, BUCKET, tmp_path)
    assert sorted(report.fetched) == sorted(GOOD)
    for key, body in GOOD.items():
        assert (tmp_path / key.removeprefix("feedback/")).read_bytes() == body
    found = {(p.name, c, lab) for p, c, lab in labelled_photos(tmp_path)}
    assert found == {("3f1c.jpg", "digit", "7"), ("a9-e.jpg", "letter", "K"),
                     ("5d0e.jpg", "free_pattern", None)}


def test_second_sync_fetches_only_new_photos(s3: Any, tmp_path: Path) -> None:
    for key, body in GOOD.items():
        s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    sync_feedback(s3, BUCKET, tmp_path)
    s3.put_object(Bucket=BUCKET, Key="feedback/digit/1/new.jpg", Body=b"one")
    report = sync_feedback(s3, BUCKET, tmp_path)
    assert report.fetched == ["feedback/digit/1/new.jpg"]
    assert report.unchanged == len(GOOD)
    assert not list(tmp_path.rglob("*.part"))


def test_keys_outside_the_layout_are_skipped_and_nothing_escapes(s3: Any, tmp_path: Path) -> None:
    dest = tmp_path / "feedback"
    for key in OUTSIDE_THE_LAYOUT:
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"x")
    report = sync_feedback(s3, BUCKET, dest)
    assert report.fetched == []
    assert sorted(report.skipped) == sorted(k for k in OUTSIDE_THE_LAYOUT
                                            if k.startswith("feedback/"))
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


@pytest.mark.parametrize("key", OUTSIDE_THE_LAYOUT)
def test_local_path_refuses_keys_outside_the_layout(key: str) -> None:
    assert local_path(key) is None
