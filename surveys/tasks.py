"""Celery tasks: thin wrappers that fetch, call a service, and retry.

Periodic ones take an optional ISO `now` so tests can move time forward
through the real worker; beat never passes it. The schedule that runs them
is in config/celery.py.
"""

from datetime import datetime

from celery import shared_task

from surveys import emails, rounds

RETRY_DELAYS = (30, 120, 600, 1800, 3600)  # seconds: a mail server down for an hour still gets its emails


def _when(now: str | None) -> datetime | None:
    return datetime.fromisoformat(now) if now else None


@shared_task
def open_due_rounds(now: str | None = None) -> int:
    return rounds.rounds_open_due(now=_when(now))


@shared_task
def close_due_rounds(now: str | None = None) -> int:
    return rounds.rounds_close_due(now=_when(now))


@shared_task
def send_due_reminders(now: str | None = None) -> int:
    return rounds.rounds_remind_due(now=_when(now))


@shared_task
def sweep_unsent_emails(now: str | None = None) -> int:
    return emails.emails_sweep(now=_when(now))


def _retry_failed(task, failed: list[int], now: str | None) -> int:
    if not failed:
        return 0
    delay = RETRY_DELAYS[min(task.request.retries, len(RETRY_DELAYS) - 1)]
    # Retry only the ones that failed; those sent are claimed and would be skipped anyway.
    raise task.retry(args=[failed], kwargs={"now": now}, countdown=delay, max_retries=len(RETRY_DELAYS))


@shared_task(bind=True)
def send_invitations(self, invitation_ids: list[int], now: str | None = None) -> int:
    failed = emails.invitations_send(invitation_ids=invitation_ids, now=_when(now))
    _retry_failed(self, failed, now)
    return len(invitation_ids)


@shared_task(bind=True)
def send_reminders(self, invitation_ids: list[int], now: str | None = None) -> int:
    failed = emails.invitations_remind(invitation_ids=invitation_ids, now=_when(now))
    _retry_failed(self, failed, now)
    return len(invitation_ids)
