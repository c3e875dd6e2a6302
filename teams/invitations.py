"""Invitations: an emailed link to set a password, for people who need an account.

Leaders, executives and admins get one when they are given the role and have no password yet
(however the role is given: the import, the admin pages, the Django admin, a command). Members
answer pulses from their personal links and need none; they may ask for one from the claim page
to see their team's results (`account_link_request`).

The link is a token from `InvitationTokenGenerator` (Django's password-reset tokens with their own
salt and timeout): nothing is stored. It works once, because the token hashes the password, which
setting one changes; it expires after INVITATION_TIMEOUT_DAYS. Each email sent is an audit row
(`invitation.sent`), and those rows are what the throttle and "never invited" read.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from celery import current_app
from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_decode, urlsafe_base64_encode

from teams.models import AuditEvent, Membership, Organization, User, normalize_email_address
from teams.services import audit_record
from teams.sso import password_login_allowed, passwords_off

logger = logging.getLogger(__name__)

SENT = "invitation.sent"  # one audit row per email with a link
BULK = "invitation.bulk"  # one per "invite everyone who needs it" (a button, an import)
BULK_CHUNK = "invitation.bulk_chunk"  # one per chunk of a bulk: what it did, the progress
CHUNK = 200
BULK_STALLED_AFTER = timedelta(hours=1)

# Tasks are named, not imported: teams.tasks imports this module.
SEND_INVITATIONS = "teams.tasks.send_invitations"
SEND_ACCOUNT_LINK = "teams.tasks.send_account_link"
TASK_NAMES = (SEND_INVITATIONS, SEND_ACCOUNT_LINK)


class Reason(StrEnum):
    ROLE = "role"  # given a role (automatic, once)
    IMPORT = "import"  # after an import (automatic, once)
    ALL = "all"  # an admin's "invite everyone who needs it": those without a working link
    RESEND = "resend"  # an admin, for one person
    RENEW = "renew"  # the person, from their expired link
    CLAIM = "claim"  # a member asking for an account
    RESET = "reset"  # "forgot your password" by someone who never had one


AUTOMATIC = (Reason.ROLE, Reason.IMPORT)
FOR_ROLES = (Reason.ROLE, Reason.IMPORT, Reason.ALL)


def link_lifetime() -> timedelta:
    return timedelta(days=settings.INVITATION_TIMEOUT_DAYS)


def resend_interval() -> timedelta:
    return timedelta(minutes=settings.INVITATION_RESEND_MINUTES)


# --- Who needs one ----------------------------------------------------------------------


def has_password(user: User) -> bool:
    return user.has_usable_password()


def needs_password(user: User) -> bool:
    """In an organization, active, without a password to sign in with, and allowed one (an
    organization that signs in through its provider only keeps passwords for its admins)."""
    return (
        user.is_active
        and user.organization_id is not None
        and not has_password(user)
        and password_login_allowed(user)
    )


# Marked as having none (create_user without one, the import), as Django marks it. (A field left
# empty by a bare `User.objects.create` counts as a password, as Django's reset counts it.)
NO_PASSWORD = Q(password__startswith=UNUSABLE_PASSWORD_PREFIX)


def role_holders(organization: Organization) -> QuerySet[User]:
    """Active people of the organization who lead a unit or are executives or admins."""
    leads = Membership.objects.filter(user=OuterRef("pk"), role=Membership.Role.LEADER)
    return User.objects.filter(organization=organization, is_active=True).filter(
        Q(org_role__in=[User.OrgRole.EXECUTIVE, User.OrgRole.ADMIN]) | Exists(leads)
    )


def holds_role(user: User) -> bool:
    return (
        user.org_role in (User.OrgRole.EXECUTIVE, User.OrgRole.ADMIN)
        or user.memberships.filter(role=Membership.Role.LEADER).exists()
    )


def waiting_for_password(organization: Organization) -> QuerySet[User]:
    people = role_holders(organization).filter(NO_PASSWORD)
    if passwords_off(organization.pk):  # the others sign in through the provider
        people = people.filter(Q(org_role=User.OrgRole.ADMIN) | Q(is_superuser=True))
    return people


def last_sent(organization_id: int, emails=None) -> dict[str, datetime]:
    """When each address was last sent a link (from the audit rows): {email: time}."""
    rows = AuditEvent.objects.filter(organization_id=organization_id, action=SENT)
    if emails is not None:
        rows = rows.filter(details__user__in=list(emails))
    return dict(rows.values_list("details__user").annotate(last=Max("created_at")).order_by())


class LinkState(StrEnum):
    NEVER = "never"  # waiting for a first invitation
    VALID = "valid"
    EXPIRED = "expired"
    USED = "used"
    CLOSED = "closed"  # the account is deactivated
    INVALID = "invalid"


def invitation_state(sent_at: datetime | None, now: datetime | None = None) -> LinkState:
    """For someone still without a password: where their last link stands."""
    if sent_at is None:
        return LinkState.NEVER
    return LinkState.VALID if (now or timezone.now()) - sent_at <= link_lifetime() else LinkState.EXPIRED


def pending_ids(organization: Organization, *, reason: Reason) -> list[int]:
    """Role holders without a password an automatic or bulk send is for: never invited
    (ROLE, IMPORT), or without a working link (ALL)."""
    people = dict(waiting_for_password(organization).values_list("email", "pk"))
    sent = last_sent(organization.pk)
    now = timezone.now()
    wanted = (LinkState.NEVER,) if reason in AUTOMATIC else (LinkState.NEVER, LinkState.EXPIRED)
    return sorted(pk for email, pk in people.items() if invitation_state(sent.get(email), now) in wanted)


# --- The token ----------------------------------------------------------------------------


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """Password-reset tokens with their own salt (a reset token is no invitation, nor the
    reverse) and lifetime (INVITATION_TIMEOUT_DAYS), and a state saying why one fails."""

    key_salt = "teams.invitations.InvitationTokenGenerator"

    def state(self, user: User, token: str) -> LinkState:
        try:
            ts_b36, _ = token.split("-")
            ts = base36_to_int(ts_b36)
        except ValueError:
            return LinkState.INVALID
        genuine = any(
            constant_time_compare(self._make_token_with_timestamp(user, ts, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        )
        if not genuine:
            # The hash covers the password: a genuine link stops matching once one is set.
            return LinkState.USED if has_password(user) else LinkState.INVALID
        if self._num_seconds(self._now()) - ts > link_lifetime().total_seconds():
            return LinkState.EXPIRED
        return LinkState.VALID

    def check_token(self, user, token) -> bool:
        return bool(user and token) and self.state(user, token) == LinkState.VALID


invitation_tokens = InvitationTokenGenerator()


def invitation_link(user: User) -> str:
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    return settings.SITE_URL + reverse(
        "account_invitation", args=[uidb64, invitation_tokens.make_token(user)]
    )


@dataclass
class LinkCheck:
    state: LinkState
    user: User | None = None


def link_check(uidb64: str, token: str) -> LinkCheck:
    """What an opened link is: valid, used, expired, for a closed account, or nothing."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, TypeError, UnicodeDecodeError, OverflowError):
        return LinkCheck(LinkState.INVALID)
    if not 0 < pk < 2**63:  # beyond a bigint the database would refuse the query
        return LinkCheck(LinkState.INVALID)
    user = User.objects.select_related("organization").filter(pk=pk).first()
    if user is None:
        return LinkCheck(LinkState.INVALID)
    state = invitation_tokens.state(user, token)
    if state != LinkState.INVALID and (not user.is_active or user.organization_id is None):
        state = LinkState.CLOSED
    return LinkCheck(state, user)


# --- Sending ------------------------------------------------------------------------------


class Outcome(StrEnum):
    SENT = "sent"
    THROTTLED = "throttled"
    NOT_NEEDED = "not_needed"


@dataclass
class SendResult:
    outcome: Outcome
    retry_at: datetime | None = None  # when THROTTLED: the earliest next send

    @property
    def sent(self) -> bool:
        return self.outcome == Outcome.SENT


def _local(moment: datetime, organization: Organization | None) -> datetime:
    try:
        zone = ZoneInfo(organization.time_zone if organization else "UTC")
    except (ValueError, KeyError):
        zone = ZoneInfo("UTC")
    return timezone.localtime(moment, zone)


def _invitation_message(user: User, *, reason: Reason, actor: User | None, connection=None):
    organization = user.organization
    expires_at = timezone.now() + link_lifetime()
    context = {
        "user": user,
        "organization": organization,
        "link": invitation_link(user),
        "days": settings.INVITATION_TIMEOUT_DAYS,
        "expires_at": _local(expires_at, organization),
        "led_units": list(
            user.memberships.filter(role=Membership.Role.LEADER).values_list("unit__name", flat=True)
        ),
        "org_role": user.get_org_role_display() if user.org_role else "",
        "invited_by": actor if actor is not None and actor.pk != user.pk else None,
        "reason": str(reason),
        "login_url": settings.SITE_URL + reverse("login"),
    }
    subject = render_to_string("teams/accounts/email/invitation_subject.txt", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=render_to_string("teams/accounts/email/invitation.txt", context),
        to=[user.email],
        connection=connection,
    )
    message.attach_alternative(render_to_string("teams/accounts/email/invitation.html", context), "text/html")
    return message


def invitation_send(
    *, user_id: int, reason: Reason, actor: User | None = None, bulk: int | None = None, connection=None
) -> SendResult:
    """Email the person a set-password link, if they need one and the rules allow it now.

    The person's row is locked while their last send is read, the audit row written and the
    email sent, so two sends at once make one email; a failed email leaves no audit row.
    """
    reason = Reason(reason)
    with transaction.atomic():
        user = (
            User.objects.select_for_update(of=("self",))
            .select_related("organization")
            .filter(pk=user_id)
            .first()
        )
        if user is None or not needs_password(user):
            return SendResult(Outcome.NOT_NEEDED)
        if reason in FOR_ROLES and not holds_role(user):
            return SendResult(Outcome.NOT_NEEDED)
        now = timezone.now()
        last = last_sent(user.organization_id, [user.email]).get(user.email)
        if reason in AUTOMATIC and last is not None:
            return SendResult(Outcome.NOT_NEEDED)  # invited once already: resends are asked for
        if reason == Reason.ALL and invitation_state(last, now) == LinkState.VALID:
            return SendResult(Outcome.NOT_NEEDED)
        if last is not None and now - last < resend_interval():
            return SendResult(Outcome.THROTTLED, retry_at=last + resend_interval())
        details = {"bulk": bulk} if bulk else {}
        audit_record(
            organization=user.organization,
            actor=actor,
            action=SENT,
            user=user.email,
            reason=str(reason),
            expires_at=(now + link_lifetime()).isoformat(),
            **details,
        )
        _invitation_message(user, reason=reason, actor=actor, connection=connection).send()
    return SendResult(Outcome.SENT)


def invitations_send(
    *, user_ids: list[int], reason: Reason, actor: User | None = None, bulk: int | None = None
) -> dict[str, int]:
    """Send to each (a chunk of a bulk); count the outcomes, and for a bulk record the chunk."""
    counts = dict.fromkeys(Outcome, 0)
    failed = 0
    for user_id in user_ids:
        try:
            counts[invitation_send(user_id=user_id, reason=reason, actor=actor, bulk=bulk).outcome] += 1
        except Exception:
            logger.exception("Invitation email to user %s failed", user_id)
            failed += 1
    result = {str(outcome): count for outcome, count in counts.items()} | {"failed": failed}
    if bulk is not None:
        organization_id = AuditEvent.objects.filter(pk=bulk).values_list("organization_id", flat=True).first()
        AuditEvent.objects.create(
            organization_id=organization_id,
            actor=actor,
            action=BULK_CHUNK,
            details={"bulk": bulk, "people": len(user_ids), **result},
        )
    return result


def _queue(task: str, *args, **kwargs) -> bool:
    try:
        current_app.send_task(task, args=args, kwargs=kwargs)
    except Exception:  # whatever the broker or its client raise
        logger.warning("Could not queue %s", task, exc_info=True)
        return False
    return True


@dataclass
class Bulk:
    event: AuditEvent | None
    total: int


def invitations_bulk(*, organization: Organization, reason: Reason, actor: User | None) -> Bulk:
    """Invite every role holder who needs it (ALL: no working link; IMPORT: never invited),
    in chunks on the queue once the caller's transaction commits.

    An admin's bulk (ALL) is one audit row saying how many, and each chunk adds one saying what
    it did (`bulk_progress` reads them). An import's is not: each email is its row, and an
    import that changed nothing leaves no row."""
    ids = pending_ids(organization, reason=reason)
    if not ids:
        return Bulk(None, 0)
    chunks = [ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK)]
    event = None
    if reason == Reason.ALL:
        event = audit_record(
            organization=organization,
            actor=actor,
            action=BULK,
            reason=str(reason),
            total=len(ids),
            chunks=len(chunks),
        )
    actor_id = actor.pk if actor else None
    bulk = event.pk if event else None

    def queue() -> None:
        for chunk in chunks:
            if not _queue(SEND_INVITATIONS, chunk, str(reason), actor_id=actor_id, bulk=bulk):
                return  # the admin's page shows who still waits; its button sends what is left

    transaction.on_commit(queue)
    return Bulk(event, len(ids))


@dataclass
class BulkProgress:
    event: AuditEvent
    total: int
    done: int
    sent: int

    @property
    def finished(self) -> bool:
        return self.done >= self.total

    @property
    def stalled(self) -> bool:
        """Unfinished an hour on: its queue was lost. The page stops waiting; the button sends the rest."""
        return not self.finished and timezone.now() - self.event.created_at > BULK_STALLED_AFTER

    @property
    def percent(self) -> int:
        return 100 if self.finished else self.done * 100 // max(self.total, 1)


def bulk_progress(organization: Organization) -> BulkProgress | None:
    """The organization's latest bulk, and how far its chunks have got."""
    event = AuditEvent.objects.filter(organization=organization, action=BULK).select_related("actor").first()
    if event is None:
        return None
    chunks = AuditEvent.objects.filter(organization=organization, action=BULK_CHUNK, details__bulk=event.pk)
    done = sent = 0
    for details in chunks.values_list("details", flat=True):
        done += details.get("people", 0)
        sent += details.get(Outcome.SENT, 0)
    return BulkProgress(event=event, total=event.details.get("total", 0), done=done, sent=sent)


# --- Accounts asked for by address (the claim page, "forgot password") ------------------------


def account_link_request(email: str, *, reason: Reason) -> None:
    """Queue the answer to someone asking for an account link: the request's response is the
    same, and takes the same time, whether or not the address is known."""

    def queue() -> None:
        if not _queue(SEND_ACCOUNT_LINK, normalize_email_address(email), str(reason)):
            account_link_send(email, reason=reason)

    transaction.on_commit(queue)


def account_link_send(email: str, *, reason: Reason) -> str:
    """For an active person of an organization: a set-password link if they have no password;
    for a claim by someone who has one, a reminder of how to sign in; for someone whose
    organization turned passwords off, how to sign in with the company account. Nothing
    otherwise."""
    user = User.objects.filter(
        email=normalize_email_address(email), is_active=True, organization__isnull=False
    ).first()
    if user is None:
        return "unknown"
    if not password_login_allowed(user):
        # Passwords are off for this person's organization: a password would not let them in.
        EmailMultiAlternatives(
            subject="Sign in to Purpose Pulse with your company account",
            body=render_to_string(
                "teams/accounts/email/company_sign_in.txt",
                {"user": user, "login_url": settings.SITE_URL + reverse("login")},
            ),
            to=[user.email],
        ).send()
        return "company sign-in"
    if not has_password(user):
        return invitation_send(user_id=user.pk, reason=reason).outcome
    if reason != Reason.CLAIM:
        return "has password"  # a password reset sends Django's own email
    context = {
        "user": user,
        "login_url": settings.SITE_URL + reverse("login"),
        "reset_url": settings.SITE_URL + reverse("password_reset"),
    }
    EmailMultiAlternatives(
        subject="You already have a Purpose Pulse account",
        body=render_to_string("teams/accounts/email/has_account.txt", context),
        to=[user.email],
    ).send()
    return "reminded"


# --- Roles given: invite at once, after the change commits ---------------------------------


def _invite_after_commit(user_id: int) -> None:
    transaction.on_commit(
        lambda: invitation_send(user_id=user_id, reason=Reason.ROLE),
        robust=True,  # an email that fails never fails the change; the admin's list shows who waits
    )


@receiver(post_save, sender=Membership, dispatch_uid="teams.invite_new_leader")
def _leader_saved(sender, instance: Membership, raw=False, **kwargs) -> None:
    if raw or instance.role != Membership.Role.LEADER:
        return
    # One query, for leaders only: does the person still need a password?
    if User.objects.filter(
        NO_PASSWORD, pk=instance.user_id, is_active=True, organization__isnull=False
    ).exists():
        _invite_after_commit(instance.user_id)


@receiver(post_save, sender=User, dispatch_uid="teams.invite_new_executive")
def _user_saved(sender, instance: User, raw=False, **kwargs) -> None:
    # Read from the instance, no query: logins and other saves cost nothing more.
    if raw or instance.org_role not in (User.OrgRole.EXECUTIVE, User.OrgRole.ADMIN):
        return
    if needs_password(instance):
        _invite_after_commit(instance.pk)
