"""Invitation and reminder emails: each sent at most once per person and round.

A send is claimed before the email goes out, by a conditional update of
sent_at (reminded_at for reminders). If sending fails the claim is released
so a retry can send; if the worker dies between claim and send, that one
email is lost rather than ever sent twice.
"""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from celery import current_app
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from surveys.models import Invitation, PulseRound

logger = logging.getLogger(__name__)

# Emails are queued in chunks: one message per chunk keeps opening a round
# for 100,000 people close to the cost of inserting the rows.
QUEUE_CHUNK = 500
# How long a queued email may wait before the sweep assumes its message was lost.
SWEEP_GRACE = timedelta(minutes=10)


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    size = QUEUE_CHUNK
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


# Tasks are named, not imported: tasks.py calls this module, so imports run one way.
SEND_INVITATIONS = "surveys.tasks.send_invitations"
SEND_REMINDERS = "surveys.tasks.send_reminders"


def queue_invitation_emails(invitation_ids: list[int]) -> None:
    for chunk in _chunks(invitation_ids):
        current_app.send_task(SEND_INVITATIONS, args=(chunk,))


def queue_reminder_emails(invitation_ids: list[int]) -> None:
    for chunk in _chunks(invitation_ids):
        current_app.send_task(SEND_REMINDERS, args=(chunk,))


def pulse_link(invitation: Invitation) -> str:
    return settings.SITE_URL + reverse("pulse_answer", args=[invitation.token])


def _message(invitation: Invitation, *, reminder: bool, connection) -> EmailMultiAlternatives:
    pulse_round = invitation.round
    context = {
        "invitation": invitation,
        "user": invitation.user,
        "unit": pulse_round.unit,
        "round": pulse_round,
        "link": pulse_link(invitation),
        "time_zone": pulse_round.unit.organization.time_zone,
        "reminder": reminder,
    }
    subject = render_to_string("surveys/email/subject.txt", context).strip()
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string("surveys/email/pulse.txt", context),
        to=[invitation.user.email],
        connection=connection,
    )
    message.attach_alternative(render_to_string("surveys/email/pulse.html", context), "text/html")
    return message


def _open_round_filter(now: datetime) -> dict:
    return {"round__status": PulseRound.Status.OPEN, "round__closes_at__gt": now}


def invitation_send(*, invitation_id: int, now: datetime | None = None, connection=None) -> bool:
    """Email the invitation unless it went out already. True when this call sent it."""
    return _claim_and_send(invitation_id, "sent_at", {}, reminder=False, now=now, connection=connection)


def invitation_remind(*, invitation_id: int, now: datetime | None = None, connection=None) -> bool:
    """Remind a member who hasn't answered, once. True when this call sent the reminder."""
    waiting = {"answered_at__isnull": True, "sent_at__isnull": False}
    return _claim_and_send(
        invitation_id, "reminded_at", waiting, reminder=True, now=now, connection=connection
    )


def _claim_and_send(
    invitation_id: int, stamp: str, conditions: dict, *, reminder: bool, now: datetime | None, connection
) -> bool:
    now = now or timezone.now()
    # Claim first: a sort of optimistic lock, so a retried or duplicated task
    # can't mail the same person twice for one round.
    claimed = Invitation.objects.filter(
        pk=invitation_id, **{f"{stamp}__isnull": True}, **conditions, **_open_round_filter(now)
    ).update(**{stamp: now})
    if not claimed:
        return False
    invitation = Invitation.objects.select_related("user", "round__unit__organization").get(pk=invitation_id)
    try:
        _message(invitation, reminder=reminder, connection=connection).send()
    except Exception:
        # Release the claim so the retry (or the sweep) can send it.
        Invitation.objects.filter(pk=invitation_id, **{stamp: now}).update(**{stamp: None})
        raise
    return True


def _send_batch(send, invitation_ids: list[int], now: datetime | None) -> list[int]:
    """Send each; return the ids that failed, to be retried. One mail connection for the batch."""
    failed = []
    with get_connection() as connection:
        for invitation_id in invitation_ids:
            try:
                send(invitation_id=invitation_id, now=now, connection=connection)
            except Exception:
                logger.exception("Pulse email for invitation %s failed; it will be retried", invitation_id)
                failed.append(invitation_id)
    return failed


def invitations_send(*, invitation_ids: list[int], now: datetime | None = None) -> list[int]:
    return _send_batch(invitation_send, invitation_ids, now)


def invitations_remind(*, invitation_ids: list[int], now: datetime | None = None) -> list[int]:
    return _send_batch(invitation_remind, invitation_ids, now)


def emails_sweep(*, now: datetime | None = None) -> int:
    """Queue again the emails of open rounds whose messages were lost (broker down, worker gone).

    Only emails queued more than SWEEP_GRACE ago, and each at most once per
    grace period, so a slow queue isn't flooded. Sending stays idempotent, so
    a message that was only slow is harmless.
    """
    now = now or timezone.now()
    stale = Q(queued_at__isnull=True) | Q(queued_at__lte=now - SWEEP_GRACE)
    open_rounds = _open_round_filter(now)
    unsent = Invitation.objects.filter(stale, sent_at__isnull=True, **open_rounds)
    # Only those sent before the reminders were queued: one invited late just got its email.
    unreminded = Invitation.objects.filter(
        stale,
        reminded_at__isnull=True,
        answered_at__isnull=True,
        sent_at__lte=F("round__reminders_queued_at"),
        **open_rounds,
    )
    unsent_ids = list(unsent.values_list("pk", flat=True))
    unreminded_ids = list(unreminded.values_list("pk", flat=True))
    for chunk in _chunks(unsent_ids + unreminded_ids):
        Invitation.objects.filter(pk__in=chunk).update(queued_at=now)
    if unsent_ids:
        queue_invitation_emails(unsent_ids)
    if unreminded_ids:
        queue_reminder_emails(unreminded_ids)
    return len(unsent_ids) + len(unreminded_ids)
