"""A task queued for a round deleted since (from the admin, or with the whole database emptied) ends
quietly: the round won't come back, so retrying it five times would only fill the log."""

from datetime import timedelta

import pytest
from django.utils import timezone

from insights import tasks
from surveys.models import PulseRound
from surveys.rounds import round_open
from teams.models import Membership
from tests.factories import MembershipFactory, PurposeStatementFactory

pytestmark = pytest.mark.django_db


def test_tasks_for_a_deleted_round_finish_without_retrying(team, leader):
    PurposeStatementFactory(unit=team, version=1, author=leader)
    MembershipFactory(unit=team, role=Membership.Role.MEMBER)
    now = timezone.now()
    pulse_round = round_open(unit=team, scheduled_for=now, closes_at=now + timedelta(days=5), remind_at=None)
    gone = pulse_round.pk
    PulseRound.objects.filter(pk=gone).delete()

    summary = tasks.summarize_round.apply(args=(gone,))
    results = tasks.send_round_results.apply(args=(gone,))

    assert summary.successful(), summary.traceback
    assert results.successful() and results.result == 0, results.traceback
