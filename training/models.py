"""The three classifiers: one small CNN design, three heads."""

from __future__ import annotations

import numpy as np
import tensorflow as tf
from boardread.normalise import MODEL_SIDE

from .glyphs import DIGITS, LETTERS, LOWER_CASE

TASKS: dict[str, tuple[str, ...]] = {
    "category": ("digit", "letter", "free_pattern"),
    "digit": DIGITS,
    "letter": LETTERS,
}
# Classes a network is trained on when they are finer than its answers; it answers the sum of
# their probabilities. The category model learns which character (or free pattern) it sees:
# telling a letter from a digit is knowing which one it is, and the fine labels teach that
# better than three coarse ones. The letter model learns each case as its own class: "a" and
# "A" are two shapes of one answer (on the same data: 85.5 % of the validation letters against
# 84.3 % with one class per letter; the category model did a little worse with the cases apart,
# 89.4 % against 89.6 %, so it keeps one class per letter).
FINE_CLASSES: dict[str, tuple[str, ...]] = {
    "category": (*DIGITS, *LETTERS, "free_pattern"),
    "letter": (*LETTERS, *LOWER_CASE),
}
# Channels of the three conv blocks. The category model tells 37 classes apart, so it is as wide
# as the letter model (at 24/48/96 it underfit: 89 % of its own augmented training photos right
# in its last epoch); the digit model stays narrow, as both stages must take <= 3 ms a photo.
WIDTHS = {"category": (32, 64, 128), "digit": (24, 48, 96), "letter": (32, 64, 128)}


def training_classes(task: str) -> tuple[str, ...]:
    """The classes a task's network is trained on (its answers are TASKS[task])."""
    return FINE_CLASSES.get(task, TASKS[task])


def answer_of(task: str, fine: str) -> str:
    """The answer (one of TASKS[task]) a training class counts towards."""
    if task == "category":
        return fine if fine == "free_pattern" else "digit" if fine in DIGITS else "letter"
    return fine.upper()  # a letter in either case reads as the capital


def fine_label(task: str, category: str, label: str, char: str) -> str:
    """The training class of one sample: the character as drawn (its case) where it is known
    and is a class of ``task``, else its label; the category model's one free-pattern class."""
    if task == "category" and category == "free_pattern":
        return "free_pattern"
    return char if char in training_classes(task) and char.upper() == label else label


def build_model(task: str) -> tf.keras.Model:
    """A VGG-style CNN for MODEL_SIDE x MODEL_SIDE grey input in [0, 1]."""
    w1, w2, w3 = WIDTHS[task]
    inputs = tf.keras.Input((MODEL_SIDE, MODEL_SIDE, 1), name="glyph")
    x = inputs
    for width, convs in ((w1, 2), (w2, 2), (w3, 2)):
        for _ in range(convs):
            x = tf.keras.layers.Conv2D(width, 3, padding="same", use_bias=False)(x)
            x = tf.keras.layers.BatchNormalization()(x)
            x = tf.keras.layers.ReLU()(x)
        x = tf.keras.layers.MaxPooling2D()(x)
    x = tf.keras.layers.GlobalAveragePooling2D()(x)
    x = tf.keras.layers.Dropout(0.3)(x)
    x = tf.keras.layers.Dense(128, activation="relu")(x)
    x = tf.keras.layers.Dropout(0.3)(x)
    name = "fine_probs" if task in FINE_CLASSES else "probs"
    outputs = tf.keras.layers.Dense(len(training_classes(task)), activation="softmax",
                                    name=name)(x)
    return tf.keras.Model(inputs, outputs, name=task)


def answering_model(task: str, trained: tf.keras.Model) -> tf.keras.Model:
    """The model as it is exported: fine probabilities summed per answer by a fixed 0/1 layer
    (the category model); a model trained on its answers is returned as it is."""
    if task not in FINE_CLASSES:
        return trained
    answers, fine = TASKS[task], training_classes(task)
    group = np.zeros((len(fine), len(answers)), np.float32)
    for i, name in enumerate(fine):
        group[i, answers.index(answer_of(task, name))] = 1.0
    summed = tf.keras.layers.Dense(len(answers), use_bias=False, trainable=False,
                                   name="probs")(trained.output)
    model = tf.keras.Model(trained.input, summed, name=task)
    model.get_layer("probs").set_weights([group])
    return model
