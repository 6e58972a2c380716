"""Convert the trained Keras models to TFLite: full-integer int8 for serving, float32 for
comparison, each with a manifest.

    python -m training.export [--smoke]
    python -m training.export --add-class-logits MODEL_DIR   # upgrade an exported category model

int8 calibration uses a representative set drawn from the *train* split only. The category
model also gives its training classes' logits (a second output, ``class_logits``): the reader
weighs the category model's own opinion of the character with the second stage's.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path

import numpy as np
import tensorflow as tf
from boardread.manifest import sha256_file
from boardread.normalise import GLYPH_SIDE, MODEL_SIDE
from tensorflow.lite.tools import flatbuffer_utils

from .config import TrainConfig, stage_config
from .dataset import load_split
from .models import TASKS, training_classes
from .train import task_arrays

log = logging.getLogger("training.export")
NORMALISATION = (
    f"boardread.normalise.normalise_glyph: white ink on black, glyph long side {GLYPH_SIDE} px "
    f"centred in {MODEL_SIDE}x{MODEL_SIDE}, uint8 / 255 -> [0, 1], then quantised with the "
    "input tensor's scale and zero point"
)


def representative(x: np.ndarray, count: int, seed: int):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(x), size=min(count, len(x)), replace=False)

    def gen():  # type: ignore[no-untyped-def]
        for i in picks:
            yield [x[i : i + 1]]

    return gen


def convert(model: tf.keras.Model, rep=None) -> bytes:  # type: ignore[no-untyped-def]
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if rep is not None:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = rep
        # Fail rather than keep a float op: the served model must be integer end to end.
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
    return converter.convert()


CLASS_LOGITS = "class_logits"
# The tensor of the category network's class logits (before its softmax) in a converted model.
_CLASS_LOGITS_TENSOR = b"fine_probs/BiasAdd"


def with_class_logits(model: bytes) -> bytes:
    """The converted category model with its class logits as a second output,
    ``class_logits`` (one per ``training_classes("category")``, in that order)."""
    tree = flatbuffer_utils.convert_bytearray_to_object(bytearray(model))
    graph = tree.subgraphs[0]
    found = [i for i, t in enumerate(graph.tensors) if t.name.endswith(_CLASS_LOGITS_TENSOR)]
    if len(found) != 1:
        raise ValueError(f"expected one {_CLASS_LOGITS_TENSOR!r} tensor, found {len(found)}")
    index = found[0]
    if index not in list(graph.outputs):
        graph.outputs = np.append(graph.outputs, index).astype(np.int32)
        output = type(tree.signatureDefs[0].outputs[0])()
        output.name, output.tensorIndex = CLASS_LOGITS.encode(), index
        tree.signatureDefs[0].outputs.append(output)
    return bytes(flatbuffer_utils.convert_object_to_bytearray(tree))


def add_class_logits(model_dir: Path) -> None:
    """Give an exported category model (and its manifest) the ``class_logits`` output."""
    path, meta = model_dir / "category.tflite", model_dir / "category.json"
    path.write_bytes(with_class_logits(path.read_bytes()))
    manifest = json.loads(meta.read_text())
    manifest.update(sha256=sha256_file(path), bytes=path.stat().st_size,
                    class_labels=list(training_classes("category")))
    meta.write_text(json.dumps(manifest, indent=1) + "\n")


def input_details(path: Path) -> dict[str, object]:
    interpreter = tf.lite.Interpreter(model_path=str(path))
    detail = interpreter.get_input_details()[0]
    scale, zero_point = detail["quantization"]
    return {"shape": [int(v) for v in detail["shape"]], "dtype": np.dtype(detail["dtype"]).name,
            "scale": float(scale), "zero_point": int(zero_point)}


def export_task(config: TrainConfig, task: str, train: dict, version_date: str) -> None:
    model = tf.keras.models.load_model(config.build_dir / "models" / f"{task}.keras")
    x, _ = task_arrays(train, task)
    history = json.loads((config.build_dir / "models" / f"{task}.history.json").read_text())
    targets = {"int8": (config.model_dir, representative(x, config.representative_samples,
                                                           config.seed)),
               "float32": (config.build_dir / "models" / "float32", None)}
    for kind, (folder, rep) in targets.items():
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{task}.tflite"
        converted = convert(model, rep)
        path.write_bytes(with_class_logits(converted) if task == "category" else converted)
        manifest = {
            "name": task,
            "kind": kind,
            "labels": list(TASKS[task]),
            **({"class_labels": list(training_classes(task))} if task == "category" else {}),
            "input": {**input_details(path), "normalisation": NORMALISATION},
            "sha256": sha256_file(path),
            "bytes": path.stat().st_size,
            "created": version_date,
            "training": {"train_samples": history["train_samples"],
                         "val_samples": history["val_samples"],
                         "epochs_run": len(history["history"]["loss"]),
                         # over the classes the network learnt (finer than "labels" for the
                         # category model: see training.models.FINE_CLASSES)
                         "classes": list(training_classes(task)),
                         "best_val_accuracy": max(history["history"]["val_accuracy"])},
            "data": {"recipe": "python -m training.dataset (rendered board photos, split by "
                               "source group before rendering)",
                     "config": config.to_dict()},
            "metrics": {},
        }
        (folder / f"{task}.json").write_text(json.dumps(manifest, indent=1) + "\n")
        log.info("%s %s: %d bytes -> %s", task, kind, path.stat().st_size, path)


def main(argv: list[str] | None = None) -> None:
    config, args = stage_config(__doc__, argv, lambda parser: parser.add_argument(
        "--add-class-logits", type=Path, metavar="MODEL_DIR",
        help="only give the exported category model in MODEL_DIR its class_logits output"))
    if args.add_class_logits:
        add_class_logits(args.add_class_logits)
        return
    train = load_split(config.build_dir, "train")
    date = dt.date.today().isoformat()
    for task in TASKS:
        export_task(config, task, train, date)

if __name__ == "__main__":
    main()
