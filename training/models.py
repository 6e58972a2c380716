"""The three classifiers: one small CNN design, three heads."""

from __future__ import annotations

import tensorflow as tf
from boardread.normalise import MODEL_SIDE

from .glyphs import DIGITS, LETTERS

TASKS: dict[str, tuple[str, ...]] = {
    "category": ("digit", "letter", "free_pattern"),
    "digit": DIGITS,
    "letter": LETTERS,
}
WIDTHS = {"category": (24, 48, 96), "digit": (24, 48, 96), "letter": (32, 64, 128)}


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
    outputs = tf.keras.layers.Dense(len(TASKS[task]), activation="softmax", name="probs")(x)
    return tf.keras.Model(inputs, outputs, name=task)
