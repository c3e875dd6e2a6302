"""An import from upload to queue: read the file, check it, keep the preview, confirm, queue.

The apply task is queued by name (like insights/queue.py) after the confirming
transaction commits; a broker that is down loses nothing, since the job stays
queued in PostgreSQL and the every-minute sweep queues it again.
"""

import logging
import re
from datetime import timedelta

from celery import current_app
from django.db import IntegrityError, transaction
from django.utils import timezone

from teams.importing.applying import jobs_give_up, jobs_stale, plan_counts
from teams.importing.checking import Analysis, import_analyse
from teams.importing.planning import EXAMPLES, Plan
from teams.importing.reading import FileRefused, read_table
from teams.models import ImportJob, Organization, User
from teams.services import audit_record

logger = logging.getLogger(__name__)

# A file's name is shown on its pages: nothing that can't be stored or that turns text around.
_UNSHOWABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")

APPLY_IMPORT = "teams.tasks.apply_import"
TASK_NAMES = (APPLY_IMPORT,)
PREVIEW_KEPT = timedelta(days=7)  # an upload nobody applied is dropped after this, rows and all


class CannotApply(Exception):
    """Applying was refused; the message says why, for the admin."""


def import_upload(
    *, organization: Organization, file_name: str, data: bytes, acting_user: User | None
) -> ImportJob:
    """Read and check a file and keep it as a job waiting for review. FileRefused if unreadable."""
    table = read_table(file_name, data)
    job = ImportJob(
        organization=organization,
        created_by=acting_user,
        file_name=_UNSHOWABLE.sub("", file_name)[:255] or "upload",
        columns=table.columns,
        notes=table.notes,
        rows=table.rows,
    )
    # Kept on the instance (not stored) for a caller that applies at once: the command.
    job.analysis = job_check(job)
    job.save()
    return job


def job_check(job: ImportJob) -> Analysis:
    """Check the job's rows against the organization as it is now and store the preview."""
    analysis = import_analyse(
        organization=job.organization,
        rows=job.rows,
        columns=job.columns,
        acting_user_id=job.created_by_id,
    )
    job.errors = [problem.as_dict() for problem in analysis.problems]
    job.plan = _preview(analysis.plan)
    job.skip_rows = sorted(analysis.skipped_rows)
    return analysis


def _preview(plan: Plan) -> dict:
    def unit(key: str | None) -> str:
        return plan.names.get(key, "the top") if key else "the top"

    def places(person: dict) -> str:
        return ", ".join(f"{role} of {unit(key)}" for key, role in person["places"])

    examples = {
        "unit_adds": [f"{u['name']} under {unit(u['parent'])}" for u in plan.unit_adds],
        "unit_moves": [f"{u['name']} to {unit(u['parent'])}" for u in plan.unit_moves],
        "person_adds": [f"{p['name'] or p['email']} <{p['email']}>: {places(p)}" for p in plan.person_adds],
        "person_changes": [
            f"{p['email']}: " + ("returns" if p["reactivate"] else f"name becomes {p['name']}")
            for p in plan.person_changes
        ],
        "membership_adds": [f"{m['email']}: {m['role']} of {unit(m['unit'])}" for m in plan.membership_adds],
        "membership_changes": [
            f"{m['email']}: now {m['role']} of {unit('u' + str(m['unit_id']))}"
            for m in plan.membership_changes
        ],
        "membership_moves": [
            f"{m['email']}: {unit('u' + str(m['from_id']))} → {unit(m['unit'])}"
            for m in plan.membership_moves
        ],
        "membership_removes": [
            f"{m['email']}: leaves {unit('u' + str(m['unit_id']))}" for m in plan.membership_removes
        ],
        "leavers": [
            leaver["email"]
            + ("" if leaver["deactivate"] else " (leaves their units; the account stays as it is)")
            for leaver in plan.leavers
        ],
    }
    return {
        "counts": plan_counts(plan),
        "examples": {kind: lines[:EXAMPLES] for kind, lines in examples.items()},
    }


def import_confirm(
    *, job: ImportJob, skip_errors: bool, acting_user: User | None, queue: bool = True
) -> ImportJob:
    """Queue the job for applying. With problems left, only if the admin chose to skip those rows.
    `queue=False` leaves running it to the caller (the management command runs it in-process)."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status != ImportJob.Status.PREVIEW:
            raise CannotApply("This import has already been applied or is being applied.")
        # What the admin saw is what they confirm; the run checks again against the organization
        # as it is then, and stops before writing if rows the preview passed can't go in now.
        if job.errors and not skip_errors:
            raise CannotApply(
                f"{len(job.errors)} problem{'s' if len(job.errors) != 1 else ''} left. Fix the file and "
                "upload it again, or choose to skip the rows with problems."
            )
        job.status = ImportJob.Status.QUEUED
        job.heartbeat_at = timezone.now()
        try:
            with transaction.atomic():
                job.save(update_fields=["status", "heartbeat_at"])  # not the rows again
        except IntegrityError:
            raise CannotApply(
                "Another import for this organization is being applied. Wait for it to finish."
            ) from None
        audit_record(
            organization=job.organization,
            actor=acting_user,
            action="import.start",
            file=job.file_name,
            skipped_rows=len(job.skip_rows),
            **{"import": job.pk},
            **job.plan.get("counts", {}),
        )
        if queue:
            transaction.on_commit(lambda: queue_apply(job.pk), robust=True)
    return job


def queue_apply(job_id: int) -> bool:
    try:
        current_app.send_task(APPLY_IMPORT, args=(job_id,))
    except Exception:  # whatever the broker or its client raise: the sweep queues it again
        logger.warning("Could not queue import %s; the sweep will", job_id, exc_info=True)
        return False
    return True


def imports_sweep(*, now=None) -> int:
    """Queue again every confirmed job nobody is running; drop previews nobody applied."""
    now = now or timezone.now()
    ImportJob.objects.filter(status=ImportJob.Status.PREVIEW, created_at__lt=now - PREVIEW_KEPT).delete()
    jobs_give_up(now=now)
    stale = jobs_stale(now=now)
    for job_id in stale:
        queue_apply(job_id)
    return len(stale)


__all__ = ["FileRefused", "CannotApply", "import_upload", "import_confirm", "imports_sweep"]
