"""The shipped reading on 80 graded teams it was never fitted on, by four other writers
(tests/data/graded_outside/README.md): the level measured there holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from alignment.fitting import build_dataset, shipped_results
from alignment.graded import (
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
)
from alignment.reading import band_of

OUTSIDE = Path(__file__).resolve().parents[1] / "data" / "graded_outside"
FITTED_ON = Path(__file__).resolve().parents[1] / "data" / "graded"


@pytest.fixture(scope="module")
def outside(semantic):
    return shipped_results(build_dataset(load_graded(OUTSIDE), semantic), encoder_name=semantic.name)


def test_the_outside_teams_are_new_and_as_varied_as_the_fitted_ones():
    teams = load_graded(OUTSIDE)
    assert len(teams) == 80 and len({t.field for t in teams}) == 20
    assert {t.writer for t in teams} == set("efgh")
    assert not {t.id for t in teams} & {t.id for t in load_graded(FITTED_ON)}
    assert {t.situation for t in teams} == {"aligned", "split", "shared_other", "no_shared"}


def test_answers_are_ordered_and_traps_caught_on_teams_never_fitted_on(outside):
    assert pairwise_ordering(outside) >= 0.80  # measured 0.857
    assert traps_below_faithful(outside) >= 0.80  # measured 0.851
    assert idea_prf(outside)[2] >= 0.65  # measured 0.777


def test_bands_on_teams_never_fitted_on(outside):
    assert band_of(median_of(outside, is_faithful)) == "tells_it_back"  # measured 95.3
    # Measured 25.8: just over the bottom band's cut-off of 25 (docs/alignment.md, a fifth look).
    assert median_of(outside, is_off_target) < 30


def test_situations_on_teams_never_fitted_on_stay_at_their_measured_level(outside):
    """Measured 0.70 [0.60, 0.80]; short of the 75% the issue asks for (docs/alignment.md)."""
    assert situation_accuracy(outside) >= 0.6


def test_situations_without_a_close_call_are_right_four_times_in_five_on_teams_never_fitted_on(outside):
    """Measured: 0.86 of the 52% called without a doubt; the situation named, first or as the
    close call, for 0.89 of the teams."""
    assert 0.1 <= situation_sure_share(outside) <= 0.9
    assert situation_sure_accuracy(outside) >= 0.75
    assert situation_named(outside) >= 0.8


def test_the_likely_range_holds_on_teams_never_fitted_on(outside):
    """Measured: the 80% interval holds the graded figure of 0.825 of the outside teams."""
    assert interval_holds(outside) >= 0.7
