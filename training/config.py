"""Every knob of a training run, in one frozen dataclass; ``--smoke`` is a named preset."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class TrainConfig:
    seed: int = 2026  # one seed for splits, renders, weights
    build_dir: Path = REPO / "build"  # generated data and checkpoints (never committed)
    model_dir: Path = REPO / "layers" / "reader" / "boardread" / "models"  # exported models
    report_dir: Path = REPO / "training" / "report"
    # photos rendered per split (train photos are also augmented at the glyph level)
    photos: dict[str, int] = field(
        default_factory=lambda: {"train": 60000, "val": 3000, "test": 6000})
    category_shares: dict[str, float] = field(
        default_factory=lambda: {"digit": 0.3, "letter": 0.45, "free_pattern": 0.25})
    # where each category's glyphs come from (shares within the category)
    source_shares: dict[str, dict[str, float]] = field(default_factory=lambda: {
        "digit": {"font": 0.45, "hershey": 0.2, "mnist": 0.35},
        "letter": {"font": 0.55, "hershey": 0.33, "omniglot": 0.12},
        "free_pattern": {"quickdraw": 0.35, "shape": 0.3, "font": 0.15, "hershey": 0.1,
                         "omniglot": 0.1},
    })
    workers: int = 2  # processes rendering photos
    epochs: int = 24  # one cosine schedule; early stopping can end it sooner
    # The learning rate decays to zero, so the last epochs are the ones that settle the weights.
    # Early stopping watches validation accuracy, which climbs to the end, not validation loss,
    # which swings by 0.03-0.06 from epoch to epoch: on loss, `df5d54`'s digit network stopped
    # at epoch 22 with epoch 14's weights (95.96 % of the validation digits; epochs 19-22 read
    # 96.77-96.88 %), a category network on seed 2027 at 21 with epoch 13's. Stop only after a
    # third of the run without a new best (5 stopped a category model at epoch 19 of 24: run
    # to the end, the same model read 0.9 points more of the test photos).
    patience: int = 8
    # Validation figures swing while the learning rate is high (BatchNorm statistics): judge and
    # keep the best epoch only from here on, or an early swing ends the run at its start.
    # Keras 2.15 restores the best epoch's weights only when it stops a run early: a run that
    # reaches its last epoch keeps the last epoch's (the category network on 40,000 photos,
    # with and without restoring: the same predictions on all 9,000 validation and test photos).
    early_stop_from: int = 12
    batch_size: int = 128
    learning_rate: float = 2e-3
    representative_samples: int = 300  # from the train split only, for int8 calibration

    def to_dict(self) -> dict[str, object]:
        out = asdict(self)
        for key in ("build_dir", "model_dir", "report_dir"):
            out[key] = str(out[key])
        return out


def smoke_config(base: TrainConfig | None = None, build_dir: Path | None = None,
                 model_dir: Path | None = None) -> TrainConfig:
    """Tiny data, one epoch: proves the whole pipeline runs, in CI, in a few minutes."""
    base = base or TrainConfig()
    build = build_dir or base.build_dir / "smoke"
    return replace(base, build_dir=build, model_dir=model_dir or build / "models",
                   report_dir=build / "report",
                   photos={"train": 240, "val": 60, "test": 90}, epochs=1, patience=1,
                   representative_samples=40)


def stage_config(doc: str, argv: list[str] | None = None,
                 add_arguments: Callable[[argparse.ArgumentParser], None] | None = None
                 ) -> tuple[TrainConfig, argparse.Namespace]:
    """The command line every stage shares (``--smoke``, ``--build-dir``, ``--model-dir``):
    the resolved config, the parsed arguments, and logging set up for the run."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="tiny data, one epoch")
    parser.add_argument("--build-dir", type=Path, help="generated data and checkpoints")
    parser.add_argument("--model-dir", type=Path, help="where the int8 models are exported")
    if add_arguments is not None:
        add_arguments(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if args.smoke:
        return smoke_config(build_dir=args.build_dir, model_dir=args.model_dir), args
    overrides = {k: v for k, v in (("build_dir", args.build_dir), ("model_dir", args.model_dir))
                 if v is not None}
    return replace(TrainConfig(), **overrides), args
