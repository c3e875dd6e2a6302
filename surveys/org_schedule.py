"""The organization's default pulse schedule, in the settings pages (organization admins only).

The default is the `PulseSchedule` row without a unit: every unit without a schedule of its own
follows it (surveys.selectors.schedule_in_force), new units included, and a leader who gives
their team its own schedule starts from it. This module also moves every schedule's next slot
when the organization's time zone changes (teams.signals.organization_changed), since slots are
wall-clock times in that zone.
"""

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from surveys.forms import ScheduleForm
from surveys.models import PulseSchedule
from surveys.scheduling import next_slot, org_zone, schedule_save
from teams.access import require_org_admin
from teams.models import Organization, Unit


def default_schedule(organization: Organization) -> PulseSchedule | None:
    return PulseSchedule.objects.filter(organization=organization, unit__isnull=True).first()


def units_following_default(organization: Organization) -> int:
    return Unit.objects.filter(organization=organization, pulse_schedule__isnull=True).count()


@transaction.atomic
def schedules_rezone(*, organization: Organization, now: datetime | None = None) -> int:
    """Recompute the next slot of every active schedule of the organization in its (new) zone:
    09:00 stays 09:00 local. Returns how many moved."""
    now = now or timezone.now()
    zone = org_zone(organization)
    moved = 0
    schedules = PulseSchedule.objects.select_for_update().filter(organization=organization, is_active=True)
    for schedule in schedules:
        upcoming = next_slot(schedule, after=now, zone=zone)
        if upcoming != schedule.next_slot_at:
            schedule.next_slot_at = upcoming
            schedule.save(update_fields=["next_slot_at"])
            moved += 1
    return moved


@require_http_methods(["GET", "POST"])
@login_required
def settings_schedule(request):
    require_org_admin(request.user)
    organization = request.user.organization
    stored = default_schedule(organization)
    schedule = stored or PulseSchedule(organization=organization)
    form = ScheduleForm(instance=schedule)
    status = 200
    if request.method == "POST":
        form = ScheduleForm(request.POST, instance=schedule)
        if form.is_valid():
            schedule_save(schedule=form.save(commit=False), acting_user=request.user)
            messages.success(request, "Default schedule saved." if stored else "Default schedule created.")
            return redirect("settings_schedule")
        status = 422
    context = {
        "form": form,
        "schedule": stored,
        "following": units_following_default(organization),
        "time_zone": organization.time_zone,
        "tab": "schedule",
    }
    return render(request, "surveys/org_schedule.html", context, status=status)
