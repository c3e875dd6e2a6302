"""Cosine → 0–100 calibration, fitted on human judgements (STS Benchmark).

Raw cosine of MiniLM is ~0.1 for unrelated text and 0.4–0.8 for real
paraphrases, and TF-IDF cosine lives on yet another scale, so a raw number
means nothing to a leader. We fit, per encoder, a monotonic map from cosine
to the mean human 0–5 similarity on the STS-B *dev* split and show
20 × prediction: "70" reads as "people would call these texts about 70%
alike". It is checked on the *test* split (tests/engine/test_calibration.py).

Method (pure numpy):
1. sort dev pairs by cosine, cut into ``BINS`` equal-count bins;
2. pool-adjacent-violators (isotonic regression) on the bin means,
   weighted by bin size → a non-decreasing step sequence;
3. knots = (bin mean cosine, isotonic value), plus anchors (-1, 0) and
   (1, 5): identical texts are 5, opposite ones 0; linear in between;
4. mix in ``TIE_SLOPE`` of the straight line from (-1, 0) to (1, 5), which
   makes the map strictly increasing: no two cosines collapse to one score,
   so ranking (Spearman) after calibration equals ranking before it.
The result stays within 0–5 by construction (a convex mix of two maps into
0–5), so the 0–100 clip never binds and never creates ties.

Refit: ``python -m alignment.calibration`` (needs the model and the
STS files; writes ``calibration_<encoder name>.json`` beside this module).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .encoders import OnnxMiniLMEncoder
from .evaluation import find_sts_dir, load_sts
from .lexical import TfidfEncoder

log = logging.getLogger(__name__)

BINS = 30
TIE_SLOPE = 1e-3
DATA_DIR = Path(__file__).resolve().parent
# Encoders without their own file (e.g. another ONNX export of the same
# model) borrow the int8 map: same model, cosines agree to ~1e-2.
FALLBACK_NAME = "minilm-l6-v2-int8"


@dataclass(frozen=True)
class Calibration:
    encoder: str
    knots_x: tuple[float, ...]  # cosine, strictly increasing, from -1 to 1
    knots_y: tuple[float, ...]  # predicted STS score 0–5, non-decreasing
    fitted_on: str = ""
    n_pairs: int = 0

    def sts(self, cosine: float | np.ndarray) -> np.ndarray:
        """Predicted human similarity 0–5, strictly increasing in cosine."""
        x = np.clip(np.nan_to_num(np.asarray(cosine, dtype=np.float64), nan=0.0), -1.0, 1.0)
        base = np.interp(x, self.knots_x, self.knots_y)
        line = 2.5 * (x + 1.0)
        return (1.0 - TIE_SLOPE) * base + TIE_SLOPE * line

    def score(self, cosine: float | np.ndarray) -> np.ndarray:
        """0–100 (20 × predicted STS score)."""
        return np.clip(20.0 * self.sts(cosine), 0.0, 100.0)

    def score1(self, cosine: float) -> float:
        return float(self.score(cosine))

    def cosine_for(self, score: float) -> float:
        """Smallest cosine reaching ``score`` (to show thresholds in cosine)."""
        grid = np.linspace(-1.0, 1.0, 20001)
        vals = self.score(grid)
        hit = np.nonzero(vals >= score)[0]
        return float(grid[hit[0]]) if len(hit) else 1.0

    def to_json(self) -> dict:
        return {
            "encoder": self.encoder,
            "method": f"isotonic on {BINS} equal-count bins, anchors (-1,0) (1,5), tie slope {TIE_SLOPE}",
            "fitted_on": self.fitted_on,
            "n_pairs": self.n_pairs,
            "knots_x": [round(v, 6) for v in self.knots_x],
            "knots_y": [round(v, 6) for v in self.knots_y],
        }


def _pav(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Pool-adjacent-violators: weighted least-squares non-decreasing fit."""
    blocks: list[list[float]] = []  # [mean, weight, count]
    for v, w in zip(values.tolist(), weights.tolist(), strict=True):
        blocks.append([v, w, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            v2, w2, c2 = blocks.pop()
            v1, w1, c1 = blocks[-1]
            blocks[-1] = [(v1 * w1 + v2 * w2) / (w1 + w2), w1 + w2, c1 + c2]
    out: list[float] = []
    for v, _, c in blocks:
        out.extend([v] * c)
    return np.array(out)


def fit(
    cosines: Sequence[float], gold: Sequence[float], *, encoder: str, bins: int = BINS, fitted_on: str = ""
) -> Calibration:
    """Fit the monotonic map from cosine to gold 0–5 scores."""
    x = np.asarray(cosines, dtype=np.float64)
    y = np.clip(np.asarray(gold, dtype=np.float64), 0.0, 5.0)
    order = np.argsort(x, kind="mergesort")
    x, y = x[order], y[order]
    chunks = [c for c in np.array_split(np.arange(len(x)), min(bins, len(x))) if len(c)]
    bx = np.array([x[c].mean() for c in chunks])
    by = np.array([y[c].mean() for c in chunks])
    bw = np.array([len(c) for c in chunks], dtype=np.float64)
    iso = _pav(by, bw)
    keep = (bx > -1.0) & (bx < 1.0)
    kx = np.concatenate([[-1.0], bx[keep], [1.0]])
    ky = np.concatenate([[0.0], iso[keep], [5.0]])
    # np.interp needs strictly increasing x; identical bin means (TF-IDF has
    # many exact zeros) are merged by averaging their y.
    ux, inv = np.unique(kx, return_inverse=True)
    uy = np.array([ky[inv == i].mean() for i in range(len(ux))])
    uy = np.maximum.accumulate(np.clip(uy, 0.0, 5.0))
    return Calibration(encoder, tuple(ux.tolist()), tuple(uy.tolist()), fitted_on, int(len(x)))


def path_for(encoder_name: str) -> Path:
    return DATA_DIR / f"calibration_{encoder_name}.json"


def save(cal: Calibration, path: str | os.PathLike | None = None) -> Path:
    target = Path(path) if path else path_for(cal.encoder)
    target.write_text(json.dumps(cal.to_json(), indent=1) + "\n", encoding="utf-8")
    return target


def load(path: str | os.PathLike) -> Calibration:
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    return Calibration(
        raw["encoder"],
        tuple(raw["knots_x"]),
        tuple(raw["knots_y"]),
        raw.get("fitted_on", ""),
        int(raw.get("n_pairs", 0)),
    )


@lru_cache(maxsize=16)
def for_encoder(encoder_name: str) -> Calibration:
    """The committed calibration for this encoder (int8 map as fallback)."""
    path = path_for(encoder_name)
    if path.is_file():
        return load(path)
    if encoder_name.startswith("minilm"):
        log.warning("alignment: no calibration for %s, using %s", encoder_name, FALLBACK_NAME)
        return load(path_for(FALLBACK_NAME))
    # An unknown encoder: the identity-like line keeps ranking, says nothing.
    return Calibration(encoder_name, (-1.0, 1.0), (0.0, 5.0), "uncalibrated", 0)


def pair_cosines(encoder, a: Sequence[str], b: Sequence[str]) -> np.ndarray:
    va = encoder.encode(list(a))
    vb = encoder.encode(list(b))
    return (va * vb).sum(axis=1)


def refit(encoder, sts_dir: str | os.PathLike, *, write: bool = True) -> Calibration:
    """Fit on sts-dev.csv for this encoder and (by default) write its file."""
    pairs = load_sts(Path(sts_dir) / "sts-dev.csv")
    cos = pair_cosines(encoder, [p.a for p in pairs], [p.b for p in pairs])
    cal = fit(cos, [p.score for p in pairs], encoder=encoder.name, fitted_on="STS-B sts-dev.csv")
    if write:
        save(cal)
        for_encoder.cache_clear()
    return cal


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    sts_dir = Path(args[0]) if args else find_sts_dir()
    if sts_dir is None:
        print("STS Benchmark folder not found; pass it as the first argument", file=sys.stderr)
        return 2
    for enc in (OnnxMiniLMEncoder(), TfidfEncoder()):
        cal = refit(enc, sts_dir)
        print(f"{enc.name}: {len(cal.knots_x)} knots -> {path_for(enc.name)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
