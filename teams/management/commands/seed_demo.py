from django.core.management.base import BaseCommand

from teams.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, demo_is_loaded, demo_seed, demo_set_password


class Command(BaseCommand):
    help = "Load the Brightwell demo organization (once; running it again changes nothing)."

    def add_arguments(self, parser):
        parser.add_argument("--password", help=f"password of the demo logins (default {DEMO_PASSWORD!r})")

    def handle(self, *args, password=None, **options):
        if demo_is_loaded():
            if password:
                demo_set_password(password)
                self.stdout.write("Demo already loaded; set the demo logins' password.")
            else:
                self.stdout.write("Demo already loaded; nothing changed.")
        else:
            demo_seed(password=password or DEMO_PASSWORD, progress=self.stdout.write)
            self.stdout.write(self.style.SUCCESS("Demo loaded."))
        shown = password or (DEMO_PASSWORD + " (unless you set another with --password)")
        self.stdout.write("Demo logins: " + ", ".join(DEMO_ACCOUNTS) + f" — password: {shown}")
