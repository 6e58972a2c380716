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
        self._output = self._interpreter.get_output_details()[0]
        self._lock = threading.Lock()
        self.input_side = int(self._input["shape"][1])

    def predict(self, image: np.ndarray) -> np.ndarray:
        """Class probabilities for one uint8 image (white ink on black)."""
        x = _quantise(image.astype(np.float32) / 255.0, self._input)
        with self._lock:
            self._interpreter.set_tensor(self._input["index"], x)
            self._interpreter.invoke()
            y = self._interpreter.get_tensor(self._output["index"])[0]
        probs = _dequantise(y, self._output)
        total = float(probs.sum())
        return probs / total if total > 0 else np.full_like(probs, 1.0 / len(probs))


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

    def read(self, image: np.ndarray) -> list[Option]:
        """Every answer worth listing, best first (the first is the reading)."""
        category_probs = self.models["category"].predict(image)
        labels = self.manifests["category"].labels
        second = _second_stages(labels, category_probs)
        options: list[Option] = []
        for category, p_cat in zip(labels, category_probs.tolist()):
            if category == "free_pattern":
                options.append(Option(category, None, p_cat, p_cat, None))
            elif category in second:
                label_probs = self.models[category].predict(image)
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
