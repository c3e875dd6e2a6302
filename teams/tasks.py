"""Celery tasks of teams: thin wrappers around teams.importing and teams.invitations.
Queued by name (teams.importing.jobs, teams.invitations)."""

from celery import shared_task

from teams.importing.applying import job_run
from teams.importing.jobs import imports_sweep
from teams.invitations import account_link_send, invitations_send
from teams.models import User


@shared_task
def apply_import(job_id: int) -> str:
    job = job_run(job_id)
    return job.status if job is not None else "held by another runner"


@shared_task
def sweep_imports() -> int:
    return imports_sweep()


@shared_task
def send_invitations(
    user_ids: list[int], reason: str, actor_id: int | None = None, bulk: int | None = None
) -> dict:
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    return invitations_send(user_ids=user_ids, reason=reason, actor=actor, bulk=bulk)


@shared_task
def send_account_link(email: str, reason: str) -> str:
    return str(account_link_send(email, reason=reason))
