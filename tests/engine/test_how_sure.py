"""How sure a team reading is. A close call: when the situation model finds the runner-up nearly
as likely, the reading names both (alignment.team.SituationModel), so a leader is not told one
situation with false certainty. And the range the team's alignment likely lies in
(alignment.team.alignment_interval)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from alignment import SITUATIONS, read_team, score_answers
from alignment.graded import GradedAnswer, load_graded
from alignment.reading import Linear
from alignment.team import (
    INTERVAL_LEVEL,
    SituationModel,
    alignment_interval,
    change_interval,
    situation_model_for,
)

GRADED = Path(__file__).resolve().parents[1] / "data" / "graded"
CLASSES = ("aligned", "no_shared", "shared_other", "split")


def model(ratio: float) -> SituationModel:
    blank = Linear(np.zeros(1), np.ones(1), np.zeros((4, 1)), np.zeros(4))
    return SituationModel(blank, CLASSES, ratio)


@pytest.mark.parametrize(
    ("probs", "code", "close_call"),
    [
        ([0.50, 0.05, 0.05, 0.40], "aligned", "split"),  # 0.40 is at least a fifth of 0.50
        ([0.90, 0.03, 0.03, 0.04], "aligned", None),  # nothing else comes near
        ([0.10, 0.02, 0.30, 0.58], "split", "shared_other"),
        ([0.05, 0.80, 0.10, 0.05], "no_shared", None),
    ],
)
def test_the_runner_up_is_named_only_when_it_comes_near(probs, code, close_call):
    call = model(0.2).call_from(np.array(probs))
    assert (call.code, call.close_call) == (code, close_call)
    assert call.probability == max(probs)


def test_the_shipped_model_carries_a_fitted_ratio(semantic):
    shipped = situation_model_for(semantic.name)
    assert shipped is not None and 0.05 < shipped.close_ratio < 0.95


def read(team, encoder):
    texts = [a.text for a in team.answers]
    scores = score_answers(team.purpose, texts, team.ideas, encoder)
    vectors = np.vstack(
        [s.vector if s.vector is not None else np.zeros(encoder.dim, np.float32) for s in scores]
    )
    return read_team(
        [s.alignment for s in scores],
        vectors,
        [s.ideas_named for s in scores],
        len(team.ideas),
        encoder,
        statement=team.purpose,
        texts=texts,
    )


def graded_team(team_id: str):
    return next(t for t in load_graded(GRADED) if t.id == team_id)


CLOSE_CALL_TEAM = "d-learning-development-norvik"


def test_a_scattered_team_is_read_as_a_close_call(semantic):
    # Learning & development: graded "no shared purpose" (writer d); each member names something
    # else (courses, compliance, career paths, cost, dashboards), and the one who tells it back
    # writes in German, which is not judged. The engine finds it scattered, but not by far.
    reading = read(graded_team(CLOSE_CALL_TEAM), semantic)
    assert reading.situation == SITUATIONS["no_shared"]
    assert reading.close_call == SITUATIONS["shared_other"]


def test_a_team_that_tells_it_back_is_read_without_a_doubt(semantic):
    team = graded_team("a-hospice-day-services")
    faithful = [
        "Helping people with a terminal illness live well to the very end, with company and symptom care, "
        "and giving their carers a few hours' rest.",
        "A day a week where patients get company, their symptoms seen to and things they enjoy, and the "
        "family at home gets a break.",
        "Living well until the end for the patient, and a breather for whoever looks after them at home.",
        "Company, symptom support and the things they still love, so people live well right to the end "
        "while carers get some rest.",
        "People who are dying still get to enjoy life here, with nurses on hand, and their carers get time off.",
    ]
    answers = [GradedAnswer(text, 3, [0, 1, 2], [], "paraphrase") for text in faithful]
    reading = read(replace(team, situation="aligned", answers=answers), semantic)
    assert reading.situation == SITUATIONS["aligned"]
    assert reading.close_call is None


# --- Where the team's alignment likely lies ----------------------------------------------


@pytest.mark.parametrize("n", [2, 3, 5, 12, 30, 31, 45, 200])
def test_the_interval_is_a_student_t_interval_on_the_mean(n):
    stats = pytest.importorskip("scipy.stats")  # a development dependency (scikit-learn's)
    scores = list(np.linspace(20, 90, n))
    low, high = alignment_interval(scores, widen=1.25)
    mean, sd = np.mean(scores), np.std(scores, ddof=1)
    half = 1.25 * stats.t.ppf(0.5 + INTERVAL_LEVEL / 2, n - 1) * sd / np.sqrt(n)
    assert low == pytest.approx(max(0, mean - half), abs=0.06)
    assert high == pytest.approx(min(100, mean + half), abs=0.06)


def test_the_interval_needs_two_answers_and_stays_on_the_scale():
    assert alignment_interval([]) is None and alignment_interval([70.0, None]) is None
    assert alignment_interval([1.0, 99.0]) == (0.0, 100.0)
    assert alignment_interval([60.0, 60.0, 60.0]) == (60.0, 60.0)


def test_more_answers_or_closer_ones_narrow_it():
    few = alignment_interval([40.0, 80.0, 60.0])
    many = alignment_interval([40.0, 80.0, 60.0] * 4)
    close = alignment_interval([55.0, 65.0, 60.0])
    width = lambda i: i[1] - i[0]  # noqa: E731
    assert width(many) < width(few) and width(close) < width(few)


def test_the_shipped_model_carries_a_fitted_widening(semantic):
    shipped = situation_model_for(semantic.name)
    assert 1.0 <= shipped.interval_widen <= 2.0
    reading = read(graded_team("a-hospice-day-services"), semantic)
    low, high = reading.alignment_interval
    assert low < reading.alignment < high


def kept(scores: list[float]) -> tuple[int, float, float]:
    """A round's figures as its summary keeps them: answers, mean, sample standard deviation."""
    return len(scores), float(np.mean(scores)), float(np.std(scores, ddof=1)) if len(scores) > 1 else 0.0


def test_the_change_interval_is_welchs():
    stats = pytest.importorskip("scipy.stats")
    before, after = [50.0, 60.0, 70.0, 55.0, 65.0, 58.0], [30.0, 42.0, 50.0, 35.0]
    low, high = change_interval(kept(before), kept(after))
    va, vb = np.var(before, ddof=1) / 6, np.var(after, ddof=1) / 4
    df = (va + vb) ** 2 / (va**2 / 5 + vb**2 / 3)
    half = stats.t.ppf(0.5 + INTERVAL_LEVEL / 2, np.floor(df)) * np.sqrt(va + vb)
    change = np.mean(after) - np.mean(before)
    assert (low, high) == (pytest.approx(change - half, abs=0.06), pytest.approx(change + half, abs=0.06))


def test_a_change_within_the_answers_spread_could_be_noise_and_a_big_one_is_not():
    scattered = [20.0, 90.0, 45.0, 70.0, 30.0]
    low, high = change_interval(kept(scattered), kept([x - 8 for x in scattered]))
    assert low < 0 < high
    low, high = change_interval(kept([20.0, 25.0, 22.0, 30.0]), kept([80.0, 85.0, 78.0, 90.0]))
    assert low > 0
    assert change_interval(kept([70.0]), kept([20.0, 30.0])) is None
