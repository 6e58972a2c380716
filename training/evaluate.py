"""Score the exported models on the held-out test split, float32 and int8, through the very
``boardread.reader.Reader`` the service uses.

    python -m training.evaluate [--smoke]

Writes ``build/eval/metrics.json`` and copies the headline metrics into each model manifest.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from pathlib import Path

import numpy as np
from boardread.pipeline import prepare_photo
from boardread.reader import Reader

from .config import TrainConfig, stage_config
from .dataset import load_split
from .glyphs import GlyphSpec
from .models import TASKS
from .render import render_photo

log = logging.getLogger("training.evaluate")
WORST = 24  # misreads kept for the report's grid
CONSISTENCY = 200  # test photos re-rendered and re-preprocessed to prove the data is current
SAMPLE = 150  # test glyphs committed with the models so a test can re-check the numbers
USER_TEST = "user-test"  # held-out photos of --extra FOLDER (training.dataset)
SAMPLE_PATH = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "reader_sample.npz"


def task_scores(reader: Reader, data: dict[str, np.ndarray]) -> dict[str, dict]:
    """Each model alone on its own test subset: accuracy, cross-entropy, confusion matrix."""
    out = {}
    for task, labels in TASKS.items():
        keep = np.ones(len(data["x"]), bool) if task == "category" else data["category"] == task
        truth = data["category"][keep] if task == "category" else data["label"][keep]
        index = {name: i for i, name in enumerate(labels)}
        y = np.array([index[t] for t in truth])
        probs = np.stack([reader.models[task].predict(x) for x in data["x"][keep]])
        pred = probs.argmax(axis=1)
        confusion = np.zeros((len(labels), len(labels)), int)
        np.add.at(confusion, (y, pred), 1)
        out[task] = {
            "samples": len(y),
            "accuracy": float((pred == y).mean()),
            "cross_entropy": float(-np.log(np.clip(probs[np.arange(len(y)), y], 1e-7, 1)).mean()),
            "labels": list(labels),
            "confusion": confusion.tolist(),
        }
    return out


def end_to_end(reader: Reader, data: dict[str, np.ndarray]) -> tuple[dict, list[dict]]:
    """The service's answer (best joint option) against the truth, broken down."""
    right = np.zeros(len(data["x"]), bool)
    answers = []
    for i, x in enumerate(data["x"]):
        best = reader.read(x)[0]
        truth_label = data["label"][i] or None
        right[i] = best.category == data["category"][i] and best.label == truth_label
        answers.append((best.category, best.label, best.confidence))
    breakdown: dict[str, dict[str, dict[str, float]]] = defaultdict(dict)
    for field in ("category", "style", "source", "board_found"):
        values = data[field].astype(str)
        for value in sorted(set(values)):
            breakdown[field][value] = _score(right, values == value)
    breakdown["style_by_category"] = style_by_category(data, right)
    breakdown["all"] = {"all": _score(right, np.ones(len(right), bool))}
    breakdown["confidence"] = confidence_bins(np.array([a[2] for a in answers]), right)
    wrong = [i for i in np.argsort([-a[2] for a in answers]) if not right[i]][:WORST]
    misreads = [{"index": int(i), "category": str(data["category"][i]),
                 "label": str(data["label"][i]), "read_category": answers[i][0],
                 "read_label": answers[i][1], "confidence": float(answers[i][2]),
                 "source": str(data["source"][i]), "key": str(data["key"][i]),
                 "char": str(data["char"][i]), "group": str(data["group"][i]),
                 "seed": int(data["seed"][i]), "style": str(data["style"][i])}
                for i in wrong]
    return dict(breakdown), misreads


def style_by_category(data: dict[str, np.ndarray], right: np.ndarray) -> dict[str, dict]:
    """Accuracy per board style and category: every style must carry every category, or the
    board itself could tell the models the answer."""
    out: dict[str, dict] = {}
    for style in sorted(set(data["style"].astype(str))):
        out[style] = {}
        for category in sorted(set(data["category"].astype(str))):
            out[style][category] = _score(
                right, (data["style"] == style) & (data["category"] == category))
    return out


def _score(right: np.ndarray, mask: np.ndarray) -> dict[str, float]:
    """How many answers ``mask`` selects and the share of them that is right (0 for none)."""
    return {"samples": int(mask.sum()),
            "accuracy": float(right[mask].mean()) if mask.any() else 0.0}


# Bands of the answer's confidence; the page words its answers by these (sure / probably / unsure).
CONFIDENCE_BANDS = ((0.9, 1.01, "90-100 %"), (0.6, 0.9, "60-90 %"), (0.0, 0.6, "under 60 %"))


def confidence_bins(confidence: np.ndarray, right: np.ndarray) -> dict[str, dict[str, float]]:
    """How often an answer is right, by how sure the service said it was."""
    out = {}
    for low, high, name in CONFIDENCE_BANDS:
        out[name] = _score(right, (confidence >= low) & (confidence < high))
    return out


def check_no_leak(build_dir: Path) -> dict[str, int]:
    """Count groups on two sides of the split (must be zero) and return group counts."""
    groups = {s: set(load_split(build_dir, s)["group"].tolist()) for s in ("train", "val", "test")}
    shared = (groups["train"] & groups["test"]) | (groups["train"] & groups["val"]) | (
        groups["val"] & groups["test"])
    if shared:
        raise SystemExit(f"leak: {len(shared)} groups on two sides of the split, e.g. "
                         f"{sorted(shared)[:3]}")
    return {s: len(g) for s, g in groups.items()}


def pipeline_consistency(test: dict[str, np.ndarray], count: int) -> dict[str, float]:
    """Re-render test photos from their seeds and run today's ``prepare_photo``: the stored
    glyphs must be what the shipped preprocessing makes, or the numbers would be stale."""
    same = 0
    count = min(count, len(test["x"]))
    for i in range(count):
        spec = GlyphSpec(str(test["source"][i]), str(test["category"][i]),
                         str(test["label"][i]) or None, str(test["group"][i]),
                         str(test["key"][i]), str(test["char"][i]))
        glyph = prepare_photo(render_photo(spec, int(test["seed"][i])).data).glyph.image
        same += int(np.array_equal(glyph, test["x"][i]))
    return {"checked": count, "identical": same}


def evaluate(config: TrainConfig, sample_path: Path | None = SAMPLE_PATH) -> dict:
    test = load_split(config.build_dir, "test")
    real = (load_split(config.build_dir, USER_TEST)
            if (config.build_dir / "data" / f"{USER_TEST}.npz").is_file() else None)
    result: dict = {"groups": check_no_leak(config.build_dir), "models": {},
                    "pipeline_consistency": pipeline_consistency(test, CONSISTENCY)}
    log.info("pipeline consistency: %s", result["pipeline_consistency"])
    for kind, folder in (("int8", config.model_dir),
                         ("float32", config.build_dir / "models" / "float32")):
        reader = Reader(folder)
        e2e, misreads = end_to_end(reader, test)
        if kind == "int8" and sample_path is not None:
            result["sample"] = write_sample(test, reader, sample_path, config.seed)
        result["models"][kind] = {"version": reader.version, "tasks": task_scores(reader, test),
                                  "end_to_end": e2e, "worst": misreads,
                                  "bytes": {n: m.path.stat().st_size
                                            for n, m in reader.manifests.items()}}
        if real is not None:
            result["models"][kind]["real_photos"] = real_photo_scores(reader, real)
        log.info("%s end to end: %s", kind, json.dumps(
            {k: round(v["accuracy"], 4) for k, v in e2e["category"].items()}))
    out = config.build_dir / "eval"
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(result, indent=1))
    _stamp_manifests(config.model_dir, result["models"]["int8"])
    return result


def real_photo_scores(reader: Reader, real: dict[str, np.ndarray]) -> dict:
    """End to end on the held-out photos of a user's folder (``--extra``), kept apart from the
    rendered test split: real photos are what the rendered data lacks most."""
    breakdown, _ = end_to_end(reader, real)
    return {field: breakdown[field] for field in ("category", "all", "board_found", "confidence")}


def write_sample(test: dict[str, np.ndarray], reader: Reader, path: Path, seed: int) -> dict:
    """A fixed sample of test glyphs with what the int8 models answered and scored on it."""
    picks = np.sort(np.random.default_rng(seed).choice(len(test["x"]), SAMPLE, replace=False))
    return _save_sample(path, reader, test["x"][picks], test["category"][picks],
                        test["label"][picks])


def refresh_sample(path: Path, reader: Reader) -> dict:
    """The committed sample's answers again, from ``reader`` (after a change to the reading
    or to the models' outputs, with no new test split to draw a sample from)."""
    sample = np.load(path)
    return _save_sample(path, reader, sample["x"], sample["category"], sample["label"])


def _save_sample(path: Path, reader: Reader, x: np.ndarray, category: np.ndarray,
                 label: np.ndarray) -> dict:
    firsts = [reader.read(image)[0] for image in x]
    category_probs = np.stack([reader.models["category"].predict(image) for image in x])
    right = [o.category == c and o.label == (lab or None)
             for o, c, lab in zip(firsts, category, label)]
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path, x=x, category=category, label=label,
        read_category=np.array([o.category for o in firsts]),
        read_label=np.array([o.label or "" for o in firsts]),
        confidence=np.array([o.confidence for o in firsts]),
        category_probs=category_probs, accuracy=np.array(float(np.mean(right))),
        model_version=np.array(reader.version))
    return {"samples": len(x), "accuracy": float(np.mean(right))}


def _stamp_manifests(model_dir: Path, scores: dict) -> None:
    for task in TASKS:
        path = model_dir / f"{task}.json"
        manifest = json.loads(path.read_text())
        task_score = scores["tasks"][task]
        manifest["metrics"] = {
            "test_samples": task_score["samples"],
            "test_accuracy": round(task_score["accuracy"], 4),
            "test_cross_entropy": round(task_score["cross_entropy"], 4),
            "end_to_end_accuracy": {k: round(v["accuracy"], 4)
                                    for k, v in scores["end_to_end"]["category"].items()},
        }
        path.write_text(json.dumps(manifest, indent=1) + "\n")


def main(argv: list[str] | None = None) -> None:
    config, args = stage_config(__doc__, argv, lambda parser: parser.add_argument(
        "--refresh-sample", action="store_true",
        help="only answer the committed sample again with the models in --model-dir"))
    if args.refresh_sample:
        log.info("sample: %s", refresh_sample(SAMPLE_PATH, Reader(config.model_dir)))
        return
    evaluate(config, None if args.smoke else SAMPLE_PATH)

if __name__ == "__main__":
    main()
