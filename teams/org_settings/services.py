"""Changes an organization admin makes in the settings pages, each with its audit row.

Every function writes the change and one audit row (`details`: `before` and `after`) in one
transaction, and raises `Refused` with words for the admin when the change can't be made.
Leaving goes the way every leaving goes: memberships are moved or deleted through the models and
accounts are saved with `is_active=False`, so `teams.leaving` and `Membership.delete` announce it
and the open invitations are withdrawn in the same commit (docs/people.md).
"""

from django.db import transaction

from teams.models import Membership, Organization, SsoIdentity, Unit, User, normalize_email_address
from teams.services import audit_record
from teams.signals import organization_changed

ORGANIZATION_FIELDS = ("name", "time_zone", "min_group_size", "min_verbatim_size")


class Refused(Exception):
    """The change was not made; the message says why, for the admin."""


def _lock_organization(organization: Organization) -> None:
    # Changes to the hierarchy and to who is an admin take turns within one organization, so two
    # admins can't each make half of a cycle, or each remove the other as the last admin.
    Organization.objects.select_for_update().filter(pk=organization.pk).first()


# --- the organization -----------------------------------------------------------------------


@transaction.atomic
def organization_update(*, organization: Organization, values: dict, acting_user: User) -> dict:
    """Store the (validated) settings; returns {field: [before, after]} of what changed."""
    _lock_organization(organization)
    stored = Organization.objects.get(pk=organization.pk)
    changed = {
        field: [getattr(stored, field), values[field]]
        for field in ORGANIZATION_FIELDS
        if field in values and getattr(stored, field) != values[field]
    }
    if not changed:
        return {}
    for field, (_, after) in changed.items():
        setattr(organization, field, after)
    organization.save(update_fields=list(changed))
    audit_record(
        organization=organization,
        actor=acting_user,
        action="organization.change",
        before={field: before for field, (before, _) in changed.items()},
        after={field: after for field, (_, after) in changed.items()},
    )
    organization_changed.send(sender=Organization, organization=organization, changed=changed)
    return changed


# --- units --------------------------------------------------------------------------------


def _unit_facts(unit: Unit) -> dict:
    return {
        "name": unit.name,
        "kind": unit.kind,
        "parent": unit.parent.name if unit.parent_id else None,
        "parent_id": unit.parent_id,
    }


def _check_parent(unit: Unit | None, parent: Unit | None, organization: Organization) -> None:
    """`parent` may hold `unit` (None: a unit still to be made): it is in the organization, and
    it is neither the unit itself nor inside it (no cycle)."""
    if parent is None:
        return
    if parent.organization_id != organization.pk:
        raise Refused("That unit is not in your organization. Choose one of the suggestions.")
    if unit is None:
        return
    if parent.pk == unit.pk:
        raise Refused(f"“{unit.name}” can't be inside itself. Choose another unit above it.")
    if unit.descendants().filter(pk=parent.pk).exists():
        raise Refused(
            f"“{parent.name}” is inside “{unit.name}”, so “{unit.name}” can't move under it: "
            f"it would end up inside itself. Move “{parent.name}” out first, or choose another unit."
        )


def _check_name_free(organization: Organization, parent: Unit | None, name: str, unit: Unit | None) -> None:
    taken = Unit.objects.filter(organization=organization, parent=parent, name__iexact=name)
    if unit is not None and unit.pk is not None:
        taken = taken.exclude(pk=unit.pk)
    if taken.exists():
        where = f"in “{parent.name}”" if parent else "at the top of the organization"
        raise Refused(f"There is already a unit called “{name}” {where}. Give this one another name.")


@transaction.atomic
def unit_add(
    *, organization: Organization, name: str, kind: str, parent: Unit | None, acting_user: User
) -> Unit:
    _lock_organization(organization)
    _check_parent(None, parent, organization)
    _check_name_free(organization, parent, name, None)
    unit = Unit.objects.create(organization=organization, name=name, kind=kind, parent=parent)
    audit_record(
        organization=organization,
        actor=acting_user,
        action="unit.add",
        unit=unit,
        before=None,
        after=_unit_facts(unit),
    )
    return unit


@transaction.atomic
def unit_change(*, unit: Unit, name: str, kind: str, parent: Unit | None, acting_user: User) -> bool:
    """Rename, re-kind or move a unit; False when nothing changed. Moving it under itself or
    under a unit inside it is refused, and so is a unit of another organization."""
    organization = unit.organization
    _lock_organization(organization)
    stored = Unit.objects.select_related("parent").get(pk=unit.pk, organization=organization)
    _check_parent(stored, parent, organization)
    new_parent_id = parent.pk if parent else None
    if (stored.name, stored.kind, stored.parent_id) == (name, kind, new_parent_id):
        return False
    if (stored.name.lower(), stored.parent_id) != (name.lower(), new_parent_id):
        _check_name_free(organization, parent, name, stored)
    before = _unit_facts(stored)
    stored.name, stored.kind, stored.parent = name, kind, parent
    stored.save(update_fields=["name", "kind", "parent"])
    unit.name, unit.kind, unit.parent = name, kind, parent
    action = "unit.move" if before["parent_id"] != new_parent_id else "unit.change"
    audit_record(
        organization=organization,
        actor=acting_user,
        action=action,
        unit=stored,
        before=before,
        after=_unit_facts(stored),
    )
    return True


def _plural(model, count: int) -> str:
    meta = model._meta
    if count == 1:
        return f"1 {meta.verbose_name}"
    plural = str(meta.verbose_name_plural)
    if plural.endswith("ys") and str(meta.verbose_name).endswith("ry"):  # Django's default "summarys"
        plural = plural[:-2] + "ies"
    return f"{count} {plural}"


def unit_delete_blockers(unit: Unit) -> list[str]:
    """Why the unit can't be deleted, in words for the admin (empty when it can).

    A unit can go only when it is empty: no units inside it, no people, and no history
    of any app (purpose versions, pulses, results...). Only its own settings, rows that
    belong to it alone (one-to-one, such as its own pulse schedule), go with it.
    Read from the model's relations, so teams needs no app above it to know them.
    """
    reasons = []
    children = Unit.objects.filter(parent=unit).count()
    if children:
        reasons.append(f"It has {_plural(Unit, children)} inside it. Move or delete them first.")
    people = Membership.objects.filter(unit=unit).count()
    if people:
        reasons.append(
            f"{people} {'person is' if people == 1 else 'people are'} in it. "
            "Move them to another unit first (People)."
        )
    history = []
    for relation in Unit._meta.related_objects:
        model = relation.related_model
        if model in (Unit, Membership) or relation.one_to_one:
            continue
        if relation.on_delete.__name__ not in ("CASCADE", "PROTECT", "RESTRICT"):
            continue  # rows that keep themselves (the audit log) when the unit goes
        count = model._base_manager.filter(**{relation.field.name: unit}).count()
        if count:
            history.append(_plural(model, count))
    if history:
        reasons.append(
            f"It has a history that deleting would erase: {', '.join(history)}. Rename it or move it instead."
        )
    return reasons


@transaction.atomic
def unit_delete(*, unit: Unit, acting_user: User) -> None:
    organization = unit.organization
    _lock_organization(organization)
    stored = Unit.objects.select_related("parent").get(pk=unit.pk, organization=organization)
    reasons = unit_delete_blockers(stored)
    if reasons:
        raise Refused(f"“{stored.name}” can't be deleted. " + " ".join(reasons))
    before = _unit_facts(stored) | {"id": stored.pk}
    stored.delete()
    audit_record(
        organization=organization, actor=acting_user, action="unit.delete", before=before, after=None
    )


# --- people -------------------------------------------------------------------------------


def _places(person: User) -> list[dict]:
    return [
        {"unit": name, "unit_id": unit_id, "role": role}
        for unit_id, name, role in Membership.objects.filter(user=person)
        .order_by("role", "unit__name")
        .values_list("unit_id", "unit__name", "role")
    ]


def _person_facts(person: User) -> dict:
    return {
        "name": person.name,
        "org_role": person.org_role,
        "active": person.is_active,
        "places": _places(person),
    }


def placement(unit: Unit | None, role: str, member_above: bool) -> dict[int, str]:
    """Where a person is, as the product allows it (DESIGN.md): a member of one unit, or the
    leader of one unit and, if asked, a member of the unit above it. {unit id: role}."""
    if unit is None:
        return {}
    target = {unit.pk: role}
    if role == Membership.Role.LEADER and member_above and unit.parent_id:
        target[unit.parent_id] = Membership.Role.MEMBER
    return target


def _lock_person(person: User) -> User:
    return User.objects.select_for_update().get(pk=person.pk)


def _place(person: User, target: dict[int, str]) -> None:
    """Make the person's memberships exactly `target`. A membership that changes unit is moved
    (its row keeps its history; teams.leaving announces leaving the old unit), the rest are
    added, changed or deleted (Membership.delete announces them)."""
    current = {m.unit_id: m for m in Membership.objects.filter(user=person).order_by("pk")}
    leftovers = [m for unit_id, m in current.items() if unit_id not in target]
    for unit_id, role in target.items():
        membership = current.get(unit_id)
        if membership is not None:
            if membership.role != role:
                membership.role = role
                membership.save(update_fields=["role"])
            continue
        same_role = [m for m in leftovers if m.role == role]
        moving = (same_role or leftovers or [None])[0]
        if moving is None:
            Membership.objects.create(user=person, unit_id=unit_id, role=role)
            continue
        leftovers.remove(moving)
        moving.unit_id, moving.role = unit_id, role
        moving.save(update_fields=["unit", "role"])
    if leftovers:
        Membership.objects.filter(pk__in=[m.pk for m in leftovers]).delete()


@transaction.atomic
def person_add(
    *,
    organization: Organization,
    email: str,
    name: str,
    unit: Unit | None,
    role: str,
    member_above: bool,
    org_role: str,
    acting_user: User,
) -> User:
    email = normalize_email_address(email)
    existing = User.objects.filter(email=email).first()
    if existing is not None:
        if existing.organization_id == organization.pk:
            raise Refused(
                f"{email} is already in the organization. Find them in People to change where they are."
            )
        raise Refused(
            "This address belongs to an account outside this organization, so it can't be added here."
        )
    _check_parent(None, unit, organization)
    person = User.objects.create_user(email, None, name=name, organization=organization, org_role=org_role)
    _place(person, placement(unit, role, member_above))
    audit_record(
        organization=organization,
        actor=acting_user,
        action="person.add",
        unit=unit,
        user=person.email,
        before=None,
        after=_person_facts(person),
    )
    return person


@transaction.atomic
def person_place(
    *, person: User, unit: Unit | None, role: str, member_above: bool, acting_user: User
) -> bool:
    """Put the person in `unit` with `role` (moving them, or changing their role); False when
    they were there already."""
    organization = person.organization
    _check_parent(None, unit, organization)
    _lock_person(person)
    before = _places(person)
    _place(person, placement(unit, role, member_above))
    after = _places(person)
    if before == after:
        return False
    audit_record(
        organization=organization,
        actor=acting_user,
        action="person.move",
        unit=unit,
        user=person.email,
        before={"places": before},
        after={"places": after},
    )
    return True


def _other_active_admins(person: User) -> bool:
    return (
        User.objects.filter(
            organization_id=person.organization_id, org_role=User.OrgRole.ADMIN, is_active=True
        )
        .exclude(pk=person.pk)
        .exists()
    )


@transaction.atomic
def person_update(*, person: User, name: str, org_role: str, acting_user: User) -> bool:
    """Change the person's name or organization role (member, executive, admin)."""
    _lock_organization(person.organization)
    stored = _lock_person(person)
    if stored.org_role == User.OrgRole.ADMIN and org_role != User.OrgRole.ADMIN:
        if stored.pk == acting_user.pk:
            raise Refused("You can't take away your own admin role. Ask another admin to do it.")
        if not _other_active_admins(stored):
            raise Refused(f"{stored} is the organization's only admin. Make someone else admin first.")
    changed = {
        field: [getattr(stored, field), value]
        for field, value in (("name", name), ("org_role", org_role))
        if getattr(stored, field) != value
    }
    if not changed:
        return False
    for field, (_, after) in changed.items():
        setattr(stored, field, after)
        setattr(person, field, after)
    stored.save(update_fields=list(changed))
    audit_record(
        organization=person.organization,
        actor=acting_user,
        action="person.change",
        user=person.email,
        before={field: before for field, (before, _) in changed.items()},
        after={field: after for field, (_, after) in changed.items()},
    )
    return True


@transaction.atomic
def person_set_active(*, person: User, active: bool, acting_user: User) -> bool:
    """Deactivate (never delete) or reactivate an account. Deactivating is saving
    `is_active=False`: teams.leaving announces it and surveys withdraws every open invitation
    of the person in the same transaction. Their memberships stay, so reactivating puts them
    back where they were; a deactivated account is never invited and can't sign in."""
    _lock_organization(person.organization)
    stored = _lock_person(person)
    if stored.is_active == active:
        return False
    if not active:
        if stored.pk == acting_user.pk:
            raise Refused("You can't deactivate your own account. Ask another admin to do it.")
        if stored.org_role == User.OrgRole.ADMIN and not _other_active_admins(stored):
            raise Refused(f"{stored} is the organization's only admin. Make someone else admin first.")
    stored.is_active = active
    stored.save(update_fields=["is_active"])
    person.is_active = active
    audit_record(
        organization=person.organization,
        actor=acting_user,
        action="person.reactivate" if active else "person.deactivate",
        user=person.email,
        before={"active": not active},
        after={"active": active},
    )
    return True


@transaction.atomic
def person_sso_unlink(*, person: User, acting_user: User) -> bool:
    """Forget the provider account(s) the person is linked to (teams.sso): their next company
    sign-in links whichever account of the provider sends their verified email. For a person
    who got a new account at the provider, or whose address was given to someone else there."""
    _lock_organization(person.organization)
    issuers = sorted(SsoIdentity.objects.filter(user=person).values_list("issuer", flat=True))
    if not issuers:
        return False
    SsoIdentity.objects.filter(user=person).delete()
    audit_record(
        organization=person.organization,
        actor=acting_user,
        action="person.sso_unlink",
        user=person.email,
        before={"linked": issuers},
        after={"linked": []},
    )
    return True
