from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from demo.schedules import demo_schedules
from demo.seed import DEMO_SLUG
from surveys.models import PulseRound, PulseSchedule
from surveys.rounds import rounds_open_due
from teams.models import Organization

pytestmark = pytest.mark.django_db


def test_the_demo_gets_a_payments_pulse_by_itself_within_minutes():
    before = timezone.now()
    call_command("seed_demo", "--no-history", verbosity=0)
    organization = Organization.objects.get(slug=DEMO_SLUG)
    default = PulseSchedule.objects.get(organization=organization, unit__isnull=True)
    payments = PulseSchedule.objects.get(organization=organization, unit__name="Payments")
    assert default.cadence == "weekly" and default.next_slot_at > before
    assert before + timedelta(minutes=2) <= payments.next_slot_at <= before + timedelta(minutes=4)
    # Nothing is due yet; at the slot, Payments (and only Payments) gets its pulse.
    assert rounds_open_due(now=before) == 0
    assert rounds_open_due(now=payments.next_slot_at) == 1
    pulse_round = PulseRound.objects.get(status="open")
    assert pulse_round.unit.name == "Payments" and pulse_round.invited_count == 8


def test_demo_schedules_are_added_once_even_to_an_older_demo():
    call_command("seed_demo", "--no-history", verbosity=0)
    organization = Organization.objects.get(slug=DEMO_SLUG)
    PulseSchedule.objects.all().delete()  # a demo loaded before pulses existed
    call_command("seed_demo", "--no-history", verbosity=0)
    assert PulseSchedule.objects.filter(organization=organization).count() == 2
    call_command("seed_demo", "--no-history", verbosity=0)
    assert demo_schedules(organization) is False
    assert PulseSchedule.objects.filter(organization=organization).count() == 2
