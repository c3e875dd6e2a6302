"""`manage.py export_person EMAIL`: everything identifiable about one person, as JSON (GDPR)."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from teams.models import User, normalize_email_address
from teams.person import person_export


def person_by_email(email: str) -> User:
    user = User.objects.filter(email=normalize_email_address(email)).first()
    if user is None:
        raise CommandError(f"No account uses {email!r}. Addresses are matched whatever their case.")
    return user


class Command(BaseCommand):
    help = "Print (or write to --output) everything identifiable about one person as JSON. The export is audited."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--output", metavar="FILE", help="write the JSON here instead of printing it")

    def handle(self, *args, email: str, output: str | None = None, **options):
        user = person_by_email(email)
        text = json.dumps(
            person_export(user=user, acting_user=None), cls=DjangoJSONEncoder, indent=2, ensure_ascii=False
        )
        if output:
            with open(output, "w", encoding="utf-8") as file:
                file.write(text + "\n")
            self.stderr.write(f"Wrote the data of {user.email} to {output} (the export is in the audit log).")
        else:
            self.stdout.write(text)
