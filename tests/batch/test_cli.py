"""``boardread-batch`` end to end on moto: a folder up to incoming/<batch>/, the batch handler run
for each new object as S3 would invoke it, the results gathered into one CSV."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from boardread import read_board
from boardread_batch.cli import CSV_COLUMNS, main
from boardread_batch.progress import Progress

from tests.batch.conftest import REGION, event_photo, s3_event_for
from tests.batch.test_handler import BatchContext

BATCH = "class-4b"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A real photo, a PNG whose name has spaces, a broken JPEG, and files that are no photos."""
    root = tmp_path / "photos"
    (root / "desk 1").mkdir(parents=True)
    (root / "desk 1" / "board-07.jpg").write_bytes(event_photo("put-jpeg"))
    (root / "Anna's board (2).PNG").write_bytes(event_photo("put-space-key"))
    (root / "broken.jpg").write_bytes(event_photo("put-jpeg")[:2000])  # a truncated upload
    (root / "notes.txt").write_text("not a photo")
    (root / ".thumbs").mkdir()
    (root / ".thumbs" / "board-07.jpg").write_bytes(b"hidden")
    return root


class Lambda:
    """Stands in for S3 notifications + Lambda: each new object under incoming/ gets the event
    S3 would send, through the handler, once."""

    def __init__(self, module: ModuleType, s3: Any, bucket: str) -> None:
        self.module, self.s3, self.bucket = module, s3, bucket
        self.invoked: list[str] = []

    def run_pending(self) -> None:
        listing = self.s3.list_objects_v2(Bucket=self.bucket, Prefix="incoming/")
        for obj in listing.get("Contents", []):
            if obj["Key"] in self.invoked:
                continue
            data = self.s3.get_object(Bucket=self.bucket, Key=obj["Key"])["Body"].read()
            event = s3_event_for(self.bucket, obj["Key"], data, obj["ETag"].strip('"'))
            self.module.handler(event, BatchContext())
            self.invoked.append(obj["Key"])

    def sleep(self, seconds: float) -> None:
        """While the CLI waits, the function runs."""
        self.run_pending()


def cli(*argv: str, sleep: Any = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([*argv], stdout=out, stderr=err, **({"sleep": sleep} if sleep else {}))
    return code, out.getvalue(), err.getvalue()


def read_csv(text: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text))
    assert reader.fieldnames == CSV_COLUMNS
    return list(reader)


def check_rows(rows: list[dict[str, str]]) -> None:
    by_file = {row["file"]: row for row in rows}
    assert list(by_file) == ["Anna's board (2).PNG", "broken.jpg", "desk 1/board-07.jpg"]
    photo = by_file["desk 1/board-07.jpg"]
    expected = read_board(event_photo("put-jpeg")).to_dict()
    assert photo["key"] == f"incoming/{BATCH}/desk 1/board-07.jpg"
    assert (photo["category"], photo["label"]) == (expected["category"], expected["label"])
    assert (photo["category"], photo["label"]) == ("digit", "7")
    assert float(photo["confidence"]) == expected["confidence"]
    assert photo["board_found"] == "true" and photo["error_code"] == ""
    assert photo["alternatives"] == "; ".join(
        f"{o['category']} {o['label']} ({o['confidence']:.4f})" if o["label"]
        else f"{o['category']} ({o['confidence']:.4f})" for o in expected["alternatives"])
    assert photo["alternatives"].startswith(f"digit 7 ({expected['confidence']:.4f}); ")
    assert photo["model_version"] == expected["model_version"]
    png = by_file["Anna's board (2).PNG"]
    assert (png["category"], png["label"], png["error_code"]) == ("digit", "7", "")
    broken = by_file["broken.jpg"]
    assert broken["error_code"] == "invalid_image" and broken["error_message"]
    assert broken["category"] == broken["label"] == broken["confidence"] == ""


def test_upload_then_collect(batch_module: ModuleType, s3: Any, bucket: str, folder: Path,
                             tmp_path: Path) -> None:
    code, out, err = cli("upload", str(folder), "--bucket", bucket, "--batch-id", BATCH,
                         "--region", REGION)
    assert code == 0 and out == f"{BATCH}\n"
    assert "upload   [" in err and " 3/3 100%" in err
    listing = s3.list_objects_v2(Bucket=bucket, Prefix="incoming/")["Contents"]
    assert sorted(o["Key"] for o in listing) == [
        f"incoming/{BATCH}/Anna's board (2).PNG", f"incoming/{BATCH}/broken.jpg",
        f"incoming/{BATCH}/desk 1/board-07.jpg"]
    head = s3.head_object(Bucket=bucket, Key=f"incoming/{BATCH}/desk 1/board-07.jpg")
    assert head["ContentType"] == "image/jpeg"

    Lambda(batch_module, s3, bucket).run_pending()
    csv_path = tmp_path / "results.csv"
    code, out, err = cli("collect", BATCH, "--bucket", bucket, "--out", str(csv_path))
    assert code == 0 and out == ""
    assert "results  [" in err and "3 results (1 photos unreadable), 0 missing" in err
    check_rows(read_csv(csv_path.read_text()))


def test_run_waits_for_the_function(batch_module: ModuleType, s3: Any, bucket: str,
                                    folder: Path, aws_env: pytest.MonkeyPatch) -> None:
    """`run` with the bucket from the stack's outputs; the results come while it waits."""
    import boto3

    cloudformation = boto3.client("cloudformation", region_name=REGION)
    cloudformation.create_stack(StackName="boardread-test", TemplateBody=json.dumps({
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {"DataBucketName": {"Value": bucket}}}))
    function = Lambda(batch_module, s3, bucket)
    code, out, err = cli("run", str(folder), "--stack", "boardread-test", "--batch-id", BATCH,
                         "--poll", "0", "--timeout", "60", sleep=function.sleep)
    assert code == 0, err
    assert len(function.invoked) == 3
    check_rows(read_csv(out))


def test_collect_gives_up_at_the_timeout(s3: Any, bucket: str, folder: Path) -> None:
    cli("upload", str(folder), "--bucket", bucket, "--batch-id", BATCH)
    slept: list[float] = []
    code, out, err = cli("collect", BATCH, "--bucket", bucket, "--timeout", "0",
                         sleep=slept.append)
    assert code == 1 and slept == []
    rows = read_csv(out)
    assert len(rows) == 3 and {row["error_code"] for row in rows} == {"no_result"}
    assert f"boardread-batch collect {BATCH}" in err


def test_an_older_result_under_the_same_name_is_not_taken(
        batch_module: ModuleType, s3: Any, bucket: str, folder: Path) -> None:
    """Uploading again into the same batch: the previous run's result is for other bytes."""
    function = Lambda(batch_module, s3, bucket)
    cli("upload", str(folder), "--bucket", bucket, "--batch-id", BATCH)
    function.run_pending()
    (folder / "broken.jpg").write_bytes(event_photo("put-space-key"))  # fixed since
    function.invoked.clear()
    code, out, _ = cli("run", str(folder), "--bucket", bucket, "--batch-id", BATCH,
                       "--timeout", "0")
    assert code == 1  # the new broken.jpg has no result yet, only the old one
    by_file = {row["file"]: row for row in read_csv(out)}
    assert by_file["broken.jpg"]["error_code"] == "no_result"
    assert by_file["desk 1/board-07.jpg"]["label"] == "7"  # same bytes: its result stands


def test_bad_arguments(s3: Any, bucket: str, tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="no photos"):
        cli("upload", str(tmp_path), "--bucket", bucket)
    with pytest.raises(SystemExit, match="not a folder"):
        cli("run", str(tmp_path / "nope"), "--bucket", bucket)
    with pytest.raises(ValueError, match="batch id"):
        cli("collect", "../x", "--bucket", bucket)
    with pytest.raises(SystemExit, match="no photos under"):
        cli("collect", "empty", "--bucket", bucket)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar() -> None:
    log = io.StringIO()
    with Progress("upload", 4, stream=log, width=8) as bar:
        bar.advance()
        bar.advance(2)
    assert log.getvalue() == "upload   [######--] 3/4  75%\n"  # a log gets the last state once
    tty = Terminal()
    with Progress("results", 2, stream=tty, width=4) as bar:
        bar.update(1)
        bar.update(5)
    assert tty.getvalue() == ("\rresults  [----] 0/2   0%\rresults  [##--] 1/2  50%"
                              "\rresults  [####] 2/2 100%\n")
