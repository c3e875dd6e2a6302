"""`manage.py invite_people ORG_SLUG [EMAIL ...]`: email set-password links from the command line.

Without addresses: every leader, executive and admin of the organization who has no password and
no link that still works (as the Invitations page's button), sent from this process with its
progress printed. With addresses: those people, whatever their role, at most once every
INVITATION_RESEND_MINUTES each. Every email is an audit row (teams/invitations.py).
"""

from django.core.management.base import BaseCommand, CommandError

from teams.invitations import Outcome, Reason, invitation_send, pending_ids
from teams.models import Organization, User, normalize_email_address

PROGRESS_EVERY = 100


class Command(BaseCommand):
    help = "Email set-password links to the people of an organization who have no password yet."

    def add_arguments(self, parser):
        parser.add_argument("organization", metavar="ORG_SLUG")
        parser.add_argument("emails", metavar="EMAIL", nargs="*", help="only these people")

    def handle(self, *args, organization: str, emails: list[str], **options):
        org = Organization.objects.filter(slug=organization).first()
        if org is None:
            raise CommandError(f"No organization has the slug {organization!r}.")
        if emails:
            wanted = [normalize_email_address(email) for email in emails]
            found = dict(User.objects.filter(organization=org, email__in=wanted).values_list("email", "pk"))
            unknown = [email for email in wanted if email not in found]
            if unknown:
                raise CommandError(f"Not people of {org}: {', '.join(unknown)}. Nothing was sent.")
            ids, reason = [found[email] for email in wanted], Reason.RESEND
        else:
            ids, reason = pending_ids(org, reason=Reason.ALL), Reason.ALL
        if not ids:
            self.stdout.write(
                "Nobody needs an invitation: everyone has a password or a link that still works."
            )
            return
        counts = dict.fromkeys(Outcome, 0)
        for done, user_id in enumerate(ids, start=1):
            result = invitation_send(user_id=user_id, reason=reason)
            counts[result.outcome] += 1
            if emails and result.outcome != Outcome.SENT:
                email = User.objects.get(pk=user_id).email
                why = "sent one a few minutes ago" if result.retry_at else "has a password or is deactivated"
                self.stdout.write(f"{email}: not sent ({why}).")
            if done % PROGRESS_EVERY == 0 or done == len(ids):
                self.stdout.write(f"{done} of {len(ids)} done")
        self.stdout.write(
            self.style.SUCCESS(
                f"Sent {counts[Outcome.SENT]} invitation{'s' if counts[Outcome.SENT] != 1 else ''}"
                f"; {counts[Outcome.THROTTLED]} too soon after the last, "
                f"{counts[Outcome.NOT_NEEDED]} not needed."
            )
        )
