"""`manage.py import_people ORG_SLUG FILE [--apply] [--skip-errors]`: the people import, for large files.

The same checks, plan and batches as the import page (teams.importing), run in
this process with its progress printed. Without --apply it only prints the preview.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from teams.importing.applying import job_run
from teams.importing.jobs import CannotApply, FileRefused, import_confirm, import_upload
from teams.importing.planning import PLAN_LABELS
from teams.models import ImportJob, Organization

SHOWN_PROBLEMS = 50


class Command(BaseCommand):
    help = (
        "Import people and units from a CSV or XLSX file into an organization (a sync: see docs/import.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("organization", metavar="ORG_SLUG")
        parser.add_argument("file", metavar="FILE")
        parser.add_argument(
            "--apply", action="store_true", help="apply the changes (without it: preview only)"
        )
        parser.add_argument("--skip-errors", action="store_true", help="leave out the rows with problems")

    def handle(self, *args, organization: str, file: str, apply: bool, skip_errors: bool, **options):
        org = Organization.objects.filter(slug=organization).first()
        if org is None:
            raise CommandError(f"No organization has the slug {organization!r}.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No file at {file}.")
        self.stdout.write(f"Reading {path.name}…")
        try:
            job = import_upload(
                organization=org, file_name=path.name, data=path.read_bytes(), acting_user=None
            )
        except FileRefused as refusal:
            raise CommandError(str(refusal)) from None
        self._preview(job)
        if not apply:
            self.stdout.write(
                f"Preview only (import #{job.pk}); nothing was changed. Add --apply to apply it."
            )
            return
        analysis = job.analysis  # checked a moment ago: applied as previewed, without a second check
        try:
            job = import_confirm(job=job, skip_errors=skip_errors, acting_user=None, queue=False)
        except CannotApply as refusal:
            raise CommandError(f"{refusal} (--skip-errors leaves those rows out.)") from None
        finished = job_run(job.pk, progress=self._progress, analysis=analysis)
        if finished is None:
            raise CommandError(f"Import #{job.pk} is being run by a worker; follow it on its page.")
        if finished.status != ImportJob.Status.DONE:
            raise CommandError(finished.message)
        self.stdout.write(
            self.style.SUCCESS(f"Done: {finished.done} changes, each in the audit log (import #{job.pk}).")
        )

    def _preview(self, job: ImportJob) -> None:
        for note in job.notes:
            self.stdout.write(note)
        self.stdout.write(f"{len(job.rows)} rows.")
        for error in job.errors[:SHOWN_PROBLEMS]:
            self.stdout.write(f"  row {error['row']}, {error['column']}: {error['message']}")
        if len(job.errors) > SHOWN_PROBLEMS:
            self.stdout.write(f"  … and {len(job.errors) - SHOWN_PROBLEMS} more problems.")
        if job.errors:
            problems, rows = len(job.errors), len(job.skip_rows)
            self.stdout.write(f"{problems} problem{'s' * (problems != 1)} in {rows} row{'s' * (rows != 1)}.")
        counts = job.plan["counts"]
        self.stdout.write("Changes" + (" without the rows with problems:" if job.errors else ":"))
        for kind, label in PLAN_LABELS.items():
            self.stdout.write(f"  {label}: {counts.get(kind, 0)}")

    def _progress(self, job: ImportJob) -> None:
        self.stdout.write(f"  {job.phase}: {job.done}/{job.total} ({job.percent}%)")
