"""Who may see and run a unit's pulses. Lookups of the unit itself go through teams.access."""

from django.core.exceptions import PermissionDenied

from teams.access import can_edit_purpose, can_view_subtree
from teams.models import Unit, User


def can_manage_pulses(user: User, unit: Unit) -> bool:
    """The unit's leaders and organization admins: the same people who write its purpose."""
    return can_edit_purpose(user, unit)


def can_view_pulses(user: User, unit: Unit) -> bool:
    """Also executives and leaders above the unit, who read its counts but change nothing."""
    return can_manage_pulses(user, unit) or can_view_subtree(user, unit)


def require_pulse_manager(user: User, unit: Unit) -> None:
    if not can_manage_pulses(user, unit):
        raise PermissionDenied("Only the unit's leaders and organization admins can change its pulses.")


def require_pulse_viewer(user: User, unit: Unit) -> None:
    if not can_view_pulses(user, unit):
        raise PermissionDenied("Only the unit's leaders, the leaders above it and executives see its pulses.")
