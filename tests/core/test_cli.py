import io
import json

import pytest
from boardread.cli import main


def test_predict_prints_one_line_per_photo_in_order(tmp_path, whiteboard_photo):
    photo = tmp_path / "board.jpg"
    photo.write_bytes(whiteboard_photo.data)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(whiteboard_photo.data[:1500])
    out = io.StringIO()
    assert main(["predict", str(photo), str(broken), str(photo)], out=out) == 0
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["file"] for line in lines] == [str(photo), str(broken), str(photo)]
    assert lines[0]["category"] in {"digit", "letter", "free_pattern"}
    assert lines[1]["error"]["code"] == "invalid_image"
    assert {k: v for k, v in lines[0].items() if k != "timings_ms"} == {
        k: v for k, v in lines[2].items() if k != "timings_ms"}


def test_evaluate_scores_a_labelled_folder(tmp_path, whiteboard_photo, cropped_photo):
    (tmp_path / "digit" / "7").mkdir(parents=True)
    (tmp_path / "letter" / "K").mkdir(parents=True)
    (tmp_path / "digit" / "7" / "a.jpg").write_bytes(whiteboard_photo.data)
    (tmp_path / "letter" / "K" / "b.jpg").write_bytes(cropped_photo.data)
    (tmp_path / "letter" / "K" / "c.jpg").write_bytes(b"not a photo")
    out = io.StringIO()
    assert main(["evaluate", str(tmp_path)], out=out) == 0
    table = out.getvalue().splitlines()
    assert table[0].split() == ["category", "photos", "right", "accuracy", "errors"]
    rows = {line.split()[0]: line.split() for line in table[1:]}
    assert rows["digit"][1] == "1" and rows["letter"][1] == "2" and rows["letter"][4] == "1"
    assert rows["all"][1] == "3"


def test_evaluate_refuses_a_missing_folder(tmp_path):
    with pytest.raises(SystemExit):
        main(["evaluate", str(tmp_path / "nope")], out=io.StringIO())
