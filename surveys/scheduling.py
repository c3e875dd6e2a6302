"""When pulses open: slot arithmetic in the organization's time zone, and schedule writes."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.utils import timezone

from surveys.models import PulseSchedule
from teams.models import Organization, Unit, User
from teams.services import audit_record

# Long enough to reach the next slot of any cadence (quarterly is at most 92 days apart).
_SEARCH_DAYS = 100


def org_zone(organization: Organization) -> ZoneInfo:
    try:
        return ZoneInfo(organization.time_zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _is_slot_day(schedule: PulseSchedule, day: date) -> bool:
    cadence = schedule.cadence
    if cadence in (PulseSchedule.Cadence.WEEKLY, PulseSchedule.Cadence.BIWEEKLY):
        if day.weekday() != schedule.weekday:
            return False
        if cadence == PulseSchedule.Cadence.WEEKLY:
            return True
        anchor_monday = schedule.anchor_date - timedelta(days=schedule.anchor_date.weekday())
        return ((day - anchor_monday).days // 7) % 2 == 0
    if day.day != schedule.day_of_month:
        return False
    if cadence == PulseSchedule.Cadence.MONTHLY:
        return True
    return (day.month - schedule.anchor_date.month) % 3 == 0


def local_slot(day: date, at, zone: ZoneInfo) -> datetime:
    """The moment `at` o'clock on `day` in `zone`.

    Built as a wall-clock time and converted afterwards, so 09:00 stays 09:00
    local across daylight-saving changes. A wall time that doesn't exist (the
    hour skipped in spring) resolves an hour later; one that happens twice (the
    hour repeated in autumn) resolves to the first.
    """
    wall = datetime.combine(day, at).replace(tzinfo=zone)
    return wall.astimezone(ZoneInfo("UTC"))


def next_slot(schedule: PulseSchedule, *, after: datetime, zone: ZoneInfo) -> datetime:
    """The first slot of the schedule strictly after `after`."""
    day = after.astimezone(zone).date()
    for _ in range(_SEARCH_DAYS):
        if _is_slot_day(schedule, day):
            slot = local_slot(day, schedule.local_time, zone)
            if slot > after:
                return slot
        day += timedelta(days=1)
    raise ValueError(f"No slot within {_SEARCH_DAYS} days for {schedule!r}")  # unreachable for valid data


@transaction.atomic
def schedule_save(
    *, schedule: PulseSchedule, acting_user: User | None, now: datetime | None = None
) -> PulseSchedule:
    """Save a (validated) schedule and compute its first slot from now on."""
    now = now or timezone.now()
    zone = org_zone(schedule.organization)
    stored = PulseSchedule.objects.filter(pk=schedule.pk).first() if schedule.pk else None
    schedule.updated_at = now
    schedule.updated_by = acting_user
    schedule.next_slot_at = next_slot(schedule, after=now, zone=zone) if schedule.is_active else None
    schedule.save()
    audit_record(
        organization=schedule.organization,
        actor=acting_user,
        action="pulse_schedule.save",
        unit=schedule.unit,
        schedule=schedule.describe(),
        active=schedule.is_active,
        before={"schedule": stored.describe(), "active": stored.is_active} if stored else None,
    )
    return schedule


@transaction.atomic
def schedule_use_default(*, unit: Unit, acting_user: User | None) -> bool:
    deleted, _ = PulseSchedule.objects.filter(unit=unit).delete()
    if deleted:
        audit_record(
            organization=unit.organization, actor=acting_user, action="pulse_schedule.use_default", unit=unit
        )
    return bool(deleted)


def schedule_advance(*, schedule: PulseSchedule, slot: datetime) -> bool:
    """Move the schedule past `slot`.

    Conditional on the slot still being the one stored: a sort of optimistic
    lock, so two beats that handled the same slot advance the schedule once.
    """
    upcoming = next_slot(schedule, after=slot, zone=org_zone(schedule.organization))
    moved = PulseSchedule.objects.filter(pk=schedule.pk, next_slot_at=slot).update(next_slot_at=upcoming)
    schedule.next_slot_at = upcoming
    return bool(moved)
