"""Answers to one round don't wait for each other, and the close still orders itself against them.

Real PostgreSQL transactions in threads: one holds its answer open (before commit)
while another answer, or the close, runs.
"""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction

from insights.receivers import score_saved_answer, summarize_closed_round
from surveys.answering import PulseClosed, response_submit
from surveys.models import Invitation, Response
from surveys.rounds import round_close
from surveys.signals import answer_saved, round_closed
from tests.surveys.conftest import answers

pytestmark = pytest.mark.django_db(transaction=True)
WAIT = 10  # seconds; only reached when something is wrongly blocked
INSIGHTS_RECEIVERS = [
    (answer_saved, score_saved_answer, "insights.score_answer"),
    (round_closed, summarize_closed_round, "insights.final_summary"),
]


@pytest.fixture(autouse=True)
def insights_not_told():
    """These commit for real, so insights would queue scoring and summaries on the shared
    broker, and the session's Celery worker (tests/conftest.py) would run them while the
    next test empties the database. Not what these tests are about."""
    for signal, _, uid in INSIGHTS_RECEIVERS:
        signal.disconnect(dispatch_uid=uid)
    yield
    for signal, receiver, uid in INSIGHTS_RECEIVERS:
        signal.connect(receiver, dispatch_uid=uid)


class Held(threading.Thread):
    """Runs `work` in a transaction of its own and keeps it open until released."""

    def __init__(self, work):
        super().__init__(daemon=True)
        self.work, self.error, self.result = work, None, None
        self.inside, self.release = threading.Event(), threading.Event()

    def run(self):
        try:
            with transaction.atomic():
                self.result = self.work()
                self.inside.set()
                self.release.wait(WAIT)
        except Exception as error:  # handed to the test
            self.error = error
        finally:
            self.inside.set()
            connection.close()


class Running(threading.Thread):
    def __init__(self, work):
        super().__init__(daemon=True)
        self.work, self.error, self.result = work, None, None

    def run(self):
        try:
            self.result = self.work()
        except Exception as error:
            self.error = error
        finally:
            connection.close()


def _answer(invitation, now):
    return lambda: response_submit(invitation=invitation, answers=answers(), seen_revision=0, now=now)


def test_an_answer_does_not_wait_for_another_answer_to_the_same_round(pulse_round, members, t0):
    first, second = Invitation.objects.filter(round=pulse_round).order_by("pk")[:2]
    now = t0 + timedelta(hours=1)
    holding = Held(_answer(first, now))
    holding.start()
    assert holding.inside.wait(WAIT)
    other = Running(_answer(second, now))
    other.start()
    other.join(5)
    finished_while_held = not other.is_alive()
    holding.release.set()
    holding.join(WAIT)
    other.join(WAIT)
    assert finished_while_held, "the second answer waited for the first one's transaction"
    assert holding.error is None and other.error is None
    assert Response.objects.filter(round=pulse_round).count() == 2


def test_the_close_waits_for_an_answer_in_flight_and_then_cuts_its_link(pulse_round, members, t0):
    invitation = Invitation.objects.filter(round=pulse_round).first()
    holding = Held(_answer(invitation, t0 + timedelta(hours=1)))
    holding.start()
    assert holding.inside.wait(WAIT)
    closing = Running(lambda: round_close(round_id=pulse_round.pk, now=t0 + timedelta(hours=2)))
    closing.start()
    closing.join(1.5)
    waited = closing.is_alive()
    holding.release.set()
    holding.join(WAIT)
    closing.join(WAIT)
    assert waited, "the close went ahead while an answer was being saved"
    assert holding.error is None and closing.error is None and closing.result is True
    [response] = Response.objects.filter(round=pulse_round)
    assert response.invitation_id is None  # saved before the cut, and cut with the others
    assert not Invitation.objects.filter(round=pulse_round, answered_at__isnull=False).exists()


def test_an_answer_that_waited_for_the_close_is_refused_as_closed(pulse_round, members, t0):
    invitation = Invitation.objects.filter(round=pulse_round).first()
    closing = Held(lambda: round_close(round_id=pulse_round.pk, now=t0 + timedelta(hours=1)))
    closing.start()
    assert closing.inside.wait(WAIT)
    answering = Running(_answer(invitation, t0 + timedelta(hours=1, seconds=1)))
    answering.start()
    answering.join(1.5)
    waited = answering.is_alive()
    closing.release.set()
    closing.join(WAIT)
    answering.join(WAIT)
    assert waited, "the answer went ahead while the round was being closed"
    assert isinstance(answering.error, PulseClosed)
    assert not Response.objects.filter(round=pulse_round).exists()
