"""The category model is trained on fine classes and answers three categories."""

import numpy as np

from training.glyphs import DIGITS, LETTERS
from training.models import FINE_CLASSES, TASKS, answering_model, build_model
from training.train import class_weights, task_arrays


def test_the_category_answer_is_the_sum_of_its_classes_probabilities():
    trained = build_model("category")
    assert trained.output_shape[-1] == len(DIGITS) + len(LETTERS) + 1
    answering = answering_model("category", trained)
    x = np.random.default_rng(0).random((4, *trained.input_shape[1:]), np.float32)
    fine = trained.predict(x, verbose=0)
    probs = answering.predict(x, verbose=0)
    assert answering.output_shape[-1] == len(TASKS["category"]) == 3
    np.testing.assert_allclose(probs[:, 0], fine[:, :10].sum(1), rtol=1e-5)
    np.testing.assert_allclose(probs[:, 1], fine[:, 10:36].sum(1), rtol=1e-5)
    np.testing.assert_allclose(probs[:, 2], fine[:, 36], rtol=1e-5)
    assert not answering.get_layer("probs").trainable


def test_fine_targets_follow_the_label_and_free_patterns_share_one_class():
    data = {"x": np.zeros((3, 32, 32), np.uint8),
            "category": np.array(["digit", "letter", "free_pattern"]),
            "label": np.array(["7", "K", ""])}
    _, y = task_arrays(data, "category")
    assert [FINE_CLASSES["category"][i] for i in y] == ["7", "K", "free_pattern"]


def test_each_category_weighs_a_third_whatever_its_share():
    rng = np.random.default_rng(1)
    y = np.concatenate([rng.integers(0, 10, 300), rng.integers(10, 36, 450), np.full(250, 36)])
    weights = class_weights(y, "category")
    per_sample = np.array([weights[int(c)] for c in y])
    totals = [per_sample[y < 10].sum(), per_sample[(y >= 10) & (y < 36)].sum(),
              per_sample[y == 36].sum()]
    np.testing.assert_allclose(totals, [len(y) / 3] * 3, rtol=1e-9)


def test_the_second_stage_models_answer_what_they_learn():
    digit = build_model("digit")
    assert digit.output_shape[-1] == len(DIGITS)
    assert answering_model("digit", digit) is digit
