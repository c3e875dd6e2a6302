"""The executives' follow-through counts read each unit's *last* result only."""

from datetime import UTC, date, datetime, timedelta

import pytest

from insights.talk import follow_through
from surveys.models import ResultsTalk, TeamAction
from tests.factories import UnitFactory, closed_round_with_summary

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TODAY = date(2026, 6, 1)


@pytest.mark.django_db
def test_only_a_talk_about_the_last_result_counts_and_actions_are_counted_per_unit(
    org, division, team, leader
):
    other = UnitFactory(organization=org, parent=division, name="Payouts")
    quiet = UnitFactory(organization=org, parent=division, name="Fraud")
    old = closed_round_with_summary(team, closes_at=T0, respondents=5, alignment=60.0)
    closed_round_with_summary(team, closes_at=T0 + timedelta(days=30), respondents=5, alignment=62.0)
    ResultsTalk.objects.create(round=old.round, held_on=T0.date())  # talked, but a newer result came since
    last = closed_round_with_summary(other, closes_at=T0 + timedelta(days=30), respondents=5, alignment=55.0)
    ResultsTalk.objects.create(round=last.round, held_on=last.closes_at.date())
    TeamAction.objects.create(
        unit=team, round=old.round, title="Walk new joiners through it", due_on=TODAY - timedelta(days=1)
    )
    TeamAction.objects.create(
        unit=team, round=old.round, title="Review the wording", due_on=TODAY + timedelta(days=9)
    )
    TeamAction.objects.create(
        unit=other, round=last.round, title="Done already", due_on=TODAY, status=TeamAction.Status.DONE
    )

    counts = follow_through([division.pk, team.pk, other.pk, quiet.pk], today=TODAY)

    assert (counts.teams, counts.talked, counts.with_open, counts.with_overdue) == (2, 1, 1, 1)
