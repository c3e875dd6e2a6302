"""`manage.py rescore`: read old answers again after the engine or its model changed."""

from django.core.management.base import BaseCommand, CommandError

from insights.rescore import outdated_rounds, rescore
from purpose.engine import app_encoder
from teams.models import Organization


class Command(BaseCommand):
    help = (
        "Score again every answer not read by the current encoder and engine version, round by round, "
        "and recompute those rounds' summaries. Safe to interrupt and run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", metavar="SLUG", help="only this organization")
        parser.add_argument("--dry-run", action="store_true", help="count what is outdated, change nothing")
        parser.add_argument(
            "--queue",
            action="store_true",
            help="leave the scoring to the Celery worker instead of doing it here",
        )

    def handle(self, *args, org=None, dry_run=False, queue=False, **options):
        organization_id = None
        if org:
            organization = Organization.objects.filter(slug=org).first()
            if organization is None:
                raise CommandError(f"No organization with the slug {org!r}.")
            organization_id = organization.pk
        encoder = app_encoder()
        if dry_run:
            todo = outdated_rounds(encoder.name, organization_id=organization_id)
            answers = sum(r.answers for r in todo)
            self.stdout.write(f"{answers} answers in {len(todo)} rounds are not read by {encoder.name}.")
            return

        def progress(rounds_done, rounds, answers_done, answers):
            verb = "queued" if queue else "scored"
            self.stdout.write(f"round {rounds_done}/{rounds}: {answers_done}/{answers} answers {verb}")

        rounds, answers = rescore(
            encoder.name, organization_id=organization_id, queue=queue, progress=progress
        )
        if not rounds:
            self.stdout.write(f"Every answer is read by {encoder.name}; nothing to do.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Done: {answers} answers in {rounds} rounds."))
