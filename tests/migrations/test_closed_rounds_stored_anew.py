"""Rounds closed before rows were stored anew at close get their turn: migration insights 0005
marks their summaries stale, and recomputing one (the sweep's job) stores its rows anew."""

import importlib
from datetime import UTC, datetime

import pytest
from django.apps import apps
from django.db import connection

from insights.models import AnswerScore, RoundSummary
from insights.summaries import round_summarize, waiting_summaries
from surveys.models import PulseRound
from tests.factories import AnswerScoreFactory, ResponseFactory, closed_round_with_summary

migration = importlib.import_module("insights.migrations.0005_closed_rounds_stored_anew")
T0 = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


def stored_order(round_id: int) -> tuple[list, list]:
    """Answers and their scores as they lie in the tables: (key, PostgreSQL's ctid) in ctid order."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, ctid::text AS at FROM surveys_response WHERE round_id = %s ORDER BY ctid", [round_id]
        )
        answers = cursor.fetchall()
        cursor.execute(
            "SELECT s.response_id, s.ctid::text AS at FROM insights_answerscore s"
            " JOIN surveys_response r ON r.id = s.response_id WHERE r.round_id = %s ORDER BY s.ctid",
            [round_id],
        )
        return answers, cursor.fetchall()


@pytest.mark.django_db
def test_old_closed_rounds_are_stored_anew_by_the_sweep_after_the_migration(team, division):
    old = closed_round_with_summary(team, closes_at=T0, respondents=4, alignment=50.0)
    # As rounds closed before the rewrite existed: rows in the order people answered.
    written = [AnswerScoreFactory(response=ResponseFactory(round=old.round)).response_id for _ in range(4)]
    open_round = PulseRound.objects.create(
        unit=division,
        purpose_statement=old.round.purpose_statement,
        scheduled_for=T0,
        opens_at=T0,
        closes_at=datetime(2099, 1, 1, tzinfo=UTC),
    )
    open_summary = RoundSummary.objects.create(
        round=open_round, unit=division, closes_at=open_round.closes_at
    )
    assert old.round_id not in waiting_summaries(100)

    with connection.schema_editor() as editor:
        migration.closed_rounds_stale(apps, editor)

    assert old.round_id in waiting_summaries(100), "the sweep will pick the closed round up"
    open_summary.refresh_from_db()
    assert not open_summary.stale, "an open round is left alone"
    answers, scores = stored_order(old.round_id)
    round_summarize(round_id=old.round_id)
    answers_after, scores_after = stored_order(old.round_id)
    # Where a rewritten row lands depends on the table's free space, so its order is checked
    # with a fixed shuffle in tests/surveys/test_anonymity.py; here: every row is a new one.
    assert not {at for _, at in answers} & {at for _, at in answers_after}, "every answer is written anew"
    assert not {at for _, at in scores} & {at for _, at in scores_after}, "every score is written anew"
    assert {key for key, _ in answers_after} == {key for key, _ in scores_after} == set(written)
    assert AnswerScore.objects.filter(response__round=old.round).count() == 4
