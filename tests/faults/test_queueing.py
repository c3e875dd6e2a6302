"""Queueing with a broker that fails: nothing lost when publishing fails, nothing queued twice.

The broker is a fake here (up, or down and raising what kombu raises); the
leases of taken email batches are in the test Redis. tests/faults/
test_outage_and_kills.py does the same things to a real Redis and real workers.
"""

import logging
from datetime import timedelta
from unittest import mock
from urllib.parse import urlparse

import pytest
import redis
from celery import current_app
from django.core import mail
from django.utils import timezone
from kombu.exceptions import OperationalError

from insights import scoring
from insights.models import RoundSummary, ScoringClaim
from insights.queue import SCORE_ROUND, SUMMARIZE_ROUND, queue_round_summary
from surveys import emails
from surveys.answering import response_submit
from surveys.emails import LEASE, SEND_INVITATIONS, emails_sweep, invitations_send, pulse_link
from surveys.models import Invitation, Response
from surveys.rounds import round_open
from teams.models import Membership
from tests.factories import MembershipFactory, PurposeStatementFactory, UnitFactory

pytestmark = [pytest.mark.faults, pytest.mark.django_db]

ANSWERS = {
    "purpose_text": "We help small shops take card payments easily.",
    "fit_text": "Everything else in Product builds on our payments.",
    "understands_purpose": 4,
    "sees_contribution": 4,
    "shapes_direction": 3,
    "question_for_leader": "",
}


class Broker:
    """Stands in for send_task: records what is published, or fails as a broker that is down."""

    def __init__(self):
        self.down = False
        self.sent: list[tuple[str, tuple]] = []

    def send_task(self, name, args=(), **options):
        if self.down:
            raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        self.sent.append((name, tuple(args)))

    def count(self, name: str) -> int:
        return sum(sent == name for sent, _ in self.sent)


@pytest.fixture
def broker():
    fake = Broker()
    with mock.patch.object(current_app, "send_task", side_effect=fake.send_task):
        yield fake


@pytest.fixture
def make_round(team, broker, django_capture_on_commit_callbacks):
    PurposeStatementFactory(unit=team, version=1, purpose="We make card payments effortless for shops.")
    members = [MembershipFactory(unit=team, role=Membership.Role.MEMBER).user for _ in range(6)]

    def _make(unit=team):
        if unit != team:
            PurposeStatementFactory(unit=unit, version=1, purpose="We keep the lights on.")
            for person in members:
                MembershipFactory(unit=unit, user=person, role=Membership.Role.MEMBER)
        now = timezone.now()
        with django_capture_on_commit_callbacks(execute=True):
            pulse_round = round_open(
                unit=unit, scheduled_for=now, closes_at=now + timedelta(days=5), remind_at=None
            )
        broker.sent.clear()  # the invitations' emails
        return pulse_round

    return _make


def answer_all(pulse_round) -> None:
    """Every member answers; the after-commit hooks don't run here (the test's transaction never commits)."""
    for invitation in pulse_round.invitations.all():
        response_submit(invitation=invitation, answers=ANSWERS, seen_revision=0)


@pytest.fixture
def leases():
    """The test Redis's email leases, emptied before and after."""
    store = redis.Redis.from_url(current_app.conf.broker_url)
    keys = [emails._lease_key(emails.INVITATION), emails._lease_key(emails.REMINDER)]
    store.delete(*keys)
    yield store
    store.delete(*keys)


# --- Scoring: queued once per round -------------------------------------------------------


def test_the_sweep_queues_a_round_once_however_often_it_runs(make_round, org, broker):
    rounds = [make_round(), make_round(unit=UnitFactory(organization=org))]
    for pulse_round in rounds:
        answer_all(pulse_round)
    for _ in range(5):
        assert scoring.unscored_sweep() == 12
    assert sorted(broker.sent) == sorted((SCORE_ROUND, (r.pk,)) for r in rounds)


def test_a_claim_older_than_the_grace_is_taken_for_a_lost_message(make_round, broker):
    pulse_round = make_round()
    answer_all(pulse_round)
    now = timezone.now()
    scoring.unscored_sweep(now=now)
    scoring.unscored_sweep(now=now + scoring.SCORING_GRACE - timedelta(seconds=1))
    assert broker.count(SCORE_ROUND) == 1
    # Still waiting after the grace: the message was lost, the sweep queues the round again.
    scoring.unscored_sweep(now=now + scoring.SCORING_GRACE)
    scoring.unscored_sweep(now=now + scoring.SCORING_GRACE + timedelta(seconds=30))
    assert broker.count(SCORE_ROUND) == 2


def test_answers_after_the_claim_queue_nothing_more(make_round, broker):
    pulse_round = make_round()
    assert scoring.round_scoring_queue(round_id=pulse_round.pk) is True
    assert scoring.round_scoring_queue(round_id=pulse_round.pk) is False
    assert scoring.round_scoring_queue(round_id=pulse_round.pk) is False
    assert broker.count(SCORE_ROUND) == 1


def test_a_failed_publish_gives_the_claim_up_so_the_next_sweep_queues_at_once(make_round, broker, caplog):
    pulse_round = make_round()
    answer_all(pulse_round)
    broker.down = True
    assert scoring.round_scoring_queue(round_id=pulse_round.pk) is False
    assert not ScoringClaim.objects.exists()
    assert "Could not queue insights.tasks.score_round" in caplog.text
    broker.down = False
    scoring.unscored_sweep()
    assert broker.sent == [(SCORE_ROUND, (pulse_round.pk,))]


def test_the_task_gives_its_claim_up_when_it_starts(make_round, broker):
    """A worker killed mid-scoring leaves no claim: the next sweep queues the round at once."""
    pulse_round = make_round()
    answer_all(pulse_round)
    scoring.unscored_sweep()
    with mock.patch.object(scoring, "response_score", side_effect=SystemExit("killed")):
        with pytest.raises(SystemExit):
            scoring.round_score_waiting(round_id=pulse_round.pk)
    assert Response.objects.filter(round=pulse_round, needs_scoring=True).count() == 6
    scoring.unscored_sweep()
    assert broker.count(SCORE_ROUND) == 2


# --- A request that saves never fails on the broker -------------------------------------


def _post_answer(client, invitation, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(urlparse(pulse_link(invitation)).path, {**ANSWERS, "revision": "0"})


def test_an_answer_saved_while_the_broker_is_down_is_kept_and_queued_by_the_next_sweep(
    make_round, broker, client, caplog, django_capture_on_commit_callbacks
):
    invitation = make_round().invitations.first()
    broker.down = True
    with caplog.at_level(logging.WARNING):
        page = _post_answer(client, invitation, django_capture_on_commit_callbacks)
    assert page.status_code == 302
    assert Response.objects.get(invitation=invitation).needs_scoring
    assert not ScoringClaim.objects.exists()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    broker.down = False
    scoring.unscored_sweep()
    assert broker.sent == [(SCORE_ROUND, (invitation.round_id,))]


def test_a_failing_hook_is_logged_by_its_name_and_the_answer_stands(
    make_round, broker, client, caplog, django_capture_on_commit_callbacks
):
    """The after-commit hooks are named functions, so Django can log a failure instead of a 500."""
    invitation = make_round().invitations.first()
    with mock.patch("insights.receivers.round_scoring_queue", side_effect=RuntimeError("unexpected")):
        page = _post_answer(client, invitation, django_capture_on_commit_callbacks)
    assert page.status_code == 302
    assert "Error calling _announce.<locals>.announce in on_commit()" in caplog.text
    assert Response.objects.filter(invitation=invitation).exists()


def test_a_summary_that_could_not_be_queued_is_marked_stale_for_the_sweep(make_round, broker):
    pulse_round = make_round()
    broker.down = True
    assert queue_round_summary(pulse_round.pk) is False
    assert RoundSummary.objects.get(round=pulse_round).stale  # made, for a round with none yet
    broker.down = False
    scoring.unscored_sweep()
    assert broker.sent == [(SUMMARIZE_ROUND, (pulse_round.pk,))]


# --- Emails: a dead worker's batch goes again within two minutes, each email once ------------


def test_emails_whose_publishing_failed_are_queued_by_the_next_sweep(team, broker, make_round):
    broker.down = True
    pulse_round = make_round()  # opened while the broker is down
    assert not pulse_round.invitations.filter(queued_at__isnull=False).exists()
    broker.down = False
    # The next sweep, a minute later, not after SWEEP_GRACE.
    assert emails_sweep(now=timezone.now() + timedelta(minutes=1)) == 6
    assert broker.count(SEND_INVITATIONS) == 1


class WorkerKilled(BaseException):
    """What SIGKILL looks like from inside: nothing after it runs, no except Exception catches it."""


def test_a_killed_batch_is_queued_again_when_its_lease_runs_out_and_no_email_goes_twice(
    make_round, broker, leases
):
    pulse_round = make_round()
    ids = list(pulse_round.invitations.order_by("pk").values_list("pk", flat=True))
    real_send = mail.EmailMultiAlternatives.send
    sends = []

    def killed_at_the_third(message, *args, **kwargs):
        sends.append(message.to)
        if len(sends) == 3:
            raise WorkerKilled
        return real_send(message, *args, **kwargs)

    with mock.patch.object(mail.EmailMultiAlternatives, "send", killed_at_the_third):
        with pytest.raises(WorkerKilled):
            invitations_send(invitation_ids=ids)
    assert len(mail.outbox) == 2
    now = timezone.now()
    assert emails_sweep(now=now + timedelta(seconds=30)) == 0  # the lease still holds
    assert emails_sweep(now=now + LEASE + timedelta(seconds=1)) == 3  # not the one in flight
    assert emails_sweep(now=now + LEASE + timedelta(seconds=2)) == 0
    [(_, (requeued,))] = broker.sent
    assert sorted(requeued) == ids[3:]
    assert invitations_send(invitation_ids=requeued) == []
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        Invitation.objects.filter(pk__in=[*ids[:2], *ids[3:]]).values_list("user__email", flat=True)
    )
    assert not leases.zcard(emails._lease_key(emails.INVITATION))


def test_a_long_batch_renews_its_lease_and_lets_it_go_when_done(make_round, broker, leases):
    pulse_round = make_round()
    ids = list(pulse_round.invitations.values_list("pk", flat=True))
    key = emails._lease_key(emails.INVITATION)
    held = []
    real_send = mail.EmailMultiAlternatives.send

    def watching(message, *args, **kwargs):
        held.append(leases.zcard(key))
        return real_send(message, *args, **kwargs)

    with (
        mock.patch.object(emails, "LEASE_RENEWAL", timedelta(0)),
        mock.patch.object(mail.EmailMultiAlternatives, "send", watching),
    ):
        assert invitations_send(invitation_ids=ids) == []
    # Renewed before each send, for what is still to be sent.
    assert held == list(range(len(ids), 0, -1))
    assert not leases.zcard(key) and len(mail.outbox) == len(ids)


def test_without_a_reachable_redis_the_emails_go_all_the_same(make_round, broker, monkeypatch, caplog):
    pulse_round = make_round()
    ids = list(pulse_round.invitations.values_list("pk", flat=True))
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    assert invitations_send(invitation_ids=ids) == []
    assert len(mail.outbox) == len(ids)
    assert "Could not lease a batch of invitation emails" in caplog.text
    assert emails_sweep(now=timezone.now() + timedelta(minutes=11)) == 0
