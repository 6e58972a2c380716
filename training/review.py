"""A person's review of the misreads: which a person could read the same way, which the
preprocessing broke, which the models got wrong.

    python -m training.review [--smoke] [--split test] [--sample 96] [--judged FILE]

Reads ``build/data/<split>.npz`` with the models of ``--model-dir`` (the packaged ones unless
told) and prints how often the truth is the answer or among the two or three best answers, and
the misreads by kind. It draws a random sample of the misreads (the same sample for the same
photos, models and ``--seed``) and writes grids of them to ``build/review/<split>-NN.png``: the
photo re-rendered from its seed, the flattened board and the model's input, captioned with the
sample number. Whoever looks at them writes one line per sample number into a file:

    12 A   ambiguous: the glyph as drawn could be the answer read (a narrow o read 0)
    13 P   preprocessing: the model's input has lost or broken the glyph
    14 M   model: the input shows the glyph, and a person reads the truth

``--judged FILE`` then prints the tally, by kind of misread and by glyph source, and what it
means for the whole split, with a 95 % interval (Wilson).
"""

from __future__ import annotations

import argparse
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from boardread.reader import Reader

from .config import stage_config
from .dataset import load_split
from .report import misread_tile, write_grid

JUDGEMENTS = {"A": "ambiguous to a person", "P": "preprocessing broke the glyph",
              "M": "model: a person reads the truth"}
KINDS = ("digit <-> letter", "character read as free pattern", "free pattern read as character",
         "wrong character, right category")
TILES_PER_GRID = 12
COLUMNS = 3


@dataclass(frozen=True)
class Reading:
    """One photo of the split: the truth, the answer, and the truth's rank among the answers."""

    index: int
    category: str
    label: str | None
    read_category: str
    read_label: str | None
    confidence: float
    rank: int  # 1 for a right answer; 0 when the truth is not among the alternatives

    @property
    def kind(self) -> str:
        """Which of KINDS a misread is."""
        if self.read_category == self.category:
            return KINDS[3]
        if self.read_category == "free_pattern":
            return KINDS[1]
        if self.category == "free_pattern":
            return KINDS[2]
        return KINDS[0]


def read_split(reader: Reader, data: dict[str, np.ndarray]) -> list[Reading]:
    """Every photo of a split as the service answers it."""
    out = []
    for i, x in enumerate(data["x"]):
        options = reader.read(x)
        truth = (str(data["category"][i]), str(data["label"][i]) or None)
        answers = [(o.category, o.label) for o in options]
        rank = answers.index(truth) + 1 if truth in answers else 0
        out.append(Reading(i, *truth, options[0].category, options[0].label,
                           options[0].confidence, rank))
    return out


def top_k(readings: list[Reading], k: int) -> float:
    """Share of photos whose truth is among the ``k`` best answers (k=1: read right)."""
    return sum(0 < r.rank <= k for r in readings) / len(readings)


def misread_sample(readings: list[Reading], size: int, seed: int) -> list[Reading]:
    """A random sample of the misreads, in the split's order."""
    wrong = [r for r in readings if r.rank != 1]
    picks = np.random.default_rng(seed).choice(len(wrong), min(size, len(wrong)), replace=False)
    return [wrong[i] for i in sorted(picks)]


def write_sample_grids(sample: list[Reading], data: dict[str, np.ndarray], out: Path,
                       split: str) -> list[Path]:
    """Grids of TILES_PER_GRID misreads each; tile n is sample number n."""
    out.mkdir(parents=True, exist_ok=True)
    tiles = [misread_tile(_item(r, data), _caption(n, r, data)) for n, r in enumerate(sample)]
    paths = []
    for g in range(0, len(tiles), TILES_PER_GRID):
        path = out / f"{split}-{g // TILES_PER_GRID:02d}.png"
        write_grid(tiles[g : g + TILES_PER_GRID], path, COLUMNS)
        paths.append(path)
    return paths


def parse_judgements(text: str, sample_size: int) -> dict[int, str]:
    """``N CODE [comment]`` lines (``#`` starts a comment line): sample number -> A, P or M.
    Raises ValueError for an unknown code, a number outside the sample or one judged twice."""
    out: dict[int, str] = {}
    for n, line in enumerate(text.splitlines(), 1):
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if len(words) < 2 or not words[0].isdigit() or words[1] not in JUDGEMENTS:
            raise ValueError(f"line {n}: {line!r} is not 'N A|P|M'")
        number = int(words[0])
        if number >= sample_size or number in out:
            raise ValueError(f"line {n}: sample number {number} is outside the sample of "
                             f"{sample_size} or judged twice")
        out[number] = words[1]
    return out


def wilson(hits: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The 95 % Wilson score interval of a share ``hits / n``."""
    if n == 0:
        return 0.0, 1.0
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def tally_lines(sample: list[Reading], judged: dict[int, str], data: dict[str, np.ndarray],
                misreads: int, photos: int) -> list[str]:
    """The judged sample as markdown tables, and its share scaled to the whole split."""
    codes = [judged[n] for n in range(len(sample)) if n in judged]
    heading = (f"{len(codes)} of {len(sample)} sampled misreads judged "
               f"({misreads} misreads in {photos} photos)")
    lines = [heading, "",
             "| judgement | sampled | share of misreads | share of all photos (95 % interval) |",
             "|---|---|---|---|"]
    for code, meaning in JUDGEMENTS.items():
        hits = codes.count(code)
        low, high = wilson(hits, len(codes))
        scale = misreads / photos * 100
        lines.append(f"| {code}: {meaning} | {hits} | {hits / max(1, len(codes)) * 100:.0f} % "
                     f"| {hits / max(1, len(codes)) * scale:.1f} % ({low * scale:.1f}-"
                     f"{high * scale:.1f}) |")
    for title, key in (("kind of misread", lambda r: r.kind),
                       ("glyph source", lambda r: str(data["source"][r.index]))):
        counts = Counter((key(r), judged[n]) for n, r in enumerate(sample) if n in judged)
        lines += ["", f"| {title} | " + " | ".join(JUDGEMENTS) + " |",
                  "|---|" + "---|" * len(JUDGEMENTS)]
        for value in sorted({v for v, _ in counts}):
            lines.append(f"| {value} | " + " | ".join(str(counts[value, c]) for c in JUDGEMENTS)
                         + " |")
    return lines


def _item(r: Reading, data: dict[str, np.ndarray]) -> dict:
    """A misread in the shape ``report.misread_tile`` draws."""
    i = r.index
    return {"source": str(data["source"][i]), "category": r.category, "label": r.label or "",
            "group": str(data["group"][i]), "key": str(data["key"][i]),
            "char": str(data["char"][i]), "seed": int(data["seed"][i]),
            "style": str(data["style"][i]), "read_label": r.read_label,
            "confidence": r.confidence}


def _caption(n: int, r: Reading, data: dict[str, np.ndarray]) -> str:
    truth = f"{r.label}/{data['char'][r.index]}" if r.label else "free"
    return (f"#{n} {truth} ({data['source'][r.index]}, {data['style'][r.index]}) read "
            f"{r.read_label or 'free'} {r.confidence:.2f}")


def main(argv: list[str] | None = None) -> None:
    def add_arguments(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--split", default="test", choices=("val", "test"))
        parser.add_argument("--sample", type=int, default=96, help="misreads to draw")
        parser.add_argument("--seed", type=int, default=7, help="which misreads are drawn")
        parser.add_argument("--judged", type=Path, help="a file of 'N A|P|M' lines")

    config, args = stage_config(__doc__, argv, add_arguments)
    data = load_split(config.build_dir, args.split)
    reader = Reader(config.model_dir)
    readings = read_split(reader, data)
    wrong = [r for r in readings if r.rank != 1]
    print(f"models {reader.version}, {args.split} split, {len(readings)} photos")
    for k in (1, 2, 3):
        print(f"  truth among the {k} best answers: {top_k(readings, k) * 100:.2f} %")
    for kind, count in Counter(r.kind for r in wrong).most_common():
        print(f"  {kind}: {count}")
    sample = misread_sample(readings, args.sample, args.seed)
    for path in write_sample_grids(sample, data, config.build_dir / "review", args.split):
        print(f"  wrote {path}")
    if args.judged is not None:
        judged = parse_judgements(args.judged.read_text(), len(sample))
        print("\n".join(["", *tally_lines(sample, judged, data, len(wrong), len(readings))]))


if __name__ == "__main__":
    main()
