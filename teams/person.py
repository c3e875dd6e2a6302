"""One person's data (GDPR): everything that identifies them, exported or erased.

Teams holds the account, memberships and audit rows; the layers above add
theirs through teams.signals (`person_data_requested`, `person_erasing`):
surveys their invitations and any answer to a still open pulse, insights the
marks they made. An erase is one transaction: the account, memberships,
invitations, open-round answers, sign-in records and any import preview that
names them go; audit rows keep the action and lose the identity ("erased
person #3"); closed rounds' answers,
linked to nobody since their close, stay in the statistics. Both are audited.
"""

import json
import re
from datetime import datetime

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from teams.models import AuditEvent, ImportJob, Membership, Organization, SsoIdentity, User
from teams.services import audit_record
from teams.signals import person_data_requested, person_erasing

EXPORT, ERASE = "person.export", "person.erase"
# Details that would point back at someone even with their address gone.
IDENTIFYING_DETAILS = ("ip",)


class CannotErase(Exception):
    """The erase was refused; the message says why, for the admin."""


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _audit_rows_about(user: User):
    # Rows they made, and rows that name them (memberships, failed sign-ins, exports).
    return AuditEvent.objects.filter(Q(actor=user) | Q(details__icontains=user.email)).select_related("unit")


def _audit_row(event: AuditEvent) -> dict:
    return {
        "at": _iso(event.created_at),
        "action": event.action,
        "unit": event.unit.name if event.unit else None,
        "by_them": None,  # filled in by the caller
        "details": event.details,
    }


def person_export(*, user: User, acting_user: User | None) -> dict:
    """Everything identifiable about the person, JSON-ready. The export itself is audited."""
    data = {
        "exported_at": _iso(timezone.now()),
        "account": {
            "email": user.email,
            "name": user.name,
            "organization": user.organization.name if user.organization else None,
            "organization_role": user.get_org_role_display(),
            "active": user.is_active,
            "staff": user.is_staff,
            "joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        },
        "memberships": [
            {"unit": m.unit.name, "role": m.get_role_display(), "since": _iso(m.created_at)}
            for m in Membership.objects.filter(user=user).select_related("unit").order_by("created_at")
        ],
        "audit_log": [
            _audit_row(event) | {"by_them": event.actor_id == user.pk}
            for event in _audit_rows_about(user).order_by("created_at", "pk")
        ],
        "sign_ins": [
            {"at": _iso(log.attempt_time), "ip": log.ip_address, "browser": log.user_agent}
            for log in AccessLog.objects.filter(username=user.email).order_by("attempt_time")
        ],
        "company_accounts": [
            {"provider": link.issuer, "account": link.subject, "linked": _iso(link.linked_at)}
            for link in SsoIdentity.objects.filter(user=user).order_by("issuer")
        ],
    }
    for _, part in person_data_requested.send(sender=User, user=user):
        data.update(part)
    audit_record(organization=user.organization, actor=acting_user, action=EXPORT, person=user.email)
    return data


def _erased_label(organization: Organization | None) -> str:
    # Numbered per organization, under its row lock, so two erases never share a number.
    if organization is not None:
        Organization.objects.select_for_update().filter(pk=organization.pk).first()
    n = AuditEvent.objects.filter(organization=organization, action=ERASE).count() + 1
    return f"erased person #{n}"


def _scrub(value, patterns: list[re.Pattern], label: str):
    if isinstance(value, str):
        for pattern in patterns:
            value = pattern.sub(label, value)
        return value
    if isinstance(value, list):
        return [_scrub(v, patterns, label) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, patterns, label) for k, v in value.items() if k not in IDENTIFYING_DETAILS}
    return value


def _audit_rows_anonymize(user: User, label: str) -> int:
    names = [user.email] + ([user.name] if len(user.name.strip()) >= 4 else [])
    patterns = [re.compile(re.escape(name.strip()), re.IGNORECASE) for name in names]
    rows = list(_audit_rows_about(user))
    for event in rows:
        event.details = _scrub(event.details, patterns, label)
        if event.actor_id == user.pk:
            event.actor = None
            event.details["actor"] = label
    AuditEvent.objects.bulk_update(rows, ["details", "actor"], batch_size=500)
    return len(rows)


def _imports_naming(user: User, statuses) -> list[ImportJob]:
    # An import keeps the file's rows (and names in its preview) until it is applied or dropped.
    needle = user.email.lower()
    jobs = ImportJob.objects.filter(organization_id=user.organization_id, status__in=statuses)
    return [
        job
        for job in jobs.only("pk", "rows", "plan", "errors")
        if needle in json.dumps([job.rows, job.plan, job.errors], ensure_ascii=False).lower()
    ]


def _import_previews_drop(user: User) -> int:
    previews = _imports_naming(user, [ImportJob.Status.PREVIEW])
    ImportJob.objects.filter(pk__in=[job.pk for job in previews]).delete()
    return len(previews)


def person_erase(*, user: User, acting_user: User | None) -> dict:
    """Remove the person and what identifies them, in one transaction. Returns what went, counted.

    Their closed-round answers stay as they are (linked to nobody), so every
    closed round's figures are unchanged; an answer to an open round is still
    linked to them and goes (surveys.person_data).
    """
    if acting_user is not None and acting_user.pk == user.pk:
        raise CannotErase("You can't erase your own account: ask another admin.")
    with transaction.atomic():
        user = User.objects.select_for_update(of=("self",)).select_related("organization").get(pk=user.pk)
        organization = user.organization
        if _imports_naming(user, [ImportJob.Status.QUEUED, ImportJob.Status.RUNNING]):
            # It would bring them straight back, under a new account.
            raise CannotErase(
                "An import that names this person is being applied. Erase them once it has finished "
                "(and take them out of the file if they shouldn't come back)."
            )
        label = _erased_label(organization)
        removed = {"account": 1, "memberships": Membership.objects.filter(user=user).count()}
        for _, part in person_erasing.send(sender=User, user=user, label=label):
            removed.update(part)
        removed["audit_rows_anonymized"] = _audit_rows_anonymize(user, label)
        removed["sign_in_records"] = sum(
            model.objects.filter(username=user.email).delete()[0]
            for model in (AccessAttempt, AccessFailureLog, AccessLog)
        )
        removed["import_previews"] = _import_previews_drop(user)
        user.delete()
        audit_record(
            organization=organization, actor=acting_user, action=ERASE, person=label, removed=removed
        )
    return {"person": label, **removed}
