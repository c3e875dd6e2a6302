from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from surveys.answering import InviteeLeft, PulseClosed, StaleAnswer, response_for, response_submit
from surveys.closing import NothingToClose, round_close_early
from surveys.forms import PulseAnswerForm, ScheduleForm
from surveys.models import Invitation, PulseSchedule
from surveys.rounds import RoundBlocked, round_blockers, round_send_now
from surveys.scheduling import schedule_save, schedule_use_default
from surveys.selectors import (
    invitation_by_token,
    invitee_still_member,
    open_invitations_for_user,
    open_round,
    past_rounds,
    round_rate,
    schedule_in_force,
    sees_exact_counts,
)
from teams.access import (
    can_manage_unit,
    get_unit_or_404,
    require_unit_manager,
    require_unit_results_viewer,
)

# --- Members: the personal link -------------------------------------------------


def _link_problem(request, problem: str, *, status: int, invitation: Invitation | None = None):
    context = {
        "problem": problem,
        "invitation": invitation,
        "round": invitation.round if invitation else None,
    }
    if problem == "closed":
        # An old link while a newer pulse of the same team is open for the same person: say so.
        context["newer"] = (
            open_invitations_for_user(invitation.user).filter(round__unit_id=invitation.round.unit_id).first()
        )
    return render(request, "surveys/link_problem.html", context, status=status)


def _left_page(request, invitation: Invitation):
    """Gone (410) with the reason and the day, once the invitation is withdrawn (surveys.leavers);
    403 for a leaving nobody announced (a bulk update), which gives no reason to show."""
    if invitation.withdrawn_at is not None:
        return _link_problem(request, "withdrawn", status=410, invitation=invitation)
    return _link_problem(request, "left", status=403, invitation=invitation)


def _answer_context(invitation: Invitation, **extra) -> dict:
    pulse_round = invitation.round
    return {
        "invitation": invitation,
        "round": pulse_round,
        "unit": pulse_round.unit,
        "time_zone": pulse_round.unit.organization.time_zone,
        "pulse_url": reverse("pulse_answer", args=[invitation.token]),
        # No "since the last pulse" to look for before the team's first round closes.
        "follows_a_round": getattr(invitation, "follows_a_round", True),
        **extra,
    }


def _asks_proposal(invitation: Invitation) -> bool:
    """Whether this pulse asks what members would change in the purpose: the leader's switch, as now
    (read with the invitation by invitation_by_token)."""
    if hasattr(invitation, "asks_proposal"):
        return bool(invitation.asks_proposal)
    schedule = schedule_in_force(invitation.round.unit)
    return schedule is not None and schedule.asks_purpose_proposal


def _answer_form(invitation: Invitation, data=None, **kwargs) -> PulseAnswerForm:
    return PulseAnswerForm(data, asks_proposal=_asks_proposal(invitation), **kwargs)


def _response_initial(response) -> dict:
    if response is None:
        return {"revision": 0}
    fields = PulseAnswerForm.base_fields
    return {name: getattr(response, name) for name in fields if name != "revision"} | {
        "revision": response.revision
    }


@require_http_methods(["GET", "POST"])
@never_cache
def pulse_answer(request, token: str):
    """The pulse behind a personal link. The token identifies the invitee; no password needed."""
    invitation = invitation_by_token(token)
    if invitation is None:
        return _link_problem(request, "unknown", status=404)
    if request.user.is_authenticated and request.user.pk != invitation.user_id:
        # The link is someone else's credential: never let a signed-in colleague answer as them.
        return _link_problem(request, "someone_else", status=403)
    if invitation.withdrawn_at is not None or not invitee_still_member(invitation):
        return _left_page(request, invitation)
    is_open = invitation.round.is_open_at(timezone.now())
    template = "surveys/answer.html#pulse" if request.htmx else "surveys/answer.html"
    if request.method == "POST":
        return _answer_save(request, invitation, template, is_open=is_open)
    if not is_open:
        return _link_problem(request, "closed", status=410, invitation=invitation)
    response = response_for(invitation)
    if response is not None and "edit" not in request.GET:
        context = _answer_context(invitation, response=response, asks_proposal=_asks_proposal(invitation))
        return render(request, template, context)
    form = _answer_form(invitation, initial=_response_initial(response))
    return render(request, template, _answer_context(invitation, form=form, response=response))


def _answer_save(request, invitation: Invitation, template: str, *, is_open: bool):
    form = _answer_form(invitation, request.POST)
    if not is_open:
        # Keep the text on screen so it can be copied, but say plainly it wasn't saved.
        return render(request, template, _answer_context(invitation, form=form, closed=True), status=409)
    if not form.is_valid():
        return render(request, template, _answer_context(invitation, form=form), status=422)
    try:
        response = response_submit(
            invitation=invitation, answers=form.answers(), seen_revision=form.cleaned_data["revision"]
        )
    except PulseClosed:  # closed between the check above and the save
        return render(request, template, _answer_context(invitation, form=form, closed=True), status=409)
    except InviteeLeft:  # removed or deactivated between the check above and the save
        invitation.refresh_from_db(fields=["withdrawn_at", "withdrawn_reason"])
        return _left_page(request, invitation)
    except StaleAnswer as stale:
        # Keep what was typed; the next send goes on top of the revision saved meanwhile
        # (0 when the form named a revision that was never saved).
        data = request.POST.copy()
        data["revision"] = stale.revision
        form = _answer_form(invitation, data)
        form.is_valid()
        context = _answer_context(invitation, form=form, stale=True, nothing_saved=stale.response is None)
        return render(request, template, context, status=409)
    if request.htmx:
        context = _answer_context(
            invitation, response=response, just_saved=True, asks_proposal=_asks_proposal(invitation)
        )
        return render(request, template, context)
    messages.success(request, "Thanks — your answer is saved.")
    return redirect("pulse_answer", token=invitation.token)


# --- Leaders: schedule, live rate, past rounds ---------------------------------------


def _schedule_to_edit(unit, in_force: PulseSchedule | None) -> PulseSchedule:
    """The unit's own schedule, or a new one starting from the organization default."""
    if in_force is not None and in_force.unit_id == unit.pk:
        return in_force
    schedule = PulseSchedule(organization=unit.organization, unit=unit)
    if in_force is not None:
        for field in ScheduleForm.Meta.fields:
            setattr(schedule, field, getattr(in_force, field))
    return schedule


def _pulses_context(request, unit, *, form=None, **extra) -> dict:
    in_force = schedule_in_force(unit)
    current = open_round(unit)
    # Others read a closed round's count on the team dashboard, where it was decided what may show.
    exact = sees_exact_counts(request.user, unit)
    return {
        "unit": unit,
        "time_zone": unit.organization.time_zone,
        "can_manage": can_manage_unit(request.user, unit),
        "schedule": in_force,
        "own_schedule": in_force is not None and in_force.unit_id == unit.pk,
        "form": form or ScheduleForm(instance=_schedule_to_edit(unit, in_force)),
        "blockers": round_blockers(unit),
        "current": current,
        "rate": round_rate(current) if current and exact else None,
        "past": past_rounds(unit) if exact else [(r, None) for r, _ in past_rounds(unit)],
        **extra,
    }


@require_GET
@login_required
def unit_pulses(request, unit_id: int):
    unit = get_unit_or_404(request.user, unit_id)
    require_unit_results_viewer(request.user, unit, what="its pulses")
    return render(request, "surveys/unit_pulses.html", _pulses_context(request, unit))


@require_GET
@login_required
def unit_pulse_live(request, unit_id: int):
    """The open round's counts, polled by the page while it is open."""
    unit = get_unit_or_404(request.user, unit_id)
    require_unit_results_viewer(request.user, unit, what="its pulses")
    if not request.htmx:
        return redirect("unit_pulses", unit_id=unit.pk)
    return render(request, "surveys/unit_pulses.html#live", _pulses_context(request, unit))


@require_POST
@login_required
def unit_schedule(request, unit_id: int):
    unit = get_unit_or_404(request.user, unit_id)
    require_unit_manager(request.user, unit, action="change its pulses")
    template = "surveys/unit_pulses.html#schedule" if request.htmx else "surveys/unit_pulses.html"
    if "use_default" in request.POST:
        schedule_use_default(unit=unit, acting_user=request.user)
        note = "This team now follows the organization's default schedule."
    else:
        form = ScheduleForm(request.POST, instance=_schedule_to_edit(unit, schedule_in_force(unit)))
        if not form.is_valid():
            return render(request, template, _pulses_context(request, unit, form=form), status=422)
        schedule_save(schedule=form.save(commit=False), acting_user=request.user)
        note = "Schedule saved."
    if request.htmx:
        return render(request, template, _pulses_context(request, unit, schedule_saved=note))
    messages.success(request, note)
    return redirect("unit_pulses", unit_id=unit.pk)


@require_POST
@login_required
def unit_pulse_send_now(request, unit_id: int):
    unit = get_unit_or_404(request.user, unit_id)
    require_unit_manager(request.user, unit, action="change its pulses")
    template = "surveys/unit_pulses.html#live" if request.htmx else "surveys/unit_pulses.html"
    try:
        pulse_round = round_send_now(unit=unit, acting_user=request.user)
    except RoundBlocked as blocked:
        if request.htmx:
            return render(
                request, template, _pulses_context(request, unit, send_error=str(blocked)), status=409
            )
        messages.error(request, str(blocked))
        return redirect("unit_pulses", unit_id=unit.pk)
    note = f"Pulse sent to {pulse_round.invited_count} member{'s' if pulse_round.invited_count != 1 else ''}."
    if request.htmx:
        return render(request, template, _pulses_context(request, unit, sent=note))
    messages.success(request, note)
    return redirect("unit_pulses", unit_id=unit.pk)


@require_http_methods(["GET", "POST"])
@login_required
def unit_pulse_close(request, unit_id: int):
    """Close the open pulse early: a page that asks to confirm (GET), then the close (POST)."""
    unit = get_unit_or_404(request.user, unit_id)
    require_unit_manager(request.user, unit, action="change its pulses")
    current = open_round(unit)
    if request.method == "GET":
        if current is None:
            messages.info(request, "No pulse of this team is open, so there is nothing to close.")
            return redirect("unit_pulses", unit_id=unit.pk)
        rate = round_rate(current) if sees_exact_counts(request.user, unit) else None
        context = {"unit": unit, "current": current, "rate": rate}
        return render(request, "surveys/close_early.html", context)
    try:
        round_close_early(unit=unit, acting_user=request.user)
    except NothingToClose:
        messages.info(request, "This pulse had already closed; nothing changed.")
        return redirect("unit_pulses", unit_id=unit.pk)
    messages.success(
        request,
        "Pulse closed. Members can no longer answer or change their answers; "
        "the team's results are being worked out and appear on the team dashboard in a moment.",
    )
    return redirect("unit_pulses", unit_id=unit.pk)
