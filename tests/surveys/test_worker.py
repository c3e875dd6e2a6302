"""The whole pulse through Redis and a real Celery worker: open → email → answer → remind → close.

Time moves forward by passing `now` to the periodic tasks (as beat would call
them at that moment); nothing waits for real days.
"""

import re
import time
from datetime import timedelta
from unittest import mock
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.utils import timezone

from surveys import tasks
from surveys.models import Invitation, PulseRound, PulseSchedule, Response
from surveys.rounds import round_open
from surveys.scheduling import org_zone, schedule_save

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_until(predicate, *, timeout: float = 20.0, what: str = "the worker"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def drain(timeout: float = 20.0):
    """Wait until the worker has taken and finished everything queued so far."""
    from celery.worker import state

    from config.celery import app

    def idle() -> bool:
        with app.connection_for_write() as connection:
            waiting = connection.default_channel.client.llen("celery")
        return waiting == 0 and not state.active_requests and not state.reserved_requests

    deadline = time.monotonic() + timeout
    calm_since = None
    while time.monotonic() < deadline:
        if idle():
            calm_since = calm_since or time.monotonic()
            if time.monotonic() - calm_since > 0.3:  # idle twice in a row: nothing was in flight
                return
        else:
            calm_since = None
        time.sleep(0.05)
    raise AssertionError("the worker did not drain its queue")


def link_path(email) -> str:
    return urlparse(re.search(r"https?://\S+/p/\S+/", email.body).group(0)).path


@pytest.fixture
def due_schedule(team, statement, members):
    """Payments' weekly schedule whose slot was an hour ago, as if beat is about to see it."""
    zone = org_zone(team.organization)
    slot_local = (timezone.now() - timedelta(hours=1)).astimezone(zone).replace(second=0, microsecond=0)
    schedule = PulseSchedule(
        organization=team.organization,
        unit=team,
        weekday=slot_local.weekday(),
        local_time=slot_local.time(),
        open_days=5,
        remind_after_days=2,
    )
    schedule_save(schedule=schedule, acting_user=None, now=timezone.now() - timedelta(hours=2))
    assert schedule.next_slot_at == slot_local
    return schedule


def test_a_pulse_from_schedule_to_close(celery_worker, due_schedule, team, members, member, client):
    slot = due_schedule.next_slot_at

    # Beat opens the due round; the worker queues and sends one email per member.
    tasks.open_due_rounds.delay(now=(slot + timedelta(seconds=20)).isoformat())
    wait_until(lambda: len(mail.outbox) == len(members), what="the invitation emails")
    pulse_round = PulseRound.objects.get(unit=team)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.email for m in members)
    assert not Invitation.objects.filter(round=pulse_round, sent_at__isnull=True).exists()

    # Beat firing again, and a redelivered email task: still one round, one email each.
    tasks.open_due_rounds.delay(now=(slot + timedelta(seconds=80)).isoformat())
    tasks.send_invitations.delay(list(pulse_round.invitations.values_list("pk", flat=True)))
    drain()
    assert PulseRound.objects.filter(unit=team).count() == 1
    assert len(mail.outbox) == len(members)

    # The member follows the link, answers, and revises.
    [email] = [m for m in mail.outbox if m.to == [member.email]]
    path = link_path(email)
    assert client.get(path).status_code == 200
    answer = {
        "purpose_text": "We make card payments easy for small shops.",
        "fit_text": "Payouts and Fraud build on our transactions.",
        "understands_purpose": "4",
        "sees_contribution": "4",
        "shapes_direction": "2",
        "question_for_leader": "",
        "revision": "0",
    }
    assert client.post(path, answer).status_code == 302
    assert (
        client.post(
            path, answer | {"purpose_text": "We make every sale go through.", "revision": "1"}
        ).status_code
        == 302
    )
    response = Response.objects.get(round=pulse_round)
    assert response.purpose_text == "We make every sale go through." and response.revision == 2

    # Two days later beat reminds only those who haven't answered, once.
    mail.outbox.clear()
    remind_now = (pulse_round.remind_at + timedelta(minutes=1)).isoformat()
    tasks.send_due_reminders.delay(now=remind_now)
    tasks.send_due_reminders.delay(now=remind_now)
    wait_until(lambda: len(mail.outbox) == len(members) - 1, what="the reminders")
    drain()
    assert len(mail.outbox) == len(members) - 1
    assert member.email not in [m.to[0] for m in mail.outbox]
    assert all(m.subject.startswith("Reminder:") for m in mail.outbox)

    # On time, beat closes the round and the link between the member and the answer is cut.
    tasks.close_due_rounds.delay(now=pulse_round.closes_at.isoformat())
    wait_until(lambda: PulseRound.objects.get(pk=pulse_round.pk).status == PulseRound.Status.CLOSED)
    response.refresh_from_db()
    assert response.invitation_id is None
    page = client.get(path)
    assert page.status_code == 410 and "This pulse closed on" in page.content.decode()


def test_emails_lost_with_the_broker_are_sent_by_the_sweep(celery_worker, team, statement, members):
    now = timezone.now()
    with mock.patch("surveys.rounds.queue_invitation_emails"):  # the broker was down at commit
        pulse_round = round_open(
            unit=team, scheduled_for=now, closes_at=now + timedelta(days=5), remind_at=None, now=now
        )
    drain()
    assert mail.outbox == []
    tasks.sweep_unsent_emails.delay(now=(now + timedelta(minutes=11)).isoformat())
    wait_until(lambda: len(mail.outbox) == len(members), what="the swept emails")
    tasks.sweep_unsent_emails.delay(now=(now + timedelta(minutes=30)).isoformat())
    drain()
    assert len(mail.outbox) == len(members)
    assert not pulse_round.invitations.filter(sent_at__isnull=True).exists()
