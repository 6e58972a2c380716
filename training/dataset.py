"""Render the photos of each split and run them through boardread's own preprocessing.

The split is decided per glyph group before anything is rendered (see ``splits``); each photo
is then rendered from a per-sample seed and read with ``boardread.pipeline.prepare_photo``, the
very function the Lambda function runs. Output: ``build/data/<split>.npz``.

    python -m training.dataset [--smoke] [--splits val test] [--extra FOLDER [--extra-only]]
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import multiprocessing as mp
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from boardread.cli import labelled_photos
from boardread.errors import ReaderError
from boardread.malloc import keep_freed_memory
from boardread.pipeline import prepare_photo

from .catalog import build_catalog
from .config import TrainConfig, stage_config
from .glyphs import DIGITS, LETTERS, GlyphSpec
from .render import render_photo
from .splits import SPLITS, assign_groups, split_specs

log = logging.getLogger("training.dataset")
CATEGORIES = ("digit", "letter", "free_pattern")
LABELS = {"digit": DIGITS, "letter": LETTERS}


@dataclass(frozen=True)
class Sample:
    image: np.ndarray
    spec: GlyphSpec
    seed: int
    style: str
    board_found: bool
    cropped: bool


class Pool:
    """split -> category -> source -> label -> group -> specs, for balanced sampling."""

    def __init__(self, by_split: dict[str, dict[str, list[GlyphSpec]]]) -> None:
        tree: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(
            lambda: defaultdict(lambda: defaultdict(list)))))
        for split, sources in by_split.items():
            for source, specs in sources.items():
                for spec in specs:
                    tree[split][spec.category][source][spec.label][spec.group].append(spec)
        self.tree = tree

    def draw(self, split: str, category: str, shares: dict[str, float],
             rng: np.random.Generator) -> GlyphSpec:
        """Label uniformly, then a source by share, then a group uniformly, then a glyph."""
        branch = self.tree[split][category]
        label = None if category == "free_pattern" else str(rng.choice(LABELS[category]))
        sources = [s for s in shares if branch[s].get(label)]
        weights = np.array([shares[s] for s in sources])
        source = sources[int(rng.choice(len(sources), p=weights / weights.sum()))]
        groups = branch[source][label]
        names = sorted(groups)
        specs = groups[names[int(rng.integers(len(names)))]]
        return specs[int(rng.integers(len(specs)))]


def sample_seed(run_seed: int, split: str, index: int) -> int:
    """The render seed of one sample, stable across runs and machines."""
    digest = hashlib.sha256(f"{run_seed}:{split}:{index}".encode()).digest()
    return int.from_bytes(digest[:4], "little")


def choice_rng(seed: int) -> np.random.Generator:
    """The stream that picks a sample's category and glyph: independent of ``render_photo``'s
    stream for the same seed. Sharing that stream tied the choices to the render's: the first
    draw picked both the category and the board style, so every digit was on a whiteboard."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1,)))


_POOL: Pool | None = None
_CONFIG: TrainConfig | None = None


def _init_worker(config: TrainConfig, pool: Pool) -> None:
    """Set up a rendering process; ``pool`` is the catalog already split (a forked worker
    inherits the parent's: the font scan is done and its cache written once, not per worker)."""
    global _POOL, _CONFIG
    cv2.setNumThreads(1)
    keep_freed_memory()  # each photo's arrays reuse the last one's memory (same bytes, faster)
    _POOL = pool
    _CONFIG = config


def make_sample(job: tuple[str, int]) -> Sample | None:
    """Render and preprocess sample ``index`` of ``split``."""
    split, index = job
    assert _POOL is not None and _CONFIG is not None
    seed = sample_seed(_CONFIG.seed, split, index)
    rng = choice_rng(seed)
    shares = _CONFIG.category_shares
    category = str(rng.choice(CATEGORIES, p=[shares[c] for c in CATEGORIES]))
    spec = _POOL.draw(split, category, _CONFIG.source_shares[category], rng)
    photo = render_photo(spec, seed)
    try:
        prepared = prepare_photo(photo.data)
    except ReaderError:
        return None
    return Sample(image=prepared.glyph.image, spec=spec, seed=seed, style=photo.style,
                  board_found=prepared.board_found, cropped=photo.cropped)


def build_split(config: TrainConfig, split: str, pool: mp.pool.Pool) -> Path:
    count = config.photos[split]
    jobs = [(split, i) for i in range(count)]
    samples: list[Sample] = []
    start = time.time()
    for n, sample in enumerate(pool.imap(make_sample, jobs, chunksize=16), 1):
        if sample is not None:
            samples.append(sample)
        if n % 1000 == 0 or n == count:
            rate = n / (time.time() - start)
            log.info("%s: %d/%d photos, %.0f/s, ETA %.0f s", split, n, count, rate,
                     (count - n) / rate)
    return save_samples(config.build_dir / "data" / f"{split}.npz", samples)


def save_samples(path: Path, samples: list[Sample]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    field = lambda name: np.array([getattr(s.spec, name) or "" for s in samples])
    np.savez_compressed(
        path,
        x=np.stack([s.image for s in samples]).astype(np.uint8),
        category=field("category"), label=field("label"), group=field("group"),
        source=field("source"), key=field("key"), char=field("char"),
        seed=np.array([s.seed for s in samples], np.uint32),
        style=np.array([s.style for s in samples]),
        board_found=np.array([s.board_found for s in samples]),
        cropped=np.array([s.cropped for s in samples]),
    )
    return path


def load_split(build_dir: Path, split: str) -> dict[str, np.ndarray]:
    with np.load(build_dir / "data" / f"{split}.npz") as data:
        return {k: data[k] for k in data.files}


# ----------------------------------------------------------------- a user's own photos

USER_VARIANTS = 4  # extra renders of each training photo (perspective, light, JPEG)


def user_photos(folder: Path) -> list[tuple[Path, str, str | None]]:
    """The labelled photos of ``folder`` (the layout ``boardread evaluate`` reads) whose label
    is a class of its category's model."""
    return [(path, category, label) for path, category, label in labelled_photos(folder)
            if label is None or label in LABELS[category]]


def user_samples(folder: Path, seed: int) -> dict[str, list[Sample]]:
    """Each photo is its own group: the photo and all its variants land in one split."""
    photos = user_photos(folder)
    groups = [f"user:{p.relative_to(folder)}" for p, _, _ in photos]
    assignment = assign_groups(groups, seed)
    out: dict[str, list[Sample]] = {s: [] for s in SPLITS}
    for (path, category, label), group in zip(photos, groups):
        split = assignment[group]
        spec = GlyphSpec("user", category, label, group, str(path))
        data = path.read_bytes()
        variants = [data] + (_variants(data, seed) if split == "train" else [])
        for k, blob in enumerate(variants):
            try:
                prepared = prepare_photo(blob)
            except ReaderError:
                continue
            out[split].append(Sample(prepared.glyph.image, spec, k, "user",
                                     prepared.board_found, False))
    return out


def _variants(data: bytes, seed: int) -> list[bytes]:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        return []
    rng = np.random.default_rng([seed, len(data)])
    h, w = image.shape[:2]
    out = []
    for _ in range(USER_VARIANTS):
        src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
        dst = (src + rng.uniform(-0.05, 0.05, (4, 2)) * (w, h)).astype(np.float32)
        warped = cv2.warpPerspective(image, cv2.getPerspectiveTransform(src, dst), (w, h),
                                     borderMode=cv2.BORDER_REPLICATE)
        warped = np.clip(warped * rng.uniform(0.7, 1.2), 0, 255).astype(np.uint8)
        ok, buf = cv2.imencode(".jpg", warped, [cv2.IMWRITE_JPEG_QUALITY,
                                                int(rng.integers(50, 95))])
        if ok:
            out.append(buf.tobytes())
    return out


def build_all(config: TrainConfig, extra: Path | None = None, extra_only: bool = False,
              splits: tuple[str, ...] = SPLITS) -> None:
    """Render ``splits`` (unless ``extra_only``), then the user's photos of ``extra``.
    User data of an earlier run is removed either way, so no stale photo trains a model."""
    if not extra_only:
        ctx = mp.get_context("fork")
        glyphs = Pool(split_specs(build_catalog(config.build_dir / "fonts.json"), config.seed))
        with ctx.Pool(config.workers, initializer=_init_worker,
                      initargs=(config, glyphs)) as pool:
            for split in splits:
                build_split(config, split, pool)
    for stale in (config.build_dir / "data").glob("user-*.npz"):
        stale.unlink()
    if extra is not None:
        for split, samples in user_samples(extra, config.seed).items():
            if samples:
                save_samples(config.build_dir / "data" / f"user-{split}.npz", samples)
                log.info("%s: %d samples from %s", split, len(samples), extra)


def main(argv: list[str] | None = None) -> None:
    def add_arguments(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--extra", type=Path, help="a folder of your own labelled photos "
                            "(digit/7/*.jpg, letter/K/*.jpg, free_pattern/*.jpg)")
        parser.add_argument("--extra-only", action="store_true",
                            help="keep the rendered splits, rebuild only the --extra photos")
        parser.add_argument("--splits", nargs="+", choices=SPLITS, default=list(SPLITS),
                            help="render only these (val test: ~5 minutes, for a review)")

    config, args = stage_config(__doc__, argv, add_arguments)
    if args.extra is not None and not args.extra.is_dir():
        raise SystemExit(f"--extra {args.extra}: not a folder")
    if args.extra_only and not all((config.build_dir / "data" / f"{s}.npz").is_file()
                                   for s in SPLITS):
        raise SystemExit("--extra-only needs the rendered splits: run without it first")
    build_all(config, args.extra, args.extra_only, tuple(args.splits))

if __name__ == "__main__":
    main()
