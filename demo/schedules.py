"""Pulse schedules for the demo organization, so a pulse happens by itself after `make run`."""

from datetime import timedelta

from django.utils import timezone

from surveys.models import PulseSchedule
from surveys.scheduling import org_zone, schedule_save
from teams.models import Organization, Unit

# Long enough for `make run` to migrate, seed and start the worker first.
FIRST_PULSE_AFTER = timedelta(minutes=2)


def demo_schedules(organization: Organization) -> bool:
    """An organization default (weekly, Monday 09:00) and a Payments schedule whose first
    pulse is due about two minutes from now. Does nothing if the demo has schedules already."""
    if PulseSchedule.objects.filter(organization=organization).exists():
        return False
    now = timezone.now()
    schedule_save(schedule=PulseSchedule(organization=organization), acting_user=None, now=now)
    payments = Unit.objects.filter(organization=organization, name="Payments").first()
    if payments is not None:
        # Whole minutes, so the slot is a clean HH:MM in the organization's time zone.
        first = (now + FIRST_PULSE_AFTER + timedelta(minutes=1)).astimezone(org_zone(organization))
        first = first.replace(second=0, microsecond=0)
        schedule = PulseSchedule(
            organization=organization,
            unit=payments,
            cadence=PulseSchedule.Cadence.WEEKLY,
            weekday=first.weekday(),
            local_time=first.time(),
            open_days=5,
            remind_after_days=2,
            anchor_date=first.date(),
            asks_purpose_proposal=True,
        )
        schedule_save(schedule=schedule, acting_user=None, now=now)
    return True
