"""Who may see and do what. Every view goes through these."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from teams.models import Membership, Unit, User


def org_units(user: User):
    """Units of the user's organization; nothing for a user without one."""
    if not user.is_authenticated or user.organization_id is None:
        return Unit.objects.none()
    return Unit.objects.filter(organization_id=user.organization_id)


def get_unit_or_404(user: User, pk: int) -> Unit:
    """A unit of the user's own organization; any other id is a 404, never a 403,
    so ids of other organizations can't be probed."""
    try:
        return org_units(user).select_related("organization", "parent").get(pk=pk)
    except Unit.DoesNotExist:
        raise Http404("No such unit") from None


def is_leader_of(user: User, unit: Unit) -> bool:
    return Membership.objects.filter(user=user, unit=unit, role=Membership.Role.LEADER).exists()


def can_manage_unit(user: User, unit: Unit) -> bool:
    """The unit's leaders and organization admins: they write its purpose and run its pulses."""
    if user.organization_id != unit.organization_id:
        return False
    return user.is_org_admin or is_leader_of(user, unit)


def require_unit_manager(user: User, unit: Unit, *, action: str) -> None:
    """`action` completes "Only the unit's leaders and organization admins can …"."""
    if not can_manage_unit(user, unit):
        raise PermissionDenied(f"Only the unit's leaders and organization admins can {action}.")


def led_unit_ids(user: User) -> set[int]:
    return set(
        Membership.objects.filter(user=user, role=Membership.Role.LEADER).values_list("unit_id", flat=True)
    )


def can_view_subtree(user: User, unit: Unit) -> bool:
    """Executives see the whole organization; a leader sees the subtree of each unit they lead."""
    if user.organization_id != unit.organization_id:
        return False
    if user.is_executive or user.is_superuser:
        return True
    led = led_unit_ids(user)
    if not led:
        return False
    ancestor_ids = set(unit.ancestors(include_self=True).values_list("pk", flat=True))
    return bool(led & ancestor_ids)


def can_view_unit_results(user: User, unit: Unit) -> bool:
    """Who reads a unit's pulses and results: its managers, leaders above it and executives."""
    return can_manage_unit(user, unit) or can_view_subtree(user, unit)


def require_unit_results_viewer(user: User, unit: Unit, *, what: str) -> None:
    if not can_view_unit_results(user, unit):
        raise PermissionDenied(f"Only the unit's leaders, the leaders above it and executives see {what}.")


def require_org_admin(user: User, *, action: str = "change the organization's settings") -> None:
    """The organization's admins only; `action` completes "Only the organization's admins can …"."""
    if not user.is_authenticated or user.organization_id is None or not user.is_org_admin:
        raise PermissionDenied(f"Only the organization's admins can {action}.")


def get_person_or_404(user: User, pk: int) -> User:
    """A person of the user's own organization; any other id is a 404."""
    try:
        return User.objects.select_related("organization").get(pk=pk, organization_id=user.organization_id)
    except User.DoesNotExist:
        raise Http404("No such person") from None
