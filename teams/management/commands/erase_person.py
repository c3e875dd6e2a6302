"""`manage.py erase_person EMAIL`: remove one person and what identifies them (GDPR)."""

from django.core.management.base import BaseCommand, CommandError

from teams.management.commands.export_person import person_by_email
from teams.person import CannotErase, person_erase

WHAT = (
    "This removes {email}'s account, memberships, pulse invitations, any answer to a pulse still open "
    "and their sign-in records, in one step that can't be undone. Audit rows keep what was done under "
    "a number instead of the person. Answers to closed pulses are linked to nobody and stay."
)


class Command(BaseCommand):
    help = "Erase one person: their account and identifiable data go; closed pulses' answers stay, anonymous."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument(
            "--no-input", action="store_false", dest="interactive", help="don't ask to confirm"
        )

    def handle(self, *args, email: str, interactive: bool = True, **options):
        user = person_by_email(email)
        self.stdout.write(WHAT.format(email=user.email))
        if interactive and input(f"Type the address ({user.email}) to erase: ").strip().lower() != user.email:
            raise CommandError("Nothing erased: the address typed didn't match.")
        try:
            removed = person_erase(user=user, acting_user=None)
        except CannotErase as refused:
            raise CommandError(str(refused)) from refused
        label = removed.pop("person")
        self.stdout.write(f"Erased: {user.email} is now {label} in the audit log.")
        for what, count in removed.items():
            self.stdout.write(f"  {what.replace('_', ' ')}: {count}")
