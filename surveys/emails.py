"""Invitation and reminder emails: each sent at most once per person and round.

A send is claimed before the email goes out, by a conditional update of
sent_at (reminded_at for reminders). If sending fails the claim is released
so a retry can send; if the worker dies between claim and send, that one
email is lost rather than ever sent twice.

Nothing else a dead worker held is lost. A worker leases the batch it takes
(in the broker's Redis) and renews the lease while it sends; the sweep
re-queues the unsent emails of a batch whose lease ran out, so they go within
two minutes of the worker's death. A message that never reached a worker is
queued again at the next sweep when publishing failed, else after SWEEP_GRACE.
docs/pulses.md states the guarantee case by case.
"""

import logging
import time
from collections.abc import Iterable
from datetime import datetime, timedelta

import redis
from celery import current_app
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection as database
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from surveys.models import Invitation, PulseRound
from surveys.selectors import invitee_is_member

logger = logging.getLogger(__name__)

# Emails are queued in chunks: one message per chunk keeps opening a round
# for 100,000 people close to the cost of inserting the rows.
QUEUE_CHUNK = 500
# How long a queued email may wait for a worker before the sweep assumes its message
# was lost. Long, because a big round's emails wait their turn in the queue this long.
SWEEP_GRACE = timedelta(minutes=10)
# A batch a worker took is leased for this long and renewed every LEASE_RENEWAL;
# the sweep runs every minute, so a dead worker's emails are queued again within
# LEASE plus a minute. A worker that is only slow loses nothing by it: the claims
# keep each email to one send, whoever runs the batch.
LEASE = timedelta(seconds=60)
LEASE_RENEWAL = timedelta(seconds=15)
INVITATION, REMINDER = "invitation", "reminder"


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    size = QUEUE_CHUNK
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


# Tasks are named, not imported: tasks.py calls this module, so imports run one way.
SEND_INVITATIONS = "surveys.tasks.send_invitations"
SEND_REMINDERS = "surveys.tasks.send_reminders"


def queue_invitation_emails(invitation_ids: list[int]) -> bool:
    return _queue(SEND_INVITATIONS, invitation_ids)


def queue_reminder_emails(invitation_ids: list[int]) -> bool:
    return _queue(SEND_REMINDERS, invitation_ids)


def _queue(task_name: str, invitation_ids: list[int]) -> bool:
    """Publish the emails in chunks. Never raises: it runs after the rows are committed,
    often in a request, so a broker that is down leaves them marked for the sweep instead."""
    chunks = list(_chunks(invitation_ids))
    for sent, chunk in enumerate(chunks):
        try:
            current_app.send_task(task_name, args=(chunk,))
        except Exception:  # whatever the broker or its client raise, the answer is the same
            logger.warning("Could not queue %s; the next sweep will", task_name, exc_info=True)
            # No queued_at is what the sweep looks for first: it doesn't wait out the grace.
            for unsent in chunks[sent:]:
                Invitation.objects.filter(pk__in=unsent).update(queued_at=None)
            return False
    return True


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
    # can't mail the same person twice for one round. Never to someone who left:
    # their invitation is withdrawn, or they are no longer an active member.
    claimed = Invitation.objects.filter(
        invitee_is_member(),
        pk=invitation_id,
        **{f"{stamp}__isnull": True},
        **conditions,
        **_open_round_filter(now),
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


def _send_batch(send, kind: str, invitation_ids: list[int], now: datetime | None) -> list[int]:
    """Send each; return the ids that failed, to be retried. One mail connection for the batch.

    Leased while it runs: what is settled (sent, or not to be sent) is let go at
    each renewal, the rest when the batch ends. Not in a `finally`: a batch that
    dies of an unexpected error keeps its lease, and the sweep queues what it left.
    """
    failed, settled = [], []
    _lease_renew(kind, invitation_ids, settled=[])
    renewed = time.monotonic()
    with get_connection() as connection:
        for done, invitation_id in enumerate(invitation_ids):
            if time.monotonic() - renewed >= LEASE_RENEWAL.total_seconds():
                _lease_renew(kind, failed + invitation_ids[done:], settled=settled)
                settled, renewed = [], time.monotonic()
            try:
                send(invitation_id=invitation_id, now=now, connection=connection)
            except Exception:
                logger.exception("Pulse email for invitation %s failed; it will be retried", invitation_id)
                failed.append(invitation_id)
            else:
                settled.append(invitation_id)
    _lease_renew(kind, [], settled=invitation_ids)  # all let go: the task retries the failed ones
    return failed


def invitations_send(*, invitation_ids: list[int], now: datetime | None = None) -> list[int]:
    return _send_batch(invitation_send, INVITATION, invitation_ids, now)


def invitations_remind(*, invitation_ids: list[int], now: datetime | None = None) -> list[int]:
    return _send_batch(invitation_remind, REMINDER, invitation_ids, now)


# --- Leases: which taken emails a worker is still working on --------------------------
#
# A sorted set per kind of email in the broker's Redis: invitation ids, scored by
# when their batch last renewed them. Beside the messages they stand for, so a
# Redis that loses its data loses both together. Best effort: with no Redis (the
# filesystem broker of `make run`) or Redis unreachable there are no leases, and
# a dead worker's unsent emails wait SWEEP_GRACE, as messages lost in the broker do.

_redis_clients: dict[str, redis.Redis] = {}


def _lease_store() -> redis.Redis | None:
    url = current_app.conf.broker_url or ""
    if not url.startswith(("redis://", "rediss://")):
        return None
    if url not in _redis_clients:
        _redis_clients[url] = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
    return _redis_clients[url]


def _lease_key(kind: str) -> str:
    # Ids mean something only in their own database; several may share one Redis.
    return f"purpose-pulse:{database.settings_dict['NAME']}:emails-taken:{kind}"


def _lease_renew(kind: str, held: list[int], *, settled: list[int]) -> None:
    store = _lease_store()
    if store is None or not (held or settled):
        return
    key = _lease_key(kind)
    try:
        with store.pipeline() as pipe:
            if settled:
                pipe.zrem(key, *settled)
            if held:
                pipe.zadd(key, dict.fromkeys(held, time.time()))
            pipe.execute()
    except redis.RedisError:
        logger.warning(
            "Could not lease a batch of %s emails; if its worker dies they wait %s",
            kind,
            SWEEP_GRACE,
            exc_info=True,
        )


def _leases_expired(kind: str, now: datetime) -> list[int]:
    """Ids of emails whose worker has not renewed them for LEASE: it died, or its Redis went away."""
    store = _lease_store()
    if store is None:
        return []
    try:
        ids = store.zrangebyscore(_lease_key(kind), "-inf", (now - LEASE).timestamp())
    except redis.RedisError:
        logger.warning("Could not read the %s email leases", kind, exc_info=True)
        return []
    return [int(i) for i in ids]


def emails_sweep(*, now: datetime | None = None) -> int:
    """Queue again the unsent emails of open rounds that no worker is sending. Returns how many.

    Those of a batch whose lease ran out (its worker died) at once; those whose
    publishing failed (no queued_at) at once; any other only once it was queued
    more than SWEEP_GRACE ago, and then at most once per grace period, so a slow
    queue isn't flooded. Sending stays idempotent, so a message that was only
    slow is harmless.
    """
    now = now or timezone.now()
    lost = Q(queued_at__isnull=True) | Q(queued_at__lte=now - SWEEP_GRACE)
    left_invitations, left_reminders = _leases_expired(INVITATION, now), _leases_expired(REMINDER, now)
    open_rounds = _open_round_filter(now)
    unsent = Invitation.objects.filter(
        lost | Q(pk__in=left_invitations), invitee_is_member(), sent_at__isnull=True, **open_rounds
    )
    # Only those sent before the reminders were queued: one invited late just got its email.
    unreminded = Invitation.objects.filter(
        lost | Q(pk__in=left_reminders),
        invitee_is_member(),
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
    _lease_renew(INVITATION, [], settled=left_invitations)
    _lease_renew(REMINDER, [], settled=left_reminders)
    return len(unsent_ids) + len(unreminded_ids)
