from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from surveys.models import PulseSchedule
from surveys.scheduling import next_slot, schedule_advance, schedule_save
from surveys.selectors import schedule_in_force
from tests.factories import OrganizationFactory, UnitFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
UTC = ZoneInfo("UTC")


def weekly(**fields) -> PulseSchedule:
    base = {"cadence": "weekly", "weekday": 0, "local_time": time(9, 0), "anchor_date": date(2026, 1, 5)}
    return PulseSchedule(**(base | fields))


def test_weekly_slot_is_the_next_matching_day_at_local_time():
    """A Monday 09:00 schedule seen on a Wednesday opens next Monday at 09:00."""
    slot = next_slot(weekly(), after=datetime(2026, 1, 7, 12, 0, tzinfo=UTC), zone=UTC)
    assert slot == datetime(2026, 1, 12, 9, 0, tzinfo=UTC)


def test_slot_is_strictly_after():
    """At exactly the slot time, the next slot is a week later (the current one is being handled)."""
    at = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
    assert next_slot(weekly(), after=at, zone=UTC) == at + timedelta(days=7)
    assert next_slot(weekly(), after=at - timedelta(seconds=1), zone=UTC) == at


def test_local_time_survives_the_spring_daylight_saving_change():
    """09:00 in London is 09:00 UTC in winter and 08:00 UTC after the clocks go forward."""
    schedule = weekly(weekday=0)
    before = next_slot(schedule, after=datetime(2026, 3, 20, tzinfo=UTC), zone=LONDON)
    after = next_slot(schedule, after=before, zone=LONDON)
    # Clocks went forward on Sunday 29 March 2026.
    assert before == datetime(2026, 3, 23, 9, 0, tzinfo=UTC)
    assert after == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    assert after.astimezone(LONDON).time() == time(9, 0)
    assert after - before == timedelta(days=7, hours=-1)


def test_local_time_survives_the_autumn_daylight_saving_change():
    """Clocks go back on Sunday 25 October 2026: 09:00 London moves from 08:00 to 09:00 UTC."""
    schedule = weekly(weekday=0)
    before = next_slot(schedule, after=datetime(2026, 10, 13, tzinfo=UTC), zone=LONDON)
    after = next_slot(schedule, after=before, zone=LONDON)
    assert before == datetime(2026, 10, 19, 8, 0, tzinfo=UTC)
    assert after == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)
    assert after.astimezone(LONDON).time() == time(9, 0)


def test_a_wall_time_skipped_by_daylight_saving_opens_an_hour_later():
    """01:30 doesn't exist in London on 29 March 2026; the pulse opens at 02:30 local."""
    schedule = weekly(weekday=6, local_time=time(1, 30))
    slot = next_slot(schedule, after=datetime(2026, 3, 28, tzinfo=UTC), zone=LONDON)
    assert slot == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert slot.astimezone(LONDON).time() == time(2, 30)


def test_every_two_weeks_counts_from_the_anchor_week():
    schedule = weekly(cadence="biweekly", weekday=2, anchor_date=date(2026, 1, 7))  # a Wednesday
    first = next_slot(schedule, after=datetime(2026, 1, 1, tzinfo=UTC), zone=UTC)
    second = next_slot(schedule, after=first, zone=UTC)
    assert first == datetime(2026, 1, 7, 9, 0, tzinfo=UTC)
    assert second == datetime(2026, 1, 21, 9, 0, tzinfo=UTC)


def test_monthly_and_quarterly():
    monthly = PulseSchedule(
        cadence="monthly", day_of_month=28, local_time=time(14, 30), anchor_date=date(2026, 1, 1)
    )
    assert next_slot(monthly, after=datetime(2026, 2, 28, 15, 0, tzinfo=UTC), zone=UTC) == datetime(
        2026, 3, 28, 14, 30, tzinfo=UTC
    )
    quarterly = PulseSchedule(
        cadence="quarterly", day_of_month=1, local_time=time(9, 0), anchor_date=date(2026, 2, 10)
    )
    slot = next_slot(quarterly, after=datetime(2026, 2, 10, tzinfo=UTC), zone=UTC)
    assert slot == datetime(2026, 5, 1, 9, 0, tzinfo=UTC)
    assert next_slot(quarterly, after=slot, zone=UTC) == datetime(2026, 8, 1, 9, 0, tzinfo=UTC)


def test_unit_schedule_wins_over_the_organization_default(team):
    default = schedule_save(schedule=PulseSchedule(organization=team.organization), acting_user=None)
    assert schedule_in_force(team) == default
    own = schedule_save(schedule=PulseSchedule(organization=team.organization, unit=team), acting_user=None)
    assert schedule_in_force(team) == own
    assert schedule_in_force(UnitFactory(organization=team.organization)) == default


def test_no_schedule_at_all(team):
    assert schedule_in_force(team) is None


def test_one_default_per_organization(org):
    from django.db import IntegrityError

    PulseSchedule.objects.create(organization=org)
    with pytest.raises(IntegrityError):
        PulseSchedule.objects.create(organization=org)


def test_saving_computes_the_next_slot_in_the_org_time_zone():
    org = OrganizationFactory(time_zone="Europe/London")
    now = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)  # a Wednesday, summer time
    schedule = schedule_save(schedule=PulseSchedule(organization=org, weekday=3), acting_user=None, now=now)
    assert schedule.next_slot_at == datetime(2026, 7, 2, 8, 0, tzinfo=UTC)


def test_a_paused_schedule_has_no_next_slot(org):
    schedule = schedule_save(schedule=PulseSchedule(organization=org, is_active=False), acting_user=None)
    assert schedule.next_slot_at is None


def test_advance_moves_once_even_when_two_runs_handle_the_same_slot(org):
    now = datetime(2026, 1, 1, tzinfo=UTC)
    schedule = schedule_save(schedule=PulseSchedule(organization=org), acting_user=None, now=now)
    slot = schedule.next_slot_at
    stale_copy = PulseSchedule.objects.get(pk=schedule.pk)
    assert schedule_advance(schedule=schedule, slot=slot) is True
    assert schedule_advance(schedule=stale_copy, slot=slot) is False
    schedule.refresh_from_db()
    assert schedule.next_slot_at == slot + timedelta(days=7)


@pytest.mark.parametrize(
    ("cadence", "open_days", "remind", "field"),
    [
        ("weekly", 7, None, "open_days"),
        ("monthly", 28, None, "open_days"),
        ("weekly", 3, 3, "remind_after_days"),
    ],
)
def test_validation_keeps_rounds_from_overlapping(org, cadence, open_days, remind, field):
    schedule = PulseSchedule(organization=org, cadence=cadence, open_days=open_days, remind_after_days=remind)
    with pytest.raises(ValidationError) as error:
        schedule.full_clean()
    assert field in error.value.message_dict
