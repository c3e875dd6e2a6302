from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail

from surveys import tasks
from surveys.answering import response_submit
from surveys.emails import emails_sweep, invitation_remind, invitation_send, invitations_send
from surveys.models import Invitation
from surveys.rounds import round_close, rounds_remind_due
from tests.surveys.conftest import answers

pytestmark = pytest.mark.django_db


def test_the_invitation_email_carries_the_personal_link(invitation, t0, settings):
    settings.SITE_URL = "https://pulse.example"
    assert invitation_send(invitation_id=invitation.pk, now=t0) is True
    [email] = mail.outbox
    assert email.to == [invitation.user.email]
    assert email.subject == "How would you describe what our team is for? (2 minutes)"
    assert f"https://pulse.example/p/{invitation.token}/" in email.body
    assert f"https://pulse.example/p/{invitation.token}/" in email.alternatives[0][0]
    assert "Saturday 7 March, 09:00 (UTC)" in email.body
    # Nothing in it hints at the leader's words.
    assert invitation.round.purpose_statement.purpose not in email.body


def test_sending_twice_sends_once(invitation, t0):
    assert invitation_send(invitation_id=invitation.pk, now=t0) is True
    assert invitation_send(invitation_id=invitation.pk, now=t0 + timedelta(seconds=5)) is False
    assert len(mail.outbox) == 1
    invitation.refresh_from_db()
    assert invitation.sent_at == t0


def test_a_failed_send_releases_its_claim_for_the_retry(invitation, t0):
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=OSError("smtp down")):
        with pytest.raises(OSError):
            invitation_send(invitation_id=invitation.pk, now=t0)
    invitation.refresh_from_db()
    assert invitation.sent_at is None
    assert invitation_send(invitation_id=invitation.pk, now=t0 + timedelta(minutes=1)) is True
    assert len(mail.outbox) == 1


def test_a_worker_killed_after_claiming_never_sends_twice(pulse_round, invitation, t0, queued):
    """Claimed then killed before sending: the retry and the sweep both leave it alone."""
    Invitation.objects.filter(round=pulse_round).update(sent_at=t0)  # every claim taken
    assert emails_sweep(now=t0 + timedelta(hours=1)) == 0
    assert invitation_send(invitation_id=invitation.pk, now=t0 + timedelta(minutes=1)) is False
    assert queued.invitations.call_count == 0
    assert mail.outbox == []


def test_a_batch_sends_the_rest_and_returns_the_failures(pulse_round, members, t0):
    ids = list(pulse_round.invitations.order_by("pk").values_list("pk", flat=True))
    real_send = mail.EmailMultiAlternatives.send

    def flaky(message, *args, **kwargs):
        if message.to == [members[2].email]:
            raise OSError("mailbox busy")
        return real_send(message, *args, **kwargs)

    with mock.patch("django.core.mail.EmailMultiAlternatives.send", flaky):
        failed = invitations_send(invitation_ids=ids, now=t0)
    assert failed == [Invitation.objects.get(round=pulse_round, user=members[2]).pk]
    assert len(mail.outbox) == len(members) - 1
    assert invitations_send(invitation_ids=ids, now=t0) == []  # the retry: only the failed one goes
    assert len(mail.outbox) == len(members)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.email for m in members)


def test_the_batch_task_retries_only_the_failed_ids(pulse_round, t0):
    ids = list(pulse_round.invitations.values_list("pk", flat=True))
    with (
        mock.patch("surveys.emails.invitations_send", return_value=[ids[0]]),
        mock.patch.object(tasks.send_invitations, "retry", side_effect=RuntimeError("retry")) as retry,
    ):
        with pytest.raises(RuntimeError):
            tasks.send_invitations.run(ids)
    assert retry.call_args.kwargs["args"] == [[ids[0]]]
    assert retry.call_args.kwargs["countdown"] == tasks.RETRY_DELAYS[0]


def test_no_email_once_the_round_closed(invitation, pulse_round, t0):
    round_close(round_id=pulse_round.pk, now=t0 + timedelta(days=1))
    assert invitation_send(invitation_id=invitation.pk, now=t0 + timedelta(days=1)) is False
    assert invitation_send(invitation_id=invitation.pk, now=pulse_round.closes_at) is False
    assert mail.outbox == []


def test_reminder_goes_once_and_not_after_answering(pulse_round, invitation, members, t0):
    Invitation.objects.filter(round=pulse_round).update(sent_at=t0)
    other = Invitation.objects.get(round=pulse_round, user=members[1])
    response_submit(invitation=invitation, answers=answers(), seen_revision=0, now=t0)
    later = t0 + timedelta(days=2)
    assert invitation_remind(invitation_id=invitation.pk, now=later) is False  # answered
    assert invitation_remind(invitation_id=other.pk, now=later) is True
    assert invitation_remind(invitation_id=other.pk, now=later) is False
    [email] = mail.outbox
    assert email.subject.startswith("Reminder:")
    assert email.to == [members[1].email]


def test_a_failed_reminder_releases_its_claim(pulse_round, members, t0):
    other = Invitation.objects.get(round=pulse_round, user=members[1])
    Invitation.objects.filter(pk=other.pk).update(sent_at=t0)
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=OSError):
        with pytest.raises(OSError):
            invitation_remind(invitation_id=other.pk, now=t0 + timedelta(days=2))
    other.refresh_from_db()
    assert other.reminded_at is None


def test_the_sweep_requeues_emails_lost_with_the_broker(pulse_round, members, t0, queued):
    """Opened, but the queued messages never arrived: after the grace period they go again, once."""
    assert emails_sweep(now=t0 + timedelta(minutes=1)) == 0  # still within the grace period
    assert emails_sweep(now=t0 + timedelta(minutes=11)) == len(members)
    assert emails_sweep(now=t0 + timedelta(minutes=12)) == 0  # just re-queued: not again yet
    [call] = queued.invitations.call_args_list
    assert sorted(call.args[0]) == sorted(pulse_round.invitations.values_list("pk", flat=True))


def test_the_sweep_leaves_sent_and_closed_alone(pulse_round, t0, queued):
    Invitation.objects.filter(round=pulse_round).update(sent_at=t0)
    assert emails_sweep(now=t0 + timedelta(hours=1)) == 0
    Invitation.objects.filter(round=pulse_round).update(sent_at=None)
    round_close(round_id=pulse_round.pk, now=t0 + timedelta(hours=2))
    assert emails_sweep(now=t0 + timedelta(hours=3)) == 0


def test_the_sweep_requeues_lost_reminders_but_not_for_late_invitations(
    pulse_round, members, t0, queued, django_capture_on_commit_callbacks
):
    invitations = list(Invitation.objects.filter(round=pulse_round).order_by("pk"))
    Invitation.objects.filter(pk__in=[i.pk for i in invitations[:-1]]).update(sent_at=t0)
    with django_capture_on_commit_callbacks(execute=False):  # the reminder messages are lost
        rounds_remind_due(now=pulse_round.remind_at)
    # The last one is only now invited (late): it gets no reminder straight after.
    Invitation.objects.filter(pk=invitations[-1].pk).update(
        sent_at=pulse_round.remind_at + timedelta(minutes=1)
    )
    assert emails_sweep(now=pulse_round.remind_at + timedelta(minutes=11)) == len(members) - 1
    assert sorted(queued.reminders.call_args.args[0]) == sorted(i.pk for i in invitations[:-1])
