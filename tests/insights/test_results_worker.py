"""Results emails through Redis and a real Celery worker: the beat's sweep queues, the worker sends, once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from insights import tasks
from insights.models import RoundSummary
from surveys.answering import response_submit
from surveys.models import Invitation, Response, ResultsEmail
from surveys.rounds import round_close, round_open
from teams.models import Membership
from tests.factories import MembershipFactory, PurposeStatementFactory
from tests.insights.test_results import payments_round
from tests.insights.test_scoring import GOOD, OFF, PURPOSE, answers
from tests.surveys.test_worker import drain, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_sweep_emails_a_closed_rounds_results_once_through_the_worker(
    celery_worker, team, leader, member
):
    people = [member] + [MembershipFactory(unit=team, role=Membership.Role.MEMBER).user for _ in range(5)]
    summary = payments_round(team, closes_at=timezone.now() - timedelta(hours=1))
    for person in people:
        Invitation.objects.create(round=summary.round, user=person)
    # Nobody has opened a dashboard: the sweep decides the organization round itself.

    tasks.sweep_results_emails.delay()
    wait_until(lambda: len(mail.outbox) == 6, what="six results emails")
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)
    assert ResultsEmail.objects.count() == 6

    tasks.sweep_results_emails.delay()  # beat again: nothing left to send
    drain()
    assert len(mail.outbox) == 6


RESULTS_SUBJECT = "Here is how Payments describes its purpose"


def test_a_round_closed_for_real_emails_its_results_after_the_final_summary(celery_worker, team, leader):
    """Answers scored by the engine, the close, the final summary, then one results email each."""
    PurposeStatementFactory(unit=team, version=1, author=leader, purpose=PURPOSE)
    for _ in range(6):
        MembershipFactory(unit=team, role=Membership.Role.MEMBER)
    now = timezone.now()
    pulse_round = round_open(unit=team, scheduled_for=now, closes_at=now + timedelta(days=5), remind_at=None)
    texts = [GOOD, GOOD, GOOD, OFF, GOOD, OFF]
    for i, text in enumerate(texts):
        invitation = Invitation.objects.filter(round=pulse_round).order_by("pk")[i]
        question = "When do we get a second on-call engineer?" if i % 2 else ""
        response_submit(
            invitation=invitation, answers=answers(text, question_for_leader=question), seen_revision=0
        )
    wait_until(
        lambda: not Response.objects.filter(round=pulse_round, needs_scoring=True).exists(), timeout=90
    )
    round_close(round_id=pulse_round.pk)

    def results_emails():
        return [m for m in mail.outbox if m.subject == RESULTS_SUBJECT]

    wait_until(lambda: len(results_emails()) == 6, timeout=90, what="the results emails after the close")
    assert RoundSummary.objects.get(round=pulse_round).is_final
    drain()
    assert len(results_emails()) == 6
