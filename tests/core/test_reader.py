"""The packaged int8 models load in tflite-runtime and give the report's answers."""

import json
from pathlib import Path

import boardread.reader as reader_module
import numpy as np
import pytest
from boardread.manifest import MODEL_NAMES, default_model_dir
from boardread.reader import Reader

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "reader_sample.npz"


@pytest.fixture(scope="module")
def reader() -> Reader:
    return Reader()


def test_models_load_in_tflite_runtime(reader):
    assert reader_module._interpreter_class().__module__.startswith("tflite_runtime")
    for name in MODEL_NAMES:
        detail = reader.models[name]._interpreter.get_input_details()[0]
        assert detail["dtype"] == np.int8 and list(detail["shape"]) == [1, 32, 32, 1]
        assert reader.models[name]._interpreter.get_output_details()[0]["dtype"] == np.int8


def test_each_model_is_small_and_matches_its_manifest():
    for name in MODEL_NAMES:
        model = default_model_dir() / f"{name}.tflite"
        manifest = json.loads((default_model_dir() / f"{name}.json").read_text())
        assert model.stat().st_size <= 1_000_000
        assert manifest["input"]["dtype"] == "int8"
        assert manifest["labels"] and manifest["data"]["config"]["seed"]


def test_the_fixed_sample_reproduces_the_reports_answers(reader):
    sample = np.load(SAMPLE)
    assert str(sample["model_version"]) == reader.version
    firsts = [reader.read(x)[0] for x in sample["x"]]
    assert [o.category for o in firsts] == sample["read_category"].tolist()
    assert [o.label or "" for o in firsts] == sample["read_label"].tolist()
    np.testing.assert_allclose([o.confidence for o in firsts], sample["confidence"], atol=1e-6)
    right = [o.category == c and o.label == (lab or None)
             for o, c, lab in zip(firsts, sample["category"], sample["label"])]
    assert np.mean(right) == pytest.approx(float(sample["accuracy"]))


def test_answers_are_a_probability_ranking(reader):
    x = np.load(SAMPLE)["x"][0]
    options = reader.read(x)
    confidences = [o.confidence for o in options]
    assert confidences == sorted(confidences, reverse=True)
    assert sum(confidences) == pytest.approx(1.0, abs=0.05)
    best = options[0]
    if best.label_confidence is not None:
        assert best.confidence == pytest.approx(best.category_confidence * best.label_confidence)


def test_a_sure_free_pattern_still_has_three_alternatives(reader, monkeypatch):
    free = np.array([0.004, 0.001, 0.995], np.float32)  # digit, letter, free_pattern
    monkeypatch.setattr(reader.models["category"], "predict_with_logits",
                        lambda image: (free, None))
    options = reader.read(np.load(SAMPLE)["x"][0])
    assert len(options) >= 3 and options[0].category == "free_pattern"
    assert {o.category for o in options[1:3]} == {"digit"}  # the likelier character category


@pytest.mark.parametrize("favoured", ["1", "7"])
def test_the_category_models_own_opinion_of_the_character_counts(reader, monkeypatch, favoured):
    """The digit model torn between 1 and 7: the category network, which learnt each character
    too, decides through its second output (class logits)."""
    classes = reader.manifests["category"].raw["class_labels"]
    logits = np.zeros(len(classes), np.float32)
    logits[classes.index(favoured)] = 4.0
    category = np.array([0.9, 0.05, 0.05], np.float32)  # digit, letter, free_pattern
    digits = reader.manifests["digit"].labels
    torn = np.array([0.5 if d in ("1", "7") else 0.0 for d in digits], np.float32)
    monkeypatch.setattr(reader.models["category"], "predict_with_logits",
                        lambda image: (category, logits))
    monkeypatch.setattr(reader.models["digit"], "predict", lambda image: torn)
    best = reader.read(np.load(SAMPLE)["x"][0])[0]
    assert (best.category, best.label) == ("digit", favoured)
    assert best.confidence == pytest.approx(0.9 * best.label_confidence)


def test_the_category_model_gives_its_class_logits():
    reader = Reader()
    classes = reader.manifests["category"].raw["class_labels"]
    assert set(classes) >= {*reader.manifests["digit"].labels, *reader.manifests["letter"].labels}
    probs, logits = reader.models["category"].predict_with_logits(np.load(SAMPLE)["x"][0])
    assert probs.shape == (3,) and logits.shape == (len(classes),)
    assert reader.models["digit"].predict_with_logits(np.load(SAMPLE)["x"][0])[1] is None


def test_a_wrong_checksum_is_refused(tmp_path):
    from boardread.errors import ModelError

    for name in MODEL_NAMES:
        for suffix in (".tflite", ".json"):
            (tmp_path / f"{name}{suffix}").write_bytes(
                (default_model_dir() / f"{name}{suffix}").read_bytes())
    (tmp_path / "digit.tflite").write_bytes(b"\x00" * 64)
    with pytest.raises(ModelError):
        Reader(tmp_path)
