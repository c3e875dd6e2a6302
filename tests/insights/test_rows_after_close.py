"""After a round closes, insights' rows of it follow the answers: rewritten, consistent, complete.

The orders themselves are checked column by column in tests/surveys/test_anonymity.py; here,
what the rewrite keeps and drops, and that the team view lists words in orders of their own.
"""

import random
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest

from insights.anonymity import round_rows_shuffle
from insights.models import AnswerScore, LeaderMark
from insights.scoring import round_score_waiting
from insights.summaries import round_summarize
from insights.team_view import team_view
from surveys.answering import response_submit
from surveys.models import Invitation, Response
from surveys.rounds import round_close, round_open
from teams.models import Membership
from tests.factories import (
    AnswerScoreFactory,
    MembershipFactory,
    PurposeStatementFactory,
    ResponseFactory,
    closed_round_with_summary,
)

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PURPOSE = (
    "We make it effortless for small businesses to accept card payments, so that every sale goes through."
)


def answers(text: str) -> dict:
    return {
        "purpose_text": text,
        "fit_text": "We own the payment flow the rest of Product builds on.",
        "understands_purpose": 4,
        "sees_contribution": 4,
        "shapes_direction": 3,
        "question_for_leader": "",
    }


@pytest.fixture
def queued():
    with mock.patch("insights.queue.current_app.send_task") as send_task:
        yield send_task


def test_a_reading_of_an_older_revision_is_dropped_and_the_answer_read_again(team, leader, queued):
    """An answer revised just before the close, not yet scored: its old reading would pass the
    revision check once both revisions are reset, so it goes, and the answer is scored again."""
    PurposeStatementFactory(unit=team, version=1, author=leader, purpose=PURPOSE)
    for _ in range(3):
        MembershipFactory(unit=team, role=Membership.Role.MEMBER)
    pulse_round = round_open(
        unit=team, scheduled_for=T0, closes_at=T0 + timedelta(days=5), remind_at=None, now=T0
    )
    invitations = list(Invitation.objects.filter(round=pulse_round).order_by("pk"))
    for invitation in invitations:
        response_submit(
            invitation=invitation,
            answers=answers("We help shops take card payments."),
            seen_revision=0,
            now=T0,
        )
    round_score_waiting(round_id=pulse_round.pk)
    revised = response_submit(
        invitation=invitations[0],
        answers=answers("I mostly fix the office printers."),
        seen_revision=1,
        now=T0 + timedelta(hours=1),
    )
    old_reading = AnswerScore.objects.get(response=revised)
    assert old_reading.revision == 1 and revised.revision == 2  # not read yet

    assert round_close(round_id=pulse_round.pk, now=T0 + timedelta(days=5))
    summary = round_summarize(round_id=pulse_round.pk)  # the final summary, queued by the close
    assert not AnswerScore.objects.filter(response=revised).exists()
    assert AnswerScore.objects.filter(response__round=pulse_round).count() == 2
    assert summary.is_final and summary.respondents == 2

    round_score_waiting(round_id=pulse_round.pk)
    reading = AnswerScore.objects.get(response=revised)
    assert reading.revision == Response.objects.get(pk=revised.pk).revision == 1
    assert reading.alignment != old_reading.alignment  # the printers, not the payments
    summary = round_summarize(round_id=pulse_round.pk)
    assert summary.is_final and summary.respondents == summary.answered == 3


def test_rewriting_again_keeps_every_reading_and_mark(team, leader):
    summary = closed_round_with_summary(team, closes_at=T0, respondents=3, alignment=50.0)
    scores = [AnswerScoreFactory(response=ResponseFactory(round=summary.round)) for _ in range(3)]
    for score in scores:
        LeaderMark.objects.create(response=score.response, round=summary.round, marked_by=leader, mark="part")
    before = set(AnswerScore.objects.values_list("response_id", "revision", "alignment", "encoder"))
    assert round_rows_shuffle(round_id=summary.round_id) == 3
    assert round_rows_shuffle(round_id=summary.round_id) == 3
    assert set(AnswerScore.objects.values_list("response_id", "revision", "alignment", "encoder")) == before
    assert set(LeaderMark.objects.values_list("response_id", "marked_by", "mark")) == {
        (score.pk, leader.pk, "part") for score in scores
    }


def test_the_team_view_lists_answers_and_questions_each_in_an_order_of_its_own(team):
    """Each member's answer and question sit in one row; listed in the same order, or in the
    order stored, they could be paired up, or dated."""
    summary = closed_round_with_summary(team, closes_at=T0, respondents=12, alignment=50.0)
    for n in range(12):
        ResponseFactory(round=summary.round, purpose_text=f"answer {n}", question_for_leader=f"question {n}")
    stored = [
        text.split()[1]
        for text in Response.objects.filter(round=summary.round).values_list("purpose_text", flat=True)
    ]
    # A seeded generator, so the check can't pass by luck.
    with mock.patch("insights.team_view.random.SystemRandom", lambda: random.Random(11)):
        view = team_view(team)
    assert view.verbatim_ok
    answer_order = [v.text.split()[1] for v in view.verbatims]
    question_order = [q.split()[1] for q in view.questions]
    assert sorted(answer_order) == sorted(question_order) == sorted(str(n) for n in range(12))
    assert answer_order != question_order
    assert stored not in (answer_order, question_order)
