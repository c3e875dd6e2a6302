"""Celery tasks of teams: thin wrappers around teams.importing. Queued by name (teams.importing.jobs)."""

from celery import shared_task

from teams.importing.applying import job_run
from teams.importing.jobs import imports_sweep


@shared_task
def apply_import(job_id: int) -> str:
    job = job_run(job_id)
    return job.status if job is not None else "held by another runner"


@shared_task
def sweep_imports() -> int:
    return imports_sweep()
