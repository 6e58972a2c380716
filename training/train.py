"""Train the category, digit and letter models from the rendered splits.

    python -m training.train [--smoke] [--only category|digit|letter]

Reads ``build/data/{train,val}.npz`` (and ``user-*.npz`` if present), writes
``build/models/<task>.keras`` and ``build/models/<task>.history.json``.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import numpy as np
import tensorflow as tf

from .config import TrainConfig, stage_config
from .dataset import load_split
from .models import (
    TASKS,
    answer_of,
    answering_model,
    build_model,
    fine_label,
    training_classes,
)

log = logging.getLogger("training.train")


def task_arrays(data: dict[str, np.ndarray], task: str) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (N, side, side, 1) float32 in [0, 1] and integer targets for one task (for the
    category and letter models: the fine class, see ``models.fine_label``)."""
    names = training_classes(task)
    keep = np.ones(len(data["x"]), bool) if task == "category" else data["category"] == task
    index = {name: i for i, name in enumerate(names)}
    y = np.array([index[fine_label(task, str(c), str(label), str(ch))] for c, label, ch
                  in zip(data["category"][keep], data["label"][keep], data["char"][keep])],
                 np.int32)
    x = data["x"][keep].astype(np.float32)[..., None] / 255.0
    return x, y


def merge(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def load(build_dir: Path, split: str) -> dict[str, np.ndarray]:
    parts = [load_split(build_dir, split)]
    if (build_dir / "data" / f"user-{split}.npz").is_file():
        parts.append(load_split(build_dir, f"user-{split}"))
    return merge(parts)


# Glyph-level jitter on top of the rendered variety (train split only): rotation up to this
# fraction of a turn, scale and shift up to these fractions of the side.
_TURN, _ZOOM, _SHIFT = 0.02, 0.08, 0.06


def jitter(images: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """Rotate, scale and shift each image of a batch at random about its centre, in one
    bilinear resampling (three chained Keras layers resampled three times: 15-30 % of a
    training step here); ``seed`` is a stateless seed (two integers)."""
    n = tf.shape(images)[0]
    side = tf.cast(tf.shape(images)[1], tf.float32)
    u = tf.random.stateless_uniform((n, 4), seed, -1.0, 1.0)
    angle = u[:, 0] * _TURN * 2 * np.pi
    scale = 1.0 + u[:, 1] * _ZOOM  # of the input's coordinates: above 1 zooms out
    shift_x, shift_y = u[:, 2] * _SHIFT * side, u[:, 3] * _SHIFT * side
    c = (side - 1) / 2
    # output pixel (x, y) samples input (a0 x + a1 y + a2, b0 x + b1 y + b2)
    a0, a1 = scale * tf.cos(angle), -scale * tf.sin(angle)
    b0, b1 = scale * tf.sin(angle), scale * tf.cos(angle)
    a2 = c - a0 * c - a1 * c + shift_x
    b2 = c - b0 * c - b1 * c + shift_y
    zero = tf.zeros_like(a0)
    transforms = tf.stack([a0, a1, a2, b0, b1, b2, zero, zero], axis=1)
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=images, transforms=transforms, output_shape=tf.shape(images)[1:3],
        fill_value=0.0, interpolation="BILINEAR", fill_mode="CONSTANT")


def training_batches(x: np.ndarray, y: np.ndarray, batch_size: int, seed: int
                     ) -> tf.data.Dataset:
    """Shuffled, jittered batches, different each epoch and the same in every run."""
    seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)
    batches = (tf.data.Dataset.from_tensor_slices((x, y))
               .shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
               .batch(batch_size))
    # No autotuning: Keras drops each epoch's iterator at the next one's start, and dropping
    # one waited for the autotune thread's sleep: ~40 s with the CPU idle, in 12 of the 24
    # epochs of a category run on 60,000 photos (py-spy on the stalled process). Same batches.
    options = tf.data.Options()
    options.autotune.enabled = False
    return (tf.data.Dataset.zip((batches, seeds))
            .map(lambda batch, s: (jitter(batch[0], s), batch[1]),
                 num_parallel_calls=tf.data.AUTOTUNE)
            .prefetch(tf.data.AUTOTUNE)
            .with_options(options))


def class_weights(y: np.ndarray, task: str) -> dict[int, float]:
    """Balanced answers: each answer weighs the same in the loss whatever its share of the
    photos, and so does each training class within its answer (see ``models.FINE_CLASSES``)."""
    names = training_classes(task)
    answer = [answer_of(task, n) for n in names]
    per_answer = {a: answer.count(a) for a in answer}
    counts = np.bincount(y, minlength=len(names)).astype(np.float64)
    counts[counts == 0] = 1
    share = np.array([per_answer[a] * len(per_answer) for a in answer], np.float64)
    weights = counts.sum() / (share * counts)
    return {i: float(w) for i, w in enumerate(weights)}


def early_stopping(config: TrainConfig) -> tf.keras.callbacks.EarlyStopping:
    """Stop when validation accuracy has not reached a new best for ``patience`` epochs (see
    ``TrainConfig.patience``: validation loss swings while accuracy still climbs)."""
    return tf.keras.callbacks.EarlyStopping(monitor="val_accuracy", mode="max",
                                            patience=config.patience,
                                            restore_best_weights=True,
                                            start_from_epoch=config.early_stop_from)


class Progress(tf.keras.callbacks.Callback):
    """One log line per epoch with the time it took and an ETA for the remaining epochs."""

    def __init__(self, task: str, epochs: int) -> None:
        super().__init__()
        self.task, self.epochs, self.start = task, epochs, time.time()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:  # type: ignore[override]
        logs = logs or {}
        done = epoch + 1
        elapsed = time.time() - self.start
        eta = elapsed / done * (self.epochs - done)
        log.info("%s epoch %d/%d loss %.4f acc %.4f val_loss %.4f val_acc %.4f  %.0fs, ETA <= %.0fs",
                 self.task, done, self.epochs, logs.get("loss", 0), logs.get("accuracy", 0),
                 logs.get("val_loss", 0), logs.get("val_accuracy", 0), elapsed, eta)


def train_task(config: TrainConfig, task: str, train: dict, val: dict) -> Path:
    tf.keras.utils.set_random_seed(config.seed)
    x, y = task_arrays(train, task)
    vx, vy = task_arrays(val, task)
    log.info("%s: %d train, %d val samples", task, len(x), len(vx))
    ds = training_batches(x, y, config.batch_size, config.seed)
    model = build_model(task)
    steps = max(1, int(np.ceil(len(x) / config.batch_size))) * config.epochs
    schedule = tf.keras.optimizers.schedules.CosineDecay(config.learning_rate, steps)
    model.compile(optimizer=tf.keras.optimizers.Adam(schedule),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(ds, validation_data=(vx, vy), epochs=config.epochs, verbose=0,
                        class_weight=class_weights(y, task),
                        callbacks=[early_stopping(config), Progress(task, config.epochs)])
    out = config.build_dir / "models"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{task}.keras"
    answering_model(task, model).save(path)
    record = {"task": task, "history": history.history, "train_samples": len(x),
              "val_samples": len(vx), "config": config.to_dict()}
    (out / f"{task}.history.json").write_text(json.dumps(record, indent=1, default=float))
    return path


def main(argv: list[str] | None = None) -> None:
    config, args = stage_config(__doc__, argv, lambda parser: parser.add_argument(
        "--only", choices=sorted(TASKS), action="append", help="train only these models"))
    log.info("config: %s", json.dumps(config.to_dict()))
    train, val = load(config.build_dir, "train"), load(config.build_dir, "val")
    for task in args.only or TASKS:
        train_task(config, task, train, val)

if __name__ == "__main__":
    main()
