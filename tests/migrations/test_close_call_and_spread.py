"""Migration insights 0007: every summary gains the spread of its kept scores at once; only the
summary each page shows (a unit's latest final one) is marked stale, so the sweep gives it its
close call without holding up every old round."""

import importlib
import statistics
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps
from django.db import connection

from insights.models import RoundSummary
from insights.summaries import waiting_summaries
from tests.factories import closed_round_with_summary

migration = importlib.import_module("insights.migrations.0007_close_call_and_spread")
T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
SCORES = [22.0, 48.5, 61.0, 70.2, 88.0]


@pytest.mark.django_db
def test_spreads_are_kept_and_only_the_latest_rounds_wait_for_the_sweep(team, division):
    older = closed_round_with_summary(team, closes_at=T0, respondents=5, alignment=58.0, scores=SCORES)
    latest = closed_round_with_summary(
        team, closes_at=T0 + timedelta(days=28), respondents=5, alignment=60.0, scores=[s + 2 for s in SCORES]
    )
    lone = closed_round_with_summary(division, closes_at=T0, respondents=1, alignment=70.0, scores=[70.0])

    with connection.schema_editor() as editor:
        migration.spread_kept_and_latest_stale(apps, editor)

    for summary in (older, latest, lone):
        summary.refresh_from_db()
    assert older.alignment_sd == pytest.approx(statistics.stdev(SCORES))
    assert latest.alignment_sd == pytest.approx(statistics.stdev(SCORES))
    assert lone.alignment_sd is None  # one answer has no spread
    assert latest.stale and not older.stale
    assert lone.stale  # the division's latest (and only) round
    assert set(waiting_summaries(100)) == {latest.round_id, lone.round_id}
    assert RoundSummary.objects.filter(stale=True).count() == 2
