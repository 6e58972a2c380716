"""The three models and the two-stage reading: category first, then the character."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .manifest import MODEL_NAMES, ModelManifest, default_model_dir, load_manifest, model_version

CATEGORIES = ("digit", "letter", "free_pattern")
# Second-stage models run for every category at least this likely, so alternatives are real.
SECOND_STAGE_MIN = 0.02
TOP_K = 3
# The category network learns which character it sees (training.models.FINE_CLASSES) and its
# class logits are a second output: a character's probability is this share of that opinion
# and the rest the second stage's. Chosen on the validation photos (models 80fc85, shares 0,
# 0.25, 0.4, 0.5, 0.6, 0.75, 1: 87.37, 87.63, 87.97, 88.10, 88.07, 87.87, 87.83 % read right);
# on the test photos 0.5 reads 89.12 % right, none 88.72.
CLASS_VOTE = 0.5


def _interpreter_class():  # type: ignore[no-untyped-def]
    try:
        from tflite_runtime.interpreter import Interpreter
    except ImportError:
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError:
            import tensorflow as tf

            Interpreter = tf.lite.Interpreter
    return Interpreter


class TFLiteModel:
    """One classifier. Interpreters are not thread-safe, so calls are serialised."""

    def __init__(self, path: Path, *, num_threads: int = 1) -> None:
        self._interpreter = _interpreter_class()(model_path=str(path), num_threads=num_threads)
        self._interpreter.allocate_tensors()
        self._input = self._interpreter.get_input_details()[0]
        outputs = self._interpreter.get_output_details()
        self._output = outputs[0]
        self._class_logits = outputs[1] if len(outputs) > 1 else None  # the category model's
        self._lock = threading.Lock()
        self.input_side = int(self._input["shape"][1])

    def predict(self, image: np.ndarray) -> np.ndarray:
        """Class probabilities for one uint8 image (white ink on black)."""
        return self.predict_with_logits(image)[0]

    def predict_with_logits(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Class probabilities and, if the model has that second output, its class logits."""
        x = _quantise(image.astype(np.float32) / 255.0, self._input)
        with self._lock:
            self._interpreter.set_tensor(self._input["index"], x)
            self._interpreter.invoke()
            y = self._interpreter.get_tensor(self._output["index"])[0]
            logits = (None if self._class_logits is None else _dequantise(
                self._interpreter.get_tensor(self._class_logits["index"])[0], self._class_logits))
        probs = _dequantise(y, self._output)
        total = float(probs.sum())
        probs = probs / total if total > 0 else np.full_like(probs, 1.0 / len(probs))
        return probs, logits


@dataclass(frozen=True)
class Option:
    category: str
    label: str | None
    confidence: float  # P(category) x P(label | category)
    category_confidence: float
    label_confidence: float | None

    def to_dict(self) -> dict[str, object]:
        return {"category": self.category, "label": self.label,
                "confidence": round(self.confidence, 4)}


class Reader:
    """Loads the three models once and reads normalised glyph images."""

    def __init__(self, model_dir: Path | None = None, *, num_threads: int = 1) -> None:
        model_dir = Path(model_dir) if model_dir else default_model_dir()
        self.manifests: dict[str, ModelManifest] = {
            name: load_manifest(model_dir, name) for name in MODEL_NAMES
        }
        self.models = {name: TFLiteModel(m.path, num_threads=num_threads)
                       for name, m in self.manifests.items()}
        self.version = model_version(self.manifests)
        self.input_side = self.models["category"].input_side
        self._votes = _vote_indices(self.manifests)

    def read(self, image: np.ndarray) -> list[Option]:
        """Every answer worth listing, best first (the first is the reading)."""
        category_probs, class_logits = self.models["category"].predict_with_logits(image)
        labels = self.manifests["category"].labels
        second = _second_stages(labels, category_probs)
        options: list[Option] = []
        for category, p_cat in zip(labels, category_probs.tolist()):
            if category == "free_pattern":
                options.append(Option(category, None, p_cat, p_cat, None))
            elif category in second:
                label_probs = self.models[category].predict(image)
                if class_logits is not None and category in self._votes:
                    vote = _softmax(class_logits[self._votes[category]])
                    label_probs = (1 - CLASS_VOTE) * label_probs + CLASS_VOTE * vote
                for label, p_label in zip(self.manifests[category].labels, label_probs.tolist()):
                    options.append(Option(category, label, p_cat * p_label, p_cat, p_label))
        options.sort(key=lambda o: o.confidence, reverse=True)
        return options


def _second_stages(labels: tuple[str, ...], category_probs: np.ndarray) -> set[str]:
    """The characters' categories whose model runs: the top one and any at SECOND_STAGE_MIN or
    more; when a sure free pattern leaves none, the likelier of the two, so the answer still
    has the three alternatives the contract promises."""
    p = dict(zip(labels, category_probs.tolist()))
    top = max(p, key=p.__getitem__)
    characters = [c for c in labels if c != "free_pattern"]
    chosen = {c for c in characters if p[c] >= SECOND_STAGE_MIN or c == top}
    return chosen or {max(characters, key=p.__getitem__)}


def _vote_indices(manifests: dict[str, ModelManifest]) -> dict[str, np.ndarray]:
    """For each second stage, where its labels are among the category model's class logits
    (none when the category model has no such output)."""
    classes = manifests["category"].raw.get("class_labels")
    if not classes:
        return {}
    return {name: np.array([classes.index(label) for label in manifests[name].labels])
            for name in MODEL_NAMES if name != "category"}


def _softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max())
    return e / e.sum()


def _quantise(x: np.ndarray, detail: dict) -> np.ndarray:  # type: ignore[type-arg]
    x = x.reshape(detail["shape"])
    dtype = detail["dtype"]
    if dtype == np.float32:
        return x.astype(np.float32)
    scale, zero_point = detail["quantization"]
    info = np.iinfo(dtype)
    return np.clip(np.round(x / scale + zero_point), info.min, info.max).astype(dtype)


def _dequantise(y: np.ndarray, detail: dict) -> np.ndarray:  # type: ignore[type-arg]
    if detail["dtype"] == np.float32:
        return y.astype(np.float32)
    scale, zero_point = detail["quantization"]
    return (y.astype(np.float32) - zero_point) * scale
