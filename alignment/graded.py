"""The graded teams (tests/data/graded) and the figures the engine is judged by.

Every figure here is meant for teams left out of fitting: alignment.fitting
produces held-out readings by cross-validation and passes them in.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .evaluation import spearman

SITUATION_CODES = ("aligned", "shared_other", "split", "no_shared")


@dataclass
class GradedAnswer:
    text: str
    grade: int
    ideas: list[int]
    twisted: list[int]
    kind: str

    @property
    def is_trap(self) -> bool:
        return self.kind.startswith("trap")


@dataclass
class GradedTeam:
    id: str
    field: str
    purpose: str
    fit: str
    ideas: list[str]
    situation: str
    answers: list[GradedAnswer] = field(default_factory=list)

    @property
    def writer(self) -> str:
        """Who wrote and graded the team (the file's letter): held out together in one check."""
        return self.id.split("-", 1)[0]


def load_graded(folder: str | Path) -> list[GradedTeam]:
    teams = []
    for path in sorted(Path(folder).glob("teams_*.json")):
        for raw in json.loads(path.read_text(encoding="utf-8")):
            teams.append(
                GradedTeam(
                    raw["id"],
                    raw["field"],
                    raw["purpose"],
                    raw.get("fit", ""),
                    list(raw["ideas"]),
                    raw["situation"],
                    [
                        GradedAnswer(
                            a["text"], int(a["grade"]), list(a["ideas"]), list(a["twisted"]), a["kind"]
                        )
                        for a in raw["answers"]
                    ],
                )
            )
    return teams


@dataclass
class TeamResult:
    """The engine's held-out reading of one graded team."""

    team: GradedTeam
    alignment: list[float | None]  # per answer; None = not judged
    named: list[list[bool]]  # per answer, per idea
    situation: str | None
    close_call: str | None = None  # the runner-up, when the situation model was not sure
    interval: tuple[float, float] | None = None  # where the team's alignment likely lies
    graded_figure: float | None = None  # the team's alignment as its grades put it (band centres)
    twist: list[bool] | None = None  # per answer: flagged "names it with a twist"


def _pairs(results: Sequence[TeamResult]):
    for r in results:
        for i, a in enumerate(r.team.answers):
            for j, b in enumerate(r.team.answers):
                if i < j and a.grade != b.grade and r.alignment[i] is not None and r.alignment[j] is not None:
                    yield r, i, j


def pairwise_ordering(results: Sequence[TeamResult]) -> float:
    """Within each team, the share of answer pairs of different grades that the scores order
    the same way (ties count half); answers the engine did not judge are left out."""
    good = total = 0.0
    for r, i, j in _pairs(results):
        d = (r.alignment[i] - r.alignment[j]) * (r.team.answers[i].grade - r.team.answers[j].grade)
        good += 1.0 if d > 0 else 0.5 if d == 0 else 0.0
        total += 1
    return good / total if total else float("nan")


def traps_below_faithful(results: Sequence[TeamResult]) -> float:
    """Share of (trap, grade-3 answer) pairs of one team where the trap reads lower."""
    good = total = 0
    for r in results:
        scores = r.alignment
        for i, a in enumerate(r.team.answers):
            if not a.is_trap or scores[i] is None:
                continue
            for j, b in enumerate(r.team.answers):
                if b.grade == 3 and scores[j] is not None:
                    total += 1
                    good += scores[i] < scores[j]
    return good / total if total else float("nan")


def idea_prf(results: Sequence[TeamResult]) -> tuple[float, float, float]:
    """Precision, recall and F1 of "names idea k" over every judged answer and idea."""
    tp = fp = fn = 0
    for r in results:
        for i, a in enumerate(r.team.answers):
            if r.alignment[i] is None:
                continue
            for k, named in enumerate(r.named[i]):
                gold = k in a.ideas
                tp += named and gold
                fp += named and not gold
                fn += gold and not named
    p = tp / (tp + fp) if tp + fp else 0.0
    rc = tp / (tp + fn) if tp + fn else 0.0
    return p, rc, (2 * p * rc / (p + rc) if p + rc else 0.0)


def median_of(results: Sequence[TeamResult], select) -> float:
    values = [
        r.alignment[i]
        for r in results
        for i, a in enumerate(r.team.answers)
        if select(a) and r.alignment[i] is not None
    ]
    return float(np.median(values)) if values else float("nan")


def situation_accuracy(results: Sequence[TeamResult]) -> float:
    return float(np.mean([r.situation == r.team.situation for r in results]))


def situation_sure_share(results: Sequence[TeamResult]) -> float:
    """Share of teams whose situation is given without a doubt (no close call)."""
    return float(np.mean([r.close_call is None for r in results]))


def situation_sure_accuracy(results: Sequence[TeamResult]) -> float:
    sure = [r.situation == r.team.situation for r in results if r.close_call is None]
    return float(np.mean(sure)) if sure else float("nan")


def situation_close_call_accuracy(results: Sequence[TeamResult]) -> float:
    """Of the close calls, how many had the team's situation first (of the two named)."""
    close = [r.situation == r.team.situation for r in results if r.close_call is not None]
    return float(np.mean(close)) if close else float("nan")


def situation_named(results: Sequence[TeamResult]) -> float:
    """Share of teams whose situation is the one given, or the runner-up of a close call."""
    return float(np.mean([r.team.situation in (r.situation, r.close_call) for r in results]))


def interval_holds(results: Sequence[TeamResult]) -> float:
    """Share of teams whose "likely between" interval holds their graded figure."""
    held = [r.interval[0] <= r.graded_figure <= r.interval[1] for r in results if r.interval]
    return float(np.mean(held)) if held else float("nan")


def interval_width(results: Sequence[TeamResult]) -> float:
    widths = [r.interval[1] - r.interval[0] for r in results if r.interval]
    return float(np.mean(widths)) if widths else float("nan")


def _flags(results: Sequence[TeamResult]):
    for r in results:
        for i, a in enumerate(r.team.answers):
            if r.twist is not None and r.alignment[i] is not None:
                yield a, r.twist[i]


def twist_flags_right(results: Sequence[TeamResult]) -> float:
    """Of the answers flagged as twists, the share that are traps."""
    right = [a.is_trap for a, flagged in _flags(results) if flagged]
    return float(np.mean(right)) if right else float("nan")


def traps_flagged(results: Sequence[TeamResult]) -> float:
    flagged = [f for a, f in _flags(results) if a.is_trap]
    return float(np.mean(flagged)) if flagged else float("nan")


def faithful_flagged(results: Sequence[TeamResult]) -> float:
    """Share of faithful answers (grade 3) that are flagged as twists: the error a leader sees."""
    flagged = [f for a, f in _flags(results) if is_faithful(a)]
    return float(np.mean(flagged)) if flagged else float("nan")


def answer_spearman(results: Sequence[TeamResult]) -> float:
    pairs = [
        (r.alignment[i], a.grade)
        for r in results
        for i, a in enumerate(r.team.answers)
        if r.alignment[i] is not None
    ]
    return spearman([p[0] for p in pairs], [p[1] for p in pairs])


def is_faithful(a: GradedAnswer) -> bool:
    return a.grade == 3


def is_off_target(a: GradedAnswer) -> bool:
    return a.grade == 0 and not a.is_trap and a.kind not in ("too_short",)


METRICS = {
    "pairwise_ordering": pairwise_ordering,
    "traps_below_faithful": traps_below_faithful,
    "idea_f1": lambda rs: idea_prf(rs)[2],
    "idea_precision": lambda rs: idea_prf(rs)[0],
    "idea_recall": lambda rs: idea_prf(rs)[1],
    "situation_accuracy": situation_accuracy,
    "situation_sure_share": situation_sure_share,
    "situation_sure_accuracy": situation_sure_accuracy,
    "situation_close_call_accuracy": situation_close_call_accuracy,
    "situation_named": situation_named,
    "interval_holds": interval_holds,
    "interval_width": interval_width,
    "faithful_median": lambda rs: median_of(rs, is_faithful),
    "off_target_median": lambda rs: median_of(rs, is_off_target),
    "spearman": answer_spearman,
    "twist_flags_right": twist_flags_right,
    "traps_flagged": traps_flagged,
    "faithful_flagged": faithful_flagged,
}


def bootstrap(
    results: Sequence[TeamResult], metric, *, rounds: int = 1000, seed: int = 0
) -> tuple[float, float]:
    """95% interval of a figure, resampling whole teams (answers of one team are not independent)."""
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(rounds):
        sample = [results[i] for i in rng.integers(0, len(results), len(results))]
        value = metric(sample)
        if not np.isnan(value):
            values.append(value)
    return float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))


def report(results: Sequence[TeamResult], *, rounds: int = 1000) -> dict[str, dict[str, float]]:
    out = {}
    for name, metric in METRICS.items():
        low, high = bootstrap(results, metric, rounds=rounds)
        out[name] = {"value": round(metric(results), 4), "low": round(low, 4), "high": round(high, 4)}
    return out
