"""Writes to the organization. Each change and its audit row share one transaction."""

from django.db import transaction

from teams.models import AuditEvent, Membership, Organization, Unit, User


def audit_record(
    *, organization: Organization | None, actor: User | None, action: str, unit: Unit | None = None, **details
) -> AuditEvent:
    return AuditEvent.objects.create(
        organization=organization, actor=actor, action=action, unit=unit, details=details
    )


@transaction.atomic
def membership_add(*, unit: Unit, user: User, role: str, acting_user: User | None) -> Membership:
    membership, created = Membership.objects.update_or_create(unit=unit, user=user, defaults={"role": role})
    audit_record(
        organization=unit.organization,
        actor=acting_user,
        action="membership.add" if created else "membership.change",
        unit=unit,
        user=user.email,
        role=role,
    )
    return membership


@transaction.atomic
def membership_remove(*, unit: Unit, user: User, acting_user: User | None) -> bool:
    deleted, _ = Membership.objects.filter(unit=unit, user=user).delete()
    if deleted:
        audit_record(
            organization=unit.organization,
            actor=acting_user,
            action="membership.remove",
            unit=unit,
            user=user.email,
        )
    return bool(deleted)
