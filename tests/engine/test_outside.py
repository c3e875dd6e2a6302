"""The shipped reading on 160 graded teams it was never fitted on, by eight other writers
(tests/data/graded_outside/README.md): the level measured there holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from alignment.fitting import build_dataset, shipped_results
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
from alignment.reading import band_of

OUTSIDE = Path(__file__).resolve().parents[1] / "data" / "graded_outside"
FITTED_ON = Path(__file__).resolve().parents[1] / "data" / "graded"


@pytest.fixture(scope="module")
def outside(semantic):
    return shipped_results(build_dataset(load_graded(OUTSIDE), semantic), encoder_name=semantic.name)


def test_the_outside_teams_are_new_and_as_varied_as_the_fitted_ones():
    teams = load_graded(OUTSIDE)
    assert len(teams) == 160 and len({t.field for t in teams}) == 20
    assert {t.writer for t in teams} == set("qrstuvwx")
    assert not {t.id for t in teams} & {t.id for t in load_graded(FITTED_ON)}
    assert {t.situation for t in teams} == {"aligned", "split", "shared_other", "no_shared"}


def test_answers_are_ordered_and_traps_caught_on_teams_never_fitted_on(outside):
    assert pairwise_ordering(outside) >= 0.80  # measured 0.897
    assert traps_below_faithful(outside) >= 0.80  # measured 0.936
    assert idea_prf(outside)[2] >= 0.65  # measured 0.785
    assert twist_flags_right(outside) >= 0.6  # measured 0.71 (by team 0.79)
    assert faithful_flagged(outside) <= 0.05  # measured 0.032 (at the unfitted threshold, 0.907: 0.054)


def test_bands_on_teams_never_fitted_on(outside):
    assert band_of(median_of(outside, is_faithful)) == "tells_it_back"  # measured 94.3
    # Measured 14.3 [11.8, 20.5] (engine 2.0, fitted on a-d alone, read these 24.0).
    assert band_of(median_of(outside, is_off_target)) == "something_else"


def test_situations_on_teams_never_fitted_on_are_right_three_times_in_four(outside):
    """Measured 0.806 [0.74, 0.86] (q-t 0.75, u-x 0.86; docs/alignment.md, a seventh look);
    engine 2.0, fitted on the first 80 teams alone, read 0.69 of these teams right."""
    assert situation_accuracy(outside) >= 0.75


def test_situations_without_a_close_call_are_right_four_times_in_five_on_teams_never_fitted_on(outside):
    """Measured: 0.87 of the 84% called without a doubt; the situation named, first or as the
    close call, for 0.875 of the teams."""
    assert 0.1 <= situation_sure_share(outside) <= 0.9
    assert situation_sure_accuracy(outside) >= 0.75
    assert situation_named(outside) >= 0.8


def test_the_likely_range_holds_on_teams_never_fitted_on(outside):
    """Measured: the 80% interval holds the graded figure of 0.85 of the outside teams (26 points wide)."""
    assert interval_holds(outside) >= 0.7
