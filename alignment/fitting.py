"""Fitting the purpose scale on graded teams, with cross-validation by team.

    python -m alignment.fitting [--data tests/data/graded] [--write] [--folds 5]
    python -m alignment.fitting --outside tests/data/graded_outside

Reads every graded team, computes the features (alignment.reading) with the
real encoder, then:

1. cross-validates the whole pipeline by team (GroupKFold), and again by
   writer (all teams one person wrote and graded held out together), and
   prints every figure on held-out teams with a 95% bootstrap interval over
   teams;
2. with --write, fits on all teams and writes ``reading_<encoder>.json``.

With --outside FOLDER it fits nothing: it reads the teams of FOLDER with the
shipped model (which never saw them) and prints the same figures.

Inside each fold nothing is tuned on the held-out teams: the twist and idea
probabilities the grade model learns from are themselves out-of-fold
(nested), and so are the readings the situation model learns from; the band
cut-offs are chosen on the training teams' readings.

Needs scikit-learn (a development dependency); the app itself only loads
the written weights. The fits run with one BLAS thread: the matrices are
small, and OpenBLAS's threads made them about eight times slower on two
cores (39 s against 5 s for the five-fold cross-validation), with the same
results.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, KFold
from threadpoolctl import threadpool_limits

from . import graded
from .encoders import OnnxMiniLMEncoder
from .reading import (
    GRADES,
    Features,
    Linear,
    ReadingModel,
    answer_features,
    model_for,
    model_path,
)
from .team import (
    INTERVAL_LEVEL,
    SITUATION_FEATURE_NAMES,
    SituationModel,
    alignment_interval,
    situation_features,
    situation_model_for,
)

# Chosen by cross-validation by team on the graded set (docs/alignment.md has the search).
IDEA_C = 1.0
IDEA_THRESHOLD = 0.35
TWIST_C = 0.03
# An answer is flagged as a twist (and its ideas count as twisted, not named) from the lowest
# probability at which, on training answers read out of fold, flags were right this often; never
# below "more likely a twist than not".
TWIST_PRECISION = 0.8
TWIST_GRID = np.round(np.arange(0.80, 0.996, 0.005), 3)
GRADE_C = 0.003
SCALAR_WEIGHT = 10.0  # the 13 + 4 scalar features against 768 embedding dimensions
SITUATION_C = 1.0
# The runner-up situation is named too ("a close call") when it is nearly as likely as the first:
# the ratio is the highest at which, on training teams called out of fold, the calls made without
# a close call were right four times in five.
SURE_ACCURACY = 0.8
SURE_MIN_SHARE = 0.1
CLOSE_REPEATS = 10
CLOSE_GRID = np.round(np.arange(0.1, 0.95, 0.05), 2)
# The team's "likely between" interval is widened by the smallest factor on this grid that makes it
# hold the team's graded figure (its answers' band centres) on INTERVAL_LEVEL of training teams.
BAND_CENTRES = (12.5, 37.5, 62.5, 87.5)
WIDEN_GRID = np.round(np.arange(0.8, 3.01, 0.05), 2)
INNER_FOLDS = 4


@dataclass
class Dataset:
    teams: list[graded.GradedTeam]
    features: list[Features]
    # Flat arrays over every judged answer, in team order.
    team_of: np.ndarray
    answer_of: np.ndarray
    embedding: np.ndarray
    scalars: np.ndarray
    grade: np.ndarray
    trap: np.ndarray
    idea_rows: list[np.ndarray]  # per answer: (k, features)
    idea_gold: list[np.ndarray]  # per answer: (k,) named, twists excluded


def build_dataset(teams: list[graded.GradedTeam], encoder) -> Dataset:
    features, team_of, answer_of = [], [], []
    emb, sca, grade, trap, irows, igold = [], [], [], [], [], []
    for t, team in enumerate(teams):
        f = answer_features(team.purpose, team.ideas, [a.text for a in team.answers], encoder)
        features.append(f)
        for i, a in enumerate(team.answers):
            if not f.usable[i]:
                continue
            team_of.append(t)
            answer_of.append(i)
            emb.append(f.embedding[i])
            sca.append(f.scalars[i])
            grade.append(a.grade)
            trap.append(a.is_trap)
            irows.append(f.idea_rows[i])
            igold.append(np.array([k in a.ideas for k in range(len(team.ideas))]))
    return Dataset(
        teams,
        features,
        np.array(team_of),
        np.array(answer_of),
        np.array(emb),
        np.array(sca),
        np.array(grade),
        np.array(trap),
        irows,
        igold,
    )


def _standardize(x: np.ndarray, weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    if weights is not None:
        scale = scale / weights  # a weight w makes a feature's penalty w² times weaker
    return mean, scale


def _logistic(x, y, *, C, weights=None, balanced=False) -> Linear:
    mean, scale = _standardize(x, weights)
    model = LogisticRegression(C=C, max_iter=5000, class_weight="balanced" if balanced else None)
    model.fit((x - mean) / scale, y)
    return Linear(mean, scale, model.coef_.astype(np.float64), model.intercept_.astype(np.float64))


def _idea_model(ds: Dataset, rows: np.ndarray) -> Linear:
    x = np.vstack([ds.idea_rows[r] for r in rows])
    y = np.concatenate([ds.idea_gold[r] for r in rows])
    return _logistic(x, y, C=IDEA_C)


def _twist_input(ds: Dataset, rows: np.ndarray) -> np.ndarray:
    return np.hstack([ds.embedding[rows], ds.scalars[rows]])


def _grade_input(ds: Dataset, rows: np.ndarray, twist_p: np.ndarray, idea_p: list[np.ndarray]) -> np.ndarray:
    agg = np.array([[p.mean(), p.max(), float((p >= 0.4).mean())] for p in idea_p])
    return np.hstack([ds.embedding[rows], ds.scalars[rows], twist_p[:, None], agg])


def _grade_weights(ds: Dataset) -> np.ndarray:
    d = ds.embedding.shape[1]
    extra = ds.scalars.shape[1] + 4
    return np.concatenate([np.ones(d), np.full(extra, SCALAR_WEIGHT)])


def _first_stage(ds: Dataset, rows: np.ndarray) -> tuple[Linear, Linear]:
    idea = _idea_model(ds, rows)
    twist = _logistic(_twist_input(ds, rows), ds.trap[rows], C=TWIST_C, balanced=True)
    return idea, twist


def _first_stage_outputs(ds, rows, idea: Linear, twist: Linear):
    return twist.probability(_twist_input(ds, rows)), [idea.probability(ds.idea_rows[r]) for r in rows]


def _out_of_fold_first_stage(ds: Dataset, rows: np.ndarray):
    """Twist and idea probabilities for `rows`, each predicted by models that did not see its team."""
    twist_p = np.zeros(len(rows))
    idea_p: list[np.ndarray] = [np.zeros(0)] * len(rows)
    folds = GroupKFold(min(INNER_FOLDS, len(set(ds.team_of[rows]))))
    for fit_at, predict_at in folds.split(rows, groups=ds.team_of[rows]):
        idea, twist = _first_stage(ds, rows[fit_at])
        tp, ip = _first_stage_outputs(ds, rows[predict_at], idea, twist)
        twist_p[predict_at] = tp
        for j, p in zip(predict_at, ip, strict=True):
            idea_p[j] = p
    return twist_p, idea_p


def _twist_threshold(twist_p: np.ndarray, trap: np.ndarray) -> float:
    """Where a twist is flagged. The twist model is fitted with balanced class weights, which
    multiply its odds by (answers without a twist / answers with one): flagging at that share
    undoes the reweighting, so a flag means "more likely a twist than not". From there, the
    lowest threshold at which the flags on these answers (read out of fold) were right
    TWIST_PRECISION of the time: a faithful answer flagged as a twist is what a leader notices."""
    least = float(1.0 - trap.mean())
    for cut in (least, *TWIST_GRID[TWIST_GRID > least]):
        flagged = twist_p >= cut
        if flagged.any() and trap[flagged].mean() >= TWIST_PRECISION:
            return float(cut)
    return max(least, float(TWIST_GRID[-1]))


def _band_knots(expected: np.ndarray, grade: np.ndarray) -> tuple[float, ...]:
    """Expected-grade cut-offs between bands, each the best separator of grade ≥ k from < k."""
    cuts = []
    grid = np.linspace(0.05, 2.95, 291)
    for k in (1, 2, 3):
        above = grade >= k
        accuracy = [((expected >= c) == above).mean() for c in grid]
        cuts.append(float(grid[int(np.argmax(accuracy))]))
    cuts = list(np.maximum.accumulate(cuts))
    for k in (1, 2):  # strictly increasing, so the scale is too
        cuts[k] = max(cuts[k], cuts[k - 1] + 0.01)
    return (0.0, *cuts, 3.0)


def fit_model(ds: Dataset, rows: np.ndarray, *, encoder_name: str, meta: dict | None = None):
    """The reading model and the situation model, fitted on the answers in `rows` only."""
    with threadpool_limits(1):
        return _fit_model(ds, rows, encoder_name=encoder_name, meta=meta)


def _fit_model(ds: Dataset, rows: np.ndarray, *, encoder_name: str, meta: dict | None):
    twist_p, idea_p = _out_of_fold_first_stage(ds, rows)
    grade = _logistic(
        _grade_input(ds, rows, twist_p, idea_p), ds.grade[rows], C=GRADE_C, weights=_grade_weights(ds)
    )
    # Band cut-offs and the situation model learn from out-of-fold readings, as new teams will look.
    expected = _out_of_fold_expected(ds, rows)
    knots = _band_knots(expected, ds.grade[rows])
    idea, twist = _first_stage(ds, rows)
    twist_threshold = _twist_threshold(twist_p, ds.trap[rows])
    model = ReadingModel(encoder_name, idea, IDEA_THRESHOLD, twist, twist_threshold, grade, knots, meta or {})
    teams = sorted(set(ds.team_of[rows].tolist()))
    alignments = {t: {} for t in teams}
    for r, e in zip(rows, expected, strict=True):
        alignments[ds.team_of[r]][ds.answer_of[r]] = model.alignment(float(e))
    x = np.array([_team_features(ds, t, alignments[t]) for t in teams])
    y = np.array([ds.teams[t].situation for t in teams])
    situation = _situation_model(x, y)
    widen = _interval_widen([alignments[t] for t in teams], [ds.teams[t] for t in teams])
    return model, SituationModel(situation.linear, situation.classes, _close_ratio(x, y), widen)


def graded_figure(team: graded.GradedTeam, judged) -> float:
    """A team's alignment as its grades put it: the mean of its judged answers' band centres."""
    return float(np.mean([BAND_CENTRES[team.answers[i].grade] for i in judged]))


def _interval_widen(readings: list[dict[int, float]], teams: list[graded.GradedTeam]) -> float:
    """The smallest widening of the t interval (alignment.team.alignment_interval) that holds the
    graded figure of at least INTERVAL_LEVEL of these teams, read out of fold."""
    pairs = [
        (r, graded_figure(team, sorted(r))) for r, team in zip(readings, teams, strict=True) if len(r) >= 2
    ]
    for widen in WIDEN_GRID:
        held = []
        for r, truth in pairs:
            low, high = alignment_interval(list(r.values()), float(widen))
            held.append(low <= truth <= high)
        if np.mean(held) >= INTERVAL_LEVEL:
            return float(widen)
    return float(WIDEN_GRID[-1])


def _situation_model(x: np.ndarray, y: np.ndarray) -> SituationModel:
    mean, scale = _standardize(x)
    clf = LogisticRegression(C=SITUATION_C, max_iter=5000).fit((x - mean) / scale, y)
    return SituationModel(
        Linear(mean, scale, clf.coef_.astype(np.float64), clf.intercept_.astype(np.float64)),
        tuple(str(c) for c in clf.classes_),
    )


def _close_ratio(x: np.ndarray, y: np.ndarray) -> float:
    """The highest ratio of runner-up to first probability from which a situation is shown as
    a close call, such that the situations shown without one were right at least SURE_ACCURACY
    of the time on these teams, each called by a model fitted without it (CLOSE_REPEATS shuffles
    of five folds, pooled; SURE_MIN_SHARE of the calls or more made without a close call)."""
    ratios, right = [], []
    for seed in range(CLOSE_REPEATS):
        for fit_at, predict_at in KFold(5, shuffle=True, random_state=seed).split(x):
            model = _situation_model(x[fit_at], y[fit_at])
            probs = model.linear.probabilities(x[predict_at])
            ordered = np.sort(probs, axis=1)
            ratios.append(ordered[:, -2] / ordered[:, -1])
            right.append(np.array(model.classes)[probs.argmax(axis=1)] == y[predict_at])
    ratio, correct = np.concatenate(ratios), np.concatenate(right)
    for cut in CLOSE_GRID[::-1]:
        sure = ratio < cut
        if sure.mean() >= SURE_MIN_SHARE and correct[sure].mean() >= SURE_ACCURACY:
            return float(cut)
    return float(CLOSE_GRID[0])


def _out_of_fold_expected(ds: Dataset, rows: np.ndarray) -> np.ndarray:
    expected = np.zeros(len(rows))
    folds = GroupKFold(min(INNER_FOLDS, len(set(ds.team_of[rows]))))
    for fit_at, predict_at in folds.split(rows, groups=ds.team_of[rows]):
        inner = rows[fit_at]
        twist_p, idea_p = _out_of_fold_first_stage(ds, inner)
        grade = _logistic(
            _grade_input(ds, inner, twist_p, idea_p), ds.grade[inner], C=GRADE_C, weights=_grade_weights(ds)
        )
        idea, twist = _first_stage(ds, inner)
        tp, ip = _first_stage_outputs(ds, rows[predict_at], idea, twist)
        expected[predict_at] = grade.probabilities(_grade_input(ds, rows[predict_at], tp, ip)) @ GRADES
    return expected


def _team_features(ds: Dataset, t: int, alignment_by_answer: dict[int, float]) -> np.ndarray:
    f, team = ds.features[t], ds.teams[t]
    judged = sorted(alignment_by_answer)
    return situation_features(
        [alignment_by_answer[i] for i in judged],
        f.vectors[judged],
        f.statement_vector,
        [team.answers[i].text for i in judged],
        team.purpose,
    )


PAIR_KNOTS = 40


def pair_calibration(ds: Dataset, model: ReadingModel) -> dict:
    """For one answer against one statement with nothing else to go on (compare --pairs): the
    expected grade as a non-decreasing function of the cosine alone, mapped to the same scale.

    Strictly increasing (a small share of the straight line is mixed in), so it
    changes the scale of a similarity, never its order: STS ranking is the model's.
    """
    cosine = ds.scalars[:, 0]
    iso = IsotonicRegression(y_min=0.0, y_max=3.0, increasing=True, out_of_bounds="clip")
    iso.fit(cosine, ds.grade)
    xs = np.unique(np.quantile(cosine, np.linspace(0, 1, PAIR_KNOTS)))
    expected = iso.predict(xs)
    scores = [model.alignment(float(e)) for e in expected]
    return {"cosine": [-1.0, *xs.round(6).tolist(), 1.0], "alignment": [0.0, *scores, 100.0]}


def held_out_results(ds: Dataset, splits, *, encoder_name: str) -> list[graded.TeamResult]:
    """Each team read by a model fitted without it."""
    results: dict[int, graded.TeamResult] = {}
    for train_teams, test_teams in splits:
        rows = np.where(np.isin(ds.team_of, train_teams))[0]
        model, situation = fit_model(ds, rows, encoder_name=encoder_name)
        for t in test_teams:
            results[t] = read_graded_team(ds.teams[t], ds.features[t], model, situation)
    return [results[t] for t in sorted(results)]


def read_graded_team(
    team, features: Features, model: ReadingModel, situation: SituationModel
) -> graded.TeamResult:
    readings = model.read(features)
    alignment = [r.alignment if r else None for r in readings]
    named = [r.ideas_named if r else [False] * len(team.ideas) for r in readings]
    judged = [i for i, a in enumerate(alignment) if a is not None]
    texts = [team.answers[i].text for i in judged]
    call = (
        situation.call(
            [alignment[i] for i in judged],
            features.vectors[judged],
            features.statement_vector,
            texts,
            team.purpose,
        )
        if judged
        else None
    )
    interval = alignment_interval([alignment[i] for i in judged], situation.interval_widen)
    return graded.TeamResult(
        team,
        alignment,
        named,
        call.code if call else None,
        call.close_call if call else None,
        interval,
        graded_figure(team, judged) if judged else None,
        [bool(r and r.twist) for r in readings],
    )


def shipped_results(ds: Dataset, *, encoder_name: str) -> list[graded.TeamResult]:
    """Each team read by the shipped model: figures on teams it was never fitted on."""
    model, situation = model_for(encoder_name), situation_model_for(encoder_name)
    if model is None or situation is None:
        raise LookupError(f"no fitted reading for {encoder_name}")
    return [
        read_graded_team(team, f, model, situation) for team, f in zip(ds.teams, ds.features, strict=True)
    ]


def team_splits(ds: Dataset, folds: int):
    ids = np.arange(len(ds.teams))
    for train, test in GroupKFold(folds).split(ids, groups=ids):
        yield ids[train], ids[test]


def writer_splits(ds: Dataset):
    writers = np.array([t.writer for t in ds.teams])
    for w in sorted(set(writers)):
        yield np.where(writers != w)[0], np.where(writers == w)[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data", default=str(Path(__file__).resolve().parents[1] / "tests" / "data" / "graded")
    )
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--write", action="store_true", help="fit on all teams and write the model")
    parser.add_argument("--rounds", type=int, default=1000, help="bootstrap rounds for the intervals")
    parser.add_argument("--outside", metavar="FOLDER", help="only read FOLDER's teams with the shipped model")
    args = parser.parse_args(argv)
    encoder = OnnxMiniLMEncoder()
    if args.outside:
        teams = graded.load_graded(args.outside)
        print(f"{len(teams)} teams; reading them with the shipped model…", file=sys.stderr)
        results = shipped_results(build_dataset(teams, encoder), encoder_name=encoder.name)
        print(json.dumps({"shipped_model": graded.report(results, rounds=args.rounds)}, indent=1))
        return 0
    teams = graded.load_graded(args.data)
    print(f"{len(teams)} teams, {sum(len(t.answers) for t in teams)} answers; reading them…", file=sys.stderr)
    ds = build_dataset(teams, encoder)
    figures = {}
    for name, splits in (("by_team", team_splits(ds, args.folds)), ("by_writer", writer_splits(ds))):
        print(f"cross-validating {name}…", file=sys.stderr)
        figures[name] = graded.report(
            held_out_results(ds, list(splits), encoder_name=encoder.name), rounds=args.rounds
        )
    print(json.dumps(figures, indent=1))
    if args.write:
        meta = {
            "fitted_on": f"{len(teams)} graded teams, {len(ds.grade)} judged answers (tests/data/graded)",
            "held_out": figures,
            "situation_features": list(SITUATION_FEATURE_NAMES),
        }
        model, situation = fit_model(ds, np.arange(len(ds.grade)), encoder_name=encoder.name, meta=meta)
        raw = model.to_json()
        raw["situation"] = situation.to_json()
        raw["pair"] = pair_calibration(ds, model)
        path = model_path(encoder.name)
        path.write_text(json.dumps(raw) + "\n", encoding="utf-8")
        print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
