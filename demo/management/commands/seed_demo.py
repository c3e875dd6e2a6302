from django.core.management.base import BaseCommand

from demo.history import demo_history, demo_history_needed
from demo.loop import demo_loop, demo_loop_needed
from demo.schedules import demo_schedules
from demo.seed import DEMO_ACCOUNTS, DEMO_PASSWORD, DEMO_SLUG, demo_is_loaded, demo_seed, demo_set_password
from insights.cascade import cascade_missing, cascade_refresh_org
from teams.models import Organization


class Command(BaseCommand):
    help = "Load the Brightwell demo organization (once; running it again changes nothing)."

    def add_arguments(self, parser):
        parser.add_argument("--password", help=f"password of the demo logins (default {DEMO_PASSWORD!r})")
        parser.add_argument(
            "--no-history",
            action="store_true",
            help="skip the past pulses (their answers are scored: slower)",
        )

    def handle(self, *args, password=None, no_history=False, **options):
        changed = False
        if not demo_is_loaded():
            demo_seed(password=password or DEMO_PASSWORD, progress=self.stdout.write)
            changed = True
        organization = Organization.objects.get(slug=DEMO_SLUG)
        # A demo loaded by an earlier version gets what it lacks, once.
        if demo_schedules(organization):
            changed = True
        if cascade_missing(organization_id=organization.pk):
            cascade_refresh_org(organization_id=organization.pk)
            changed = True
        if not no_history and demo_history_needed(organization):
            self.stdout.write("Scoring the demo's past pulses with the alignment engine…")
            demo_history(organization, progress=self.stdout.write)
            changed = True
        if (
            not no_history
            and demo_loop_needed(organization)
            and demo_loop(organization, progress=self.stdout.write)
        ):
            changed = True
        if password and not changed:
            demo_set_password(password)
            self.stdout.write("Demo already loaded; set the demo logins' password.")
        elif changed:
            self.stdout.write(
                self.style.SUCCESS("Demo loaded. A Payments pulse opens about two minutes after this.")
            )
        else:
            self.stdout.write("Demo already loaded; nothing changed.")
        shown = password or (DEMO_PASSWORD + " (unless you set another with --password)")
        self.stdout.write("Demo logins: " + ", ".join(DEMO_ACCOUNTS) + f" — password: {shown}")
