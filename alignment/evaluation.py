"""Data loading and rank statistics used by calibration, tests and benchmarks.

numpy only (no scipy): Spearman is Pearson on average ranks, which is what
scipy.stats.spearmanr computes, ties included.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class StsPair:
    score: float  # human similarity, 0–5
    a: str
    b: str
    genre: str


def load_sts(path: str | os.PathLike) -> list[StsPair]:
    """STS Benchmark file: tab-separated, no header, NO csv quoting.

    Some sentences open a quote they never close; a csv reader would merge
    lines, so each line is split on tabs (see the data README).
    """
    pairs = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 7:
                continue
            pairs.append(StsPair(float(cols[4]), cols[5], cols[6], cols[0]))
    return pairs


def find_sts_dir(start: str | os.PathLike | None = None) -> Path | None:
    """The STS Benchmark folder: $PURPOSE_PULSE_STS_DIR, else the copy kept in
    the repository (tests/data/stsbenchmark), found walking up from ``start``."""
    env = os.environ.get("PURPOSE_PULSE_STS_DIR")
    if env:
        return Path(env) if (Path(env) / "sts-test.csv").is_file() else None
    here = Path(start or __file__).resolve()
    for parent in [here, *here.parents]:
        cand = parent / "tests" / "data" / "stsbenchmark"
        if (cand / "sts-test.csv").is_file():
            return cand
    return None


def rankdata(x: Sequence[float] | np.ndarray) -> np.ndarray:
    """Average ranks (1-based), ties share their mean rank."""
    a = np.asarray(x, dtype=np.float64)
    order = np.argsort(a, kind="mergesort")
    sorted_a = a[order]
    ranks = np.empty(len(a), dtype=np.float64)
    i = 0
    n = len(a)
    while i < n:
        j = i
        while j + 1 < n and sorted_a[j + 1] == sorted_a[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return ranks


def pearson(x: Iterable[float], y: Iterable[float]) -> float:
    a = np.asarray(list(x), dtype=np.float64)
    b = np.asarray(list(y), dtype=np.float64)
    a = a - a.mean()
    b = b - b.mean()
    denom = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / denom) if denom > 0 else 0.0


def spearman(x: Iterable[float], y: Iterable[float]) -> float:
    return pearson(rankdata(list(x)), rankdata(list(y)))


def pairwise_accuracy(groups: Iterable[str], grades: Sequence[float], scores: Sequence[float]) -> float:
    """Share of same-group pairs with different grades that the scores order
    the same way (a score tie counts half). This is what a leader sees: within
    one team, does a better answer get a higher number?"""
    by_group: dict[str, list[int]] = {}
    for i, g in enumerate(groups):
        by_group.setdefault(g, []).append(i)
    good = 0.0
    total = 0
    for idx in by_group.values():
        for p, i in enumerate(idx):
            for j in idx[p + 1 :]:
                if grades[i] == grades[j]:
                    continue
                total += 1
                d = (scores[i] - scores[j]) * (grades[i] - grades[j])
                good += 1.0 if d > 0 else 0.5 if d == 0 else 0.0
    return good / total if total else float("nan")
