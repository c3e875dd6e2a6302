"""What surveys does when teams announces a change to people (teams.signals).

Run inside teams' transaction: a person who leaves loses their open invitations
in the same commit, and an erase removes their pulse data or nothing at all.
"""

from django.dispatch import receiver

from surveys.leavers import invitations_withdraw
from surveys.models import WithdrawnReason
from surveys.org_schedule import schedules_rezone
from surveys.person_data import person_pulses, person_pulses_erase
from teams.signals import (
    account_deactivated,
    members_made_leaders,
    memberships_ended,
    organization_changed,
    person_data_requested,
    person_erasing,
)


@receiver(memberships_ended, dispatch_uid="surveys.withdraw_left_unit")
def withdraw_on_leaving(sender, *, memberships: list[tuple[int, int]], at, **kwargs) -> None:
    invitations_withdraw(memberships=memberships, reason=WithdrawnReason.LEFT_TEAM, now=at)


@receiver(members_made_leaders, dispatch_uid="surveys.withdraw_made_leader")
def withdraw_on_leading(sender, *, memberships: list[tuple[int, int]], at, **kwargs) -> None:
    # Leaders are not asked: their statement is what the team's answers are compared with.
    invitations_withdraw(memberships=memberships, reason=WithdrawnReason.LEADS_TEAM, now=at)


@receiver(account_deactivated, dispatch_uid="surveys.withdraw_deactivated")
def withdraw_on_deactivation(sender, *, user_id: int, at, **kwargs) -> None:
    invitations_withdraw(user_id=user_id, reason=WithdrawnReason.DEACTIVATED, now=at)


@receiver(person_data_requested, dispatch_uid="surveys.person_data")
def export_pulses(sender, *, user, **kwargs) -> dict:
    return person_pulses(user)


@receiver(person_erasing, dispatch_uid="surveys.person_erase")
def erase_pulses(sender, *, user, **kwargs) -> dict:
    return person_pulses_erase(user)


@receiver(organization_changed, dispatch_uid="surveys.rezone_schedules")
def rezone_schedules(sender, *, organization, changed: dict, **kwargs) -> None:
    if "time_zone" in changed:
        schedules_rezone(organization=organization)
