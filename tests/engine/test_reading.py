"""The purpose reading: fitted on graded teams, judged on teams left out of fitting."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from alignment import read_team, score_answers, score_pair
from alignment.fitting import build_dataset, held_out_results, team_splits
from alignment.graded import (
    faithful_flagged,
    idea_prf,
    interval_holds,
    is_faithful,
    is_off_target,
    load_graded,
    median_of,
    pairwise_ordering,
    situation_accuracy,
    situation_named,
    situation_sure_accuracy,
    situation_sure_share,
    traps_below_faithful,
    twist_flags_right,
)
from alignment.reading import band_of, model_for

GRADED = Path(__file__).resolve().parents[1] / "data" / "graded"

PURPOSE = (
    "Every guest walks into a room that is spotless, safe and ready at check-in time, and feels it was "
    "prepared for them personally."
)
IDEAS = ["Rooms are spotless, safe and ready at check-in", "Guests feel the room was prepared for them"]


@pytest.fixture(scope="module")
def held_out(semantic):
    """Every graded team read by a model fitted on the other four fifths (cross-validation by team)."""
    dataset = build_dataset(load_graded(GRADED), semantic)
    return held_out_results(dataset, list(team_splits(dataset, 5)), encoder_name=semantic.name)


def test_the_graded_set_is_big_and_varied_enough():
    teams = load_graded(GRADED)
    assert len(teams) >= 60 and len({t.field for t in teams}) >= 15
    assert sum(len(t.answers) for t in teams) >= 600
    kinds = {a.kind for t in teams for a in t.answers}
    assert {"trap_negation", "trap_reversal", "trap_contrast", "label", "non_english", "too_short"} <= kinds


def test_held_out_answers_are_ordered_as_people_graded_them(held_out):
    assert pairwise_ordering(held_out) >= 0.80


def test_held_out_traps_read_below_the_same_teams_faithful_answers(held_out):
    assert traps_below_faithful(held_out) >= 0.80


def test_held_out_key_ideas_are_found(held_out):
    precision, recall, f1 = idea_prf(held_out)
    assert f1 >= 0.65 and precision >= 0.6 and recall >= 0.55


def test_held_out_twist_flags_are_mostly_right_and_rarely_on_faithful_answers(held_out):
    """The flag's threshold is fitted so that flags on training answers are right four times in
    five. Measured on held-out teams: 0.79 of flags are traps, and 2.4% of faithful answers are
    flagged (0.71 and 3.2% on the outside teams, docs/alignment.md)."""
    assert twist_flags_right(held_out) >= 0.7
    assert faithful_flagged(held_out) <= 0.04


def test_held_out_bands_say_what_they_mean(held_out):
    assert band_of(median_of(held_out, is_faithful)) == "tells_it_back"
    assert band_of(median_of(held_out, is_off_target)) == "something_else"


def test_held_out_situations_stay_at_their_measured_level(held_out):
    """Measured 0.744 [0.69, 0.79] with these folds (0.725-0.762 over four random deals of the
    folds; by writer 0.759; on the 80 outside teams 0.75; docs/alignment.md). The issue asks
    for 0.75: this guards the level reached, with room for the folds' noise."""
    assert situation_accuracy(held_out) >= 0.7


def test_held_out_situations_given_without_a_close_call_are_right_four_times_in_five(held_out):
    """Measured 0.79 of the 84% of teams called without a doubt; the others name a runner-up,
    and one of the two is the team's own situation for 0.81 of all teams (docs/alignment.md)."""
    share = situation_sure_share(held_out)
    assert 0.1 <= share <= 0.9  # both kinds of call happen
    assert situation_sure_accuracy(held_out) >= 0.75
    assert situation_named(held_out) >= 0.8
    assert all(r.close_call != r.situation for r in held_out)


def test_held_out_teams_graded_figures_lie_in_their_likely_range(held_out):
    """The 80% "likely between" interval holds the team's graded figure (its answers' band
    centres) for 0.81 of held-out teams (by writer 0.80)."""
    assert interval_holds(held_out) >= 0.7


def test_a_faithful_retelling_reads_high_and_a_twist_reads_low(semantic):
    faithful, twist, other, short = score_answers(
        PURPOSE,
        [
            "We make sure every room is spotless and safe when the guest arrives, and feels like it was set up just for them.",
            "We get rooms ready eventually; guests can wait in the lobby until housekeeping is done, that's not our problem.",
            "We run the hotel's payroll and book the staff holidays.",
            "idk",
        ],
        IDEAS,
        semantic,
    )
    assert band_of(faithful.alignment) in ("tells_it_back", "part") and faithful.ideas_named[0]
    assert twist.alignment < faithful.alignment
    assert other.alignment < faithful.alignment and band_of(other.alignment) == "something_else"
    assert short.alignment is None and "too_short" in short.flags


def test_an_answer_in_another_language_is_not_given_a_low_number(semantic):
    (reading,) = score_answers(
        PURPOSE, ["Cada huésped encuentra su habitación limpia y lista al llegar."], IDEAS, semantic
    )
    assert reading.alignment is None and "non_english" in reading.flags


def test_a_bare_label_is_not_punished_for_being_short(semantic):
    label, rambling = score_answers(
        PURPOSE,
        [
            "Spotless, safe rooms ready at check-in.",
            "Well I suppose what we do day to day is a lot of different things, cleaning and stocking and "
            "checking, and honestly it depends on the shift and who is in, but mostly we are just busy.",
        ],
        IDEAS,
        semantic,
    )
    assert label.alignment > rambling.alignment


def test_the_pair_path_keeps_the_models_order(semantic):
    """compare --pairs maps the cosine alone: strictly increasing, on the purpose scale."""
    scores = [
        score_pair(PURPOSE, text, semantic)
        for text in ("Guests find their rooms clean and ready.", "We clean rooms.", "We run the payroll.")
    ]
    assert scores[0] > scores[1] > scores[2]
    assert model_for(semantic.name).pair_alignment(0.2) < model_for(semantic.name).pair_alignment(0.21)


def test_the_team_reading_comes_from_the_answers(semantic):
    answers = [
        "Rooms spotless, safe and ready when guests check in, and made to feel personal.",
        "Guests arrive to a clean, safe room that's ready on time and feels prepared for them.",
        "Every guest gets a perfect, safe room at check-in that feels like it was made up for them.",
        "We have the room ready and spotless for check-in so each guest feels looked after personally.",
        "Spotless safe rooms ready at check-in, prepared with the guest in mind.",
    ]
    scores = score_answers(PURPOSE, answers, IDEAS, semantic)
    reading = read_team(
        [s.alignment for s in scores],
        np.vstack([s.vector for s in scores]),
        [s.ideas_named for s in scores],
        2,
        semantic,
        statement=PURPOSE,
        texts=answers,
    )
    assert reading.situation.code == "aligned"
    assert reading.idea_shares[0] >= 0.6
