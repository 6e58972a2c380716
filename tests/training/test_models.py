"""The category and letter models are trained on fine classes and answer coarser ones."""

import numpy as np

from training.config import TrainConfig
from training.glyphs import DIGITS, LETTERS
from training.models import FINE_CLASSES, TASKS, answering_model, build_model
from training.train import class_weights, early_stopping, jitter, task_arrays, training_batches

FINE = FINE_CLASSES["category"]
FREE = len(FINE) - 1


def test_the_category_answer_is_the_sum_of_its_classes_probabilities():
    trained = build_model("category")
    assert trained.output_shape[-1] == len(DIGITS) + len(LETTERS) + 1
    answering = answering_model("category", trained)
    x = np.random.default_rng(0).random((4, *trained.input_shape[1:]), np.float32)
    fine = trained.predict(x, verbose=0)
    probs = answering.predict(x, verbose=0)
    assert answering.output_shape[-1] == len(TASKS["category"]) == 3
    np.testing.assert_allclose(probs[:, 0], fine[:, :10].sum(1), rtol=1e-5)
    np.testing.assert_allclose(probs[:, 1], fine[:, 10:FREE].sum(1), rtol=1e-5)
    np.testing.assert_allclose(probs[:, 2], fine[:, FREE], rtol=1e-5)
    assert not answering.get_layer("probs").trainable


def test_a_letter_is_the_sum_of_its_two_cases():
    trained = build_model("letter")
    answering = answering_model("letter", trained)
    x = np.random.default_rng(1).random((3, *trained.input_shape[1:]), np.float32)
    fine, probs = trained.predict(x, verbose=0), answering.predict(x, verbose=0)
    classes = FINE_CLASSES["letter"]
    assert answering.output_shape[-1] == len(TASKS["letter"]) == 26
    a = TASKS["letter"].index("A")
    np.testing.assert_allclose(probs[:, a], fine[:, classes.index("A")] + fine[:, classes.index("a")],
                               rtol=1e-5)
    np.testing.assert_allclose(probs[:, TASKS["letter"].index("L")],
                               fine[:, classes.index("L")], rtol=1e-5)  # no lower-case l


def test_fine_targets_follow_the_character_as_drawn():
    data = {"x": np.zeros((5, 32, 32), np.uint8),
            "category": np.array(["digit", "letter", "letter", "letter", "free_pattern"]),
            "label": np.array(["7", "K", "A", "G", ""]),
            "char": np.array(["7", "", "a", "G", ""])}
    _, y = task_arrays(data, "category")
    assert [FINE[i] for i in y] == ["7", "K", "A", "G", "free_pattern"]  # one class per letter
    _, y = task_arrays(data, "letter")
    assert [FINE_CLASSES["letter"][i] for i in y] == ["K", "a", "G"]
    _, y = task_arrays(data, "digit")
    assert [TASKS["digit"][i] for i in y] == ["7"]


def test_each_category_weighs_a_third_whatever_its_share():
    rng = np.random.default_rng(1)
    y = np.concatenate([rng.integers(0, 10, 300), rng.integers(10, FREE, 450), np.full(250, FREE)])
    weights = class_weights(y, "category")
    per_sample = np.array([weights[int(c)] for c in y])
    totals = [per_sample[y < 10].sum(), per_sample[(y >= 10) & (y < FREE)].sum(),
              per_sample[y == FREE].sum()]
    np.testing.assert_allclose(totals, [len(y) / 3] * 3, rtol=1e-9)


def test_the_digit_model_answers_what_it_learns():
    digit = build_model("digit")
    assert digit.output_shape[-1] == len(DIGITS)
    assert answering_model("digit", digit) is digit


def _bar(n: int) -> np.ndarray:
    images = np.zeros((n, 28, 28, 1), np.float32)
    images[:, 8:20, 13:15] = 1.0  # a vertical stroke through the centre
    return images


def test_jitter_moves_each_glyph_a_little_and_keeps_it_whole():
    images = _bar(64)
    out = jitter(images, np.array([3, 4], np.int64)).numpy()
    assert out.shape == images.shape
    moved = [not np.allclose(a, images[0], atol=0.05) for a in out]
    assert sum(moved) >= 60  # every image its own draw
    mass = out.sum(axis=(1, 2, 3)) / images[0].sum()
    assert mass.min() > 0.8 and mass.max() < 1.25  # scaled by at most 8 %, never cut off
    centres = np.array([np.argwhere(a[..., 0] > 0.3).mean(0) for a in out])
    assert np.abs(centres - 13.5).max() < 0.06 * 28 + 1  # shifted by at most 6 % of the side
    np.testing.assert_array_equal(out, jitter(images, np.array([3, 4], np.int64)).numpy())


def test_training_batches_differ_by_epoch_and_repeat_by_run():
    x, y = _bar(40), np.arange(40, dtype=np.int32)
    ds = training_batches(x, y, 16, seed=5)
    first = [b[0].numpy() for b in ds]
    second = [b[0].numpy() for b in ds]
    again = [b[0].numpy() for b in training_batches(x, y, 16, seed=5)]
    assert [len(b) for b in first] == [16, 16, 8]
    assert not np.allclose(first[0], second[0])
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    labels = np.concatenate([b[1].numpy() for b in ds])
    assert sorted(labels) == list(range(40))  # every sample once an epoch


def test_the_exported_category_model_gives_its_class_logits_once(tmp_path):
    """``with_class_logits`` adds the second output the reader weighs characters with, the
    network's own logits (a float32 conversion here; the smoke run checks the int8 export);
    done twice it adds nothing more."""
    import tensorflow as tf
    from boardread.reader import TFLiteModel

    from training.export import convert, with_class_logits

    trained = build_model("category")
    x = np.random.default_rng(1).random((1, *trained.input_shape[1:]), np.float32)
    once = with_class_logits(convert(answering_model("category", trained)))
    assert with_class_logits(once) == once
    (tmp_path / "category.tflite").write_bytes(once)
    probs, logits = TFLiteModel(tmp_path / "category.tflite").predict_with_logits(
        (x[0, ..., 0] * 255).astype(np.uint8))
    expected = tf.keras.Model(trained.input, trained.get_layer("fine_probs").output)(x)[0]
    assert probs.shape == (3,) and logits.shape == (len(FINE),)
    np.testing.assert_allclose(tf.nn.softmax(logits).numpy(), expected.numpy(), atol=0.02)


def _epochs_run(val_loss: list[float], val_accuracy: list[float]) -> int:
    """Epochs a training run of these validation figures lasts under the early stopping rule."""
    model = build_model("digit")
    stop = early_stopping(TrainConfig(patience=2, early_stop_from=0))
    stop.set_model(model)
    stop.on_train_begin()
    for epoch, (loss, accuracy) in enumerate(zip(val_loss, val_accuracy)):
        stop.on_epoch_end(epoch, {"val_loss": loss, "val_accuracy": accuracy})
        if model.stop_training:
            return epoch + 1
    return len(val_loss)


def test_training_runs_on_while_validation_accuracy_climbs_though_its_loss_swings():
    """On validation loss, df5d54's digit network stopped at epoch 22 and kept epoch 14's
    weights while its validation accuracy still rose."""
    loss = [0.30, 0.20, 0.25, 0.26, 0.27, 0.28, 0.29, 0.31]
    climbing = [0.90, 0.91, 0.92, 0.93, 0.94, 0.95, 0.96, 0.97]
    assert _epochs_run(loss, climbing) == len(loss)
    stalled = [0.90, 0.91, 0.92, 0.92, 0.92, 0.92, 0.92, 0.92]
    assert _epochs_run(loss, stalled) == 5
