"""Model manifests: what each model file is, what it expects and how it was made."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import ModelError

MODEL_NAMES = ("category", "digit", "letter")


@dataclass(frozen=True)
class ModelManifest:
    name: str
    path: Path
    labels: tuple[str, ...]
    sha256: str
    created: str
    raw: dict[str, Any]


def default_model_dir() -> Path:
    """The models shipped inside the package."""
    return Path(str(resources.files("boardread") / "models"))


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_manifest(model_dir: Path, name: str) -> ModelManifest:
    """Read ``<name>.json`` beside ``<name>.tflite`` and check the model's checksum."""
    meta_path = model_dir / f"{name}.json"
    model_path = model_dir / f"{name}.tflite"
    if not meta_path.is_file() or not model_path.is_file():
        raise ModelError(f"model {name!r} missing in {model_dir}")
    raw = json.loads(meta_path.read_text())
    actual = sha256_file(model_path)
    if raw.get("sha256") != actual:
        raise ModelError(f"{model_path} does not match its manifest's sha256")
    return ModelManifest(name=name, path=model_path, labels=tuple(raw["labels"]),
                         sha256=actual, created=str(raw.get("created", "")), raw=raw)


def model_version(manifests: dict[str, ModelManifest]) -> str:
    """``<date>-<hash>``: the newest model's date and a hash over all three models."""
    digest = hashlib.sha256("".join(m.sha256 for m in manifests.values()).encode()).hexdigest()
    date = max((m.created for m in manifests.values()), default="")[:10] or "undated"
    return f"{date}-{digest[:6]}"
