"""Writes asked for by an identity provider (or by an admin mapping a group): each change,
its consequences and its audit rows in one transaction.

People are never deleted: `active: false` (and DELETE) deactivate the account through
`User.save`, so teams.leaving announces it and the open pulse invitations are withdrawn in
the same commit. A group's people are members of the unit it is mapped to: joining the
group adds a membership (role member), leaving it removes that membership, unless another
group mapped to the same unit still holds the person. Leaders are left as they are:
leading is decided in the app.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from teams.models import AuditEvent, Membership, Organization, ScimGroup, ScimToken, ScimUser, Unit, User
from teams.scim.errors import ScimError, invalid_value
from teams.scim.resources import GroupChanges, UserChanges

TAKEN = "userName {email!r} is already in use by another account."


def _audit(
    actor: ScimToken | User, organization: Organization, action: str, unit: Unit | None = None, **details
) -> AuditEvent:
    """One audit row; a token's changes name it as their actor ("SCIM token Okta")."""
    if isinstance(actor, ScimToken):
        details = {"actor": str(actor), **details}
        actor = None
    return AuditEvent.objects.create(
        organization=organization, actor=actor, action=action, unit=unit, details=details
    )


def _email_taken(email: str, user: User | None = None) -> ScimError | None:
    others = User.objects.filter(email=email)
    if user is not None:
        others = others.exclude(pk=user.pk)
    # The same answer whichever organization the address belongs to: nothing to probe.
    return ScimError(409, TAKEN.format(email=email), "uniqueness") if others.exists() else None


def user_create(*, token: ScimToken, changes: UserChanges) -> User:
    if problem := _email_taken(changes.email):
        raise problem
    try:
        with transaction.atomic():
            user = User(
                email=changes.email,
                name=changes.final_name(),
                organization=token.organization,
                is_active=changes.active,
            )
            user.set_unusable_password()
            user.save()
            ScimUser.objects.create(
                user=user,
                external_id=changes.external_id,
                given_name=changes.given_name,
                family_name=changes.family_name,
            )
            _audit(
                token,
                token.organization,
                "person.add",
                user=user.email,
                name=user.name,
                active=user.is_active,
            )
    except IntegrityError:  # the same address created at the same moment
        raise ScimError(409, TAKEN.format(email=changes.email), "uniqueness") from None
    return user


def user_update(*, token: ScimToken, user_id: int, change) -> User:
    """`change(UserChanges) -> UserChanges` is applied to the person as stored, under lock."""
    try:
        with transaction.atomic():
            user = _locked_user(token, user_id)
            before = UserChanges.of(user)
            after = change(UserChanges.of(user))
            if after.email != user.email and (problem := _email_taken(after.email, user)):
                raise problem
            _user_write(token, user, before, after)
    except IntegrityError:
        raise ScimError(409, "userName is already in use by another account.", "uniqueness") from None
    return user


def user_deactivate(*, token: ScimToken, user_id: int) -> None:
    """DELETE: the account is deactivated, never deleted (its answers stay in the figures)."""

    def deactivate(changes: UserChanges) -> UserChanges:
        changes.active = False
        return changes

    user_update(token=token, user_id=user_id, change=deactivate)


def _locked_user(token: ScimToken, user_id: int) -> User:
    user = (
        User.objects.select_for_update(of=("self",))
        .filter(pk=user_id, organization=token.organization)
        .first()
    )
    if user is None:
        raise ScimError(404, f"No user with id {user_id!r} in this organization.")
    return user


def _user_write(token: ScimToken, user: User, before: UserChanges, after: UserChanges) -> None:
    fields = []
    name = after.final_name()
    if after.email != user.email:
        user.email = after.email
        fields.append("email")
    if name != user.name:
        user.name = name
        fields.append("name")
    if after.active != user.is_active:
        user.is_active = after.active
        fields.append("is_active")
    extra = (after.external_id, after.given_name, after.family_name)
    extra_changed = extra != (before.external_id, before.given_name, before.family_name)
    if fields:
        # Deactivating goes through save(): teams.leaving withdraws the open invitations.
        user.save(update_fields=fields)
    if extra_changed or fields:
        ScimUser.objects.update_or_create(
            user=user,
            defaults={
                "external_id": after.external_id,
                "given_name": after.given_name,
                "family_name": after.family_name,
                "updated_at": timezone.now(),
            },
        )
    changed = [field for field in fields if field != "is_active"] + (
        ["externalId/name parts"] if extra_changed else []
    )
    if changed:
        _audit(token, token.organization, "person.change", user=user.email, name=user.name, fields=changed)
    if "is_active" in fields:
        action = "person.reactivate" if user.is_active else "person.deactivate"
        _audit(token, token.organization, action, user=user.email)


# --- Groups -----------------------------------------------------------------------------------


def _members(organization: Organization, ids: set[str]) -> list[User]:
    wrong = sorted(value for value in ids if not value.isdigit())
    found = {
        str(user.pk): user
        for user in User.objects.filter(
            organization=organization, pk__in=[int(v) for v in ids if v.isdigit()]
        )
    }
    missing = wrong + sorted(set(ids) - set(found) - set(wrong))
    if missing:
        raise invalid_value(f"No user with id {missing[0]!r} in this organization.")
    return list(found.values())


def group_create(*, token: ScimToken, changes: GroupChanges) -> ScimGroup:
    members = _members(token.organization, changes.members)
    try:
        with transaction.atomic():
            group = ScimGroup.objects.create(
                organization=token.organization,
                display_name=changes.display_name,
                external_id=changes.external_id,
            )
            group.members.set(members)
            _audit(
                token, token.organization, "scim_group.create", group=group.display_name, members=len(members)
            )
    except IntegrityError:
        raise ScimError(
            409, f"A group named {changes.display_name!r} already exists.", "uniqueness"
        ) from None
    return group


def group_update(*, token: ScimToken, group_id: int, change) -> ScimGroup:
    try:
        with transaction.atomic():
            group = _locked_group(token, group_id)
            before = GroupChanges.of(group)
            after = change(GroupChanges.of(group))
            members = _members(token.organization, after.members)
            details = {}
            taken = ScimGroup.objects.filter(organization=token.organization, display_name=after.display_name)
            if taken.exclude(pk=group.pk).exists():
                raise ScimError(409, f"A group named {after.display_name!r} already exists.", "uniqueness")
            if (after.display_name, after.external_id) != (before.display_name, before.external_id):
                group.display_name, group.external_id = after.display_name, after.external_id
                details["renamed_from"] = before.display_name
            group.updated_at = timezone.now()
            group.save()
            joined = [user for user in members if str(user.pk) not in before.members]
            left = list(User.objects.filter(pk__in=[int(pk) for pk in before.members - after.members]))
            group.members.add(*joined)
            group.members.remove(*left)
            if details or joined or left:
                _audit(
                    token,
                    token.organization,
                    "scim_group.change",
                    group=group.display_name,
                    joined=[user.email for user in joined],
                    left=[user.email for user in left],
                    **details,
                )
            if group.unit is not None:
                _unit_join(token, group, group.unit, joined)
                _unit_leave(token, group, group.unit, left)
    except IntegrityError:
        # A change made at the same moment got there first (a name, a membership): try again.
        raise ScimError(409, "The group changed at the same moment; send the change again.") from None
    return group


def group_delete(*, token: ScimToken, group_id: int) -> None:
    """The group goes; so do the memberships it gave (unless another mapped group gives them)."""
    with transaction.atomic():
        group = _locked_group(token, group_id)
        if group.unit is not None:
            _unit_leave(token, group, group.unit, list(group.members.all()))
        _audit(token, token.organization, "scim_group.delete", group=group.display_name)
        group.delete()


def group_map(*, group: ScimGroup, unit: Unit | None, acting_user: User) -> None:
    """An admin maps the group to a unit (or to none): its people join the new unit and leave
    the old one as they would by joining or leaving the group."""
    with transaction.atomic():
        group = ScimGroup.objects.select_for_update().get(pk=group.pk)
        before = group.unit
        if before == unit:
            return
        members = list(group.members.all())
        group.unit = unit
        group.save(update_fields=["unit"])
        _audit(
            acting_user,
            group.organization,
            "scim_group.map",
            unit=unit,
            group=group.display_name,
            unit_before=before.name if before else None,
        )
        if before is not None:
            _unit_leave(acting_user, group, before, members)
        if unit is not None:
            _unit_join(acting_user, group, unit, members)


def _locked_group(token: ScimToken, group_id: int) -> ScimGroup:
    group = (
        ScimGroup.objects.select_for_update(of=("self",))
        .filter(pk=group_id, organization=token.organization)
        .select_related("unit")
        .first()
    )
    if group is None:
        raise ScimError(404, f"No group with id {group_id!r} in this organization.")
    return group


def _unit_join(actor, group: ScimGroup, unit: Unit, users: list[User]) -> None:
    for user in users:
        _, created = Membership.objects.get_or_create(
            unit=unit, user=user, defaults={"role": Membership.Role.MEMBER}
        )
        if created:
            _audit(
                actor,
                group.organization,
                "membership.add",
                unit=unit,
                user=user.email,
                role=Membership.Role.MEMBER,
                group=group.display_name,
            )


def _unit_leave(actor, group: ScimGroup, unit: Unit, users: list[User]) -> None:
    """Memberships (role member) of the group's unit end for these people, except for those
    another group mapped to the same unit still holds. One delete, so one announcement."""
    if not users:
        return
    held = set(
        ScimGroup.members.through.objects.filter(scimgroup__unit=unit, user__in=users)
        .exclude(scimgroup=group)
        .values_list("user_id", flat=True)
    )
    leaving = Membership.objects.filter(
        unit=unit,
        role=Membership.Role.MEMBER,
        user_id__in=[user.pk for user in users if user.pk not in held],
    ).select_related("user", "unit")
    for membership in leaving:
        _audit(
            actor,
            group.organization,
            "membership.remove",
            unit=membership.unit,
            user=membership.user.email,
            group=group.display_name,
        )
    leaving.delete()
