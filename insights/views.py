from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from alignment import SITUATIONS
from insights.cascade import cascade_links
from insights.dashboard import SORTS, Scope, dashboard_scope
from insights.export import write_dashboard_csv
from insights.forms import LeaderMarkForm
from insights.home import home_context
from insights.marks import leader_mark_set, markable_answer, marks_panel
from insights.proposals import proposal_groups, proposals_chosen
from insights.results import can_read_results, invitation_by_results_token, team_results
from insights.talk import agenda_for, theme_may_be_replied
from insights.talk_forms import ActionForm, ActionStatusForm, ReplyForm, TalkHeldForm
from insights.team_view import team_view
from purpose.stages import stage_in_force
from purpose.suggestions import suggestions_offer
from surveys.actions import (
    ActionDraft,
    ActionRefused,
    action_add,
    action_set_status,
    can_update_action,
    open_actions,
    talk_record,
    unit_actions,
)
from surveys.models import ResultsTalk, TeamAction
from surveys.replies import ReplyRefused, reply_save, round_replies
from teams.access import can_manage_unit, get_unit_or_404, require_unit_manager, require_unit_results_viewer
from teams.redirects import local_path
from teams.services import audit_record


@require_GET
@login_required
def home(request):
    return render(request, "insights/home.html", home_context(request.user))


def _scope(request) -> Scope:
    scope = dashboard_scope(request.user)
    if scope is None:
        raise PermissionDenied("The alignment dashboard is for executives and the leaders of units.")
    return scope


@require_GET
@login_required
def org_dashboard(request):
    scope = _scope(request)
    within, sort = request.GET.get("within", ""), request.GET.get("sort", "")
    if sort in SORTS:  # flat and sorted: every row of the scope, or of the unit it is narrowed to
        roots, sort, rows = scope.listed(within=within, sort=sort)
    else:  # the tree opens one level deep: the divisions are what an executive scans first
        roots, sort = scope.narrowed(within), ""
        rows = [row for uid in roots for row in (scope.rows[uid], *scope.rows[uid].children)]
    top = [scope.rows[uid] for uid in roots]
    context = {
        "organization": scope.organization,
        "top": top,
        "rows": rows,
        "expanded": {root.id for root in top},
        "sort": sort,
        "sorts": {key: label for key, (label, _) in SORTS.items()},
        "divisions": scope.divisions(),
        "within": within,
        "approximate": any(r.approximate for r in top),
        "threshold": scope.organization.min_group_size,
        "situations": SITUATIONS,
    }
    template = "dashboards/org.html#table" if request.htmx else "dashboards/org.html"
    return render(request, template, context)


@require_GET
@login_required
def org_dashboard_children(request, unit_id: int):
    scope = _scope(request)
    if not scope.contains(unit_id):
        raise Http404("Not in your part of the organization")
    parent = scope.rows[unit_id]
    context = {"rows": parent.children, "parent": parent, "threshold": scope.organization.min_group_size}
    template = "dashboards/org.html#children" if request.htmx else "dashboards/org_children.html"
    return render(request, template, context)


@require_GET
@login_required
def org_dashboard_csv(request):
    scope = _scope(request)
    _, _, listed = scope.listed(within=request.GET.get("within", ""), sort=request.GET.get("sort", ""))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    filename = f"alignment-{scope.organization.slug}-{stamp}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    write_dashboard_csv(response, listed, threshold=scope.organization.min_group_size)
    audit_record(
        organization=scope.organization,
        actor=request.user,
        action="export.csv",
        file=filename,
        rows=len(listed),
    )
    return response


@require_GET
@login_required
def team_dashboard(request, unit_id: int):
    unit = get_unit_or_404(request.user, unit_id)
    require_unit_results_viewer(request.user, unit, what="its alignment")
    view = team_view(unit)
    context = {
        "unit": unit,
        "view": view,
        "row": view.row,
        "threshold": unit.organization.min_group_size,
        "verbatim_threshold": unit.organization.min_verbatim_size,
        "marks": marks_panel(view, request.user),
        "open_actions": open_actions(unit),  # they stay on the team's pages until done
        "can_manage": can_manage_unit(request.user, unit),
        "stage": stage_in_force(unit),
        "today": timezone.localdate(),
    }
    return render(request, "dashboards/team.html", context)


@require_POST
@login_required
def answer_mark(request, unit_id: int, key: str):
    """The leader's own reading of one shown answer: yes, part of it, or not it."""
    unit = get_unit_or_404(request.user, unit_id)
    require_unit_manager(request.user, unit, action="mark answers")
    view = team_view(unit)
    verbatim = markable_answer(view, key)
    form = LeaderMarkForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("Mark the answer with one of the three buttons.")
    leader_mark_set(view=view, verbatim=verbatim, marked_by=request.user, mark=form.cleaned_data["mark"])
    if not request.htmx:
        return redirect(reverse("team_dashboard", args=[unit.pk]) + f"#answer-{key}")
    marks = marks_panel(view, request.user)
    context = {"unit": unit, "marks": marks, "answer": marks.answer(key), "oob": True}
    return render(request, "dashboards/team.html#answer_marked", context)


@require_GET
@login_required
def cascade_view(request):
    """How each unit's purpose connects to its parent's, weakest links first."""
    scope = _scope(request)
    context = {"organization": scope.organization, "links": cascade_links(scope.rows, scope.listed()[2])}
    return render(request, "dashboards/cascade.html", context)


# --- Closing the loop: the team's results, the leader's replies, talking it through -----------


def _round_param(request) -> int | None:
    value = request.GET.get("round") or request.POST.get("round") or ""
    if not value:
        return None
    if not value.isdigit():
        raise Http404("No such pulse")
    return int(value)


def _results_or_404(unit, round_id: int | None):
    results = team_results(unit, round_id=round_id)
    if results is None and round_id is not None:
        raise Http404("No closed pulse of this team by that number")
    return results


@require_GET
@login_required
def team_results_page(request, unit_id: int):
    """The team's reading of a closed pulse, the leader's replies and what the team decided."""
    unit = get_unit_or_404(request.user, unit_id)
    if not can_read_results(request.user, unit):
        raise PermissionDenied("Only the team's people, the leaders above it and executives see its results.")
    context = {
        "unit": unit,
        "results": _results_or_404(unit, _round_param(request)),
        "open_actions": open_actions(unit),
        "can_manage": can_manage_unit(request.user, unit),
        "today": timezone.localdate(),
    }
    return render(request, "insights/results.html", context)


@require_GET
@never_cache
def results_link(request, token: str):
    """The results behind the link in a results email: no password, the signed link is the key."""
    invitation = invitation_by_results_token(token)
    if invitation is None:
        return render(request, "insights/results_link_problem.html", {"problem": "unknown"}, status=404)
    if request.user.is_authenticated and request.user.pk != invitation.user_id:
        return render(request, "insights/results_link_problem.html", {"problem": "someone_else"}, status=403)
    unit = invitation.round.unit
    context = {
        "unit": unit,
        "results": team_results(unit, round_id=invitation.round_id),
        "open_actions": open_actions(unit),
        "via_link": True,
        "today": timezone.localdate(),
    }
    return render(request, "insights/results.html", context)


def _reply_rows(results, agenda, posted: dict | None) -> list[dict]:
    """One reply form per theme of questions, then one to the whole team; a refused one keeps its text."""
    replies = round_replies(results.round)
    rows = [
        {"theme": theme, "key": str(theme.index), "reply": replies.get(theme.index)}
        for theme in agenda.themes
    ]
    rows.append({"theme": None, "key": "", "reply": replies.get(None)})
    for row in rows:
        reply = row["reply"]
        row["topic"], row["text"] = (reply.topic, reply.text) if reply else ("", "")
    if posted is not None:
        # A theme no longer on the page: its text goes to the reply to all, not lost.
        row = next((r for r in rows if r["key"] == posted.get("theme", "")), rows[-1])
        row["topic"], row["text"], row["refused"] = posted.get("topic", ""), posted.get("text", ""), True
    return rows


def _talk_context(unit, results, posted_reply: dict | None = None, **forms) -> dict:
    ideas = results.summary.ideas if results and results.summary else []
    agenda = agenda_for(results) if results else None
    context = {
        "unit": unit,
        "results": results,
        "agenda": agenda,
        "reply_rows": _reply_rows(results, agenda, posted_reply) if results else [],
        "actions": list(unit_actions(unit).filter(status=TeamAction.Status.OPEN))
        + list(unit_actions(unit).filter(round=results.round).exclude(status=TeamAction.Status.OPEN))
        if results
        else [],
        "talk": ResultsTalk.objects.filter(round=results.round).first() if results else None,
        "proposal_groups": proposal_groups(results),
        "today": timezone.localdate(),
        "action_form": ActionForm(
            unit=unit, ideas=ideas, initial={"round": results.round.pk if results else ""}
        ),
        "held_form": TalkHeldForm(
            initial={"round": results.round.pk if results else "", "held_on": timezone.localdate()}
        ),
    }
    context.update(forms)
    return context


def _talk_results(request, unit):
    require_unit_manager(request.user, unit, action="talk the team's results through")
    return _results_or_404(unit, _round_param(request))


def _back_to_talk(unit, results, anchor: str):
    return redirect(reverse("talk_it_through", args=[unit.pk]) + f"?round={results.round.pk}#{anchor}")


@require_GET
@login_required
def talk_it_through(request, unit_id: int):
    """For the leader after a pulse: the agenda, the questions to answer, what the team decides."""
    unit = get_unit_or_404(request.user, unit_id)
    results = _talk_results(request, unit)
    return render(request, "insights/talk.html", _talk_context(unit, results))


def _talk_submit(request, unit_id: int, *, nothing: str, make_form, change, page) -> HttpResponse:
    """A form posted from the talk page. ``change(unit, results, data)`` does the work and returns
    the message to show and the page's anchor to go back to, or raises the service's refusal; a
    form with errors or a refusal shows the page again with what was typed (422)."""
    unit = get_unit_or_404(request.user, unit_id)
    results = _talk_results(request, unit)
    if results is None:
        return HttpResponseBadRequest(nothing)
    form = make_form(unit, results)
    error = None
    if form.is_valid():
        try:
            done, anchor = change(unit, results, form.cleaned_data)
        except (ActionRefused, ReplyRefused) as refused:
            error = str(refused)
        else:
            messages.success(request, done)
            return _back_to_talk(unit, results, anchor)
    return render(
        request, "insights/talk.html", _talk_context(unit, results, **page(form, error)), status=422
    )


@require_POST
@login_required
def talk_reply(request, unit_id: int):
    publish = "publish" in request.POST

    def change(unit, results, data):
        theme = data["theme"]
        if not theme_may_be_replied(results, theme):
            raise ReplyRefused(
                "That group of questions isn't on this page any more: reload it and reply again."
            )
        reply_save(
            pulse_round=results.round,
            theme=theme,
            topic=data["topic"],
            text=data["text"],
            publish=publish,
            author=request.user,
        )
        done = "Reply published: the team sees it." if publish else "Reply saved as a draft."
        return done, f"reply-{'all' if theme is None else theme}"

    return _talk_submit(
        request,
        unit_id,
        nothing="No closed pulse to reply to.",
        make_form=lambda unit, results: ReplyForm(request.POST),
        change=change,
        page=lambda form, error: {"posted_reply": request.POST, "reply_form": form, "reply_error": error},
    )


@require_POST
@login_required
def talk_action_add(request, unit_id: int):
    def make_form(unit, results):
        return ActionForm(request.POST, unit=unit, ideas=results.summary.ideas if results.summary else [])

    def change(unit, results, data):
        draft = ActionDraft(
            title=data["title"], owner_id=data["owner"].pk, due_on=data["due_on"], ideas=data.get("ideas", [])
        )
        action_add(unit=unit, pulse_round=results.round, draft=draft, acting_user=request.user)
        return f"Action recorded: {draft.title}.", "actions"

    return _talk_submit(
        request,
        unit_id,
        nothing="No closed pulse to act on.",
        make_form=make_form,
        change=change,
        page=lambda form, error: {"action_form": form, "action_error": error},
    )


@require_POST
@login_required
def talk_held(request, unit_id: int):
    def change(unit, results, data):
        talk_record(pulse_round=results.round, held_on=data["held_on"], acting_user=request.user)
        return "Recorded: the team talked this result through.", "held"

    return _talk_submit(
        request,
        unit_id,
        nothing="No closed pulse to talk through.",
        make_form=lambda unit, results: TalkHeldForm(request.POST),
        change=change,
        page=lambda form, error: {"held_form": form, "held_error": error},
    )


@require_POST
@login_required
def action_status(request, unit_id: int):
    """Move an action on (done, dropped, open again): the unit's managers, or the action's owner."""
    unit = get_unit_or_404(request.user, unit_id)
    if not can_read_results(request.user, unit):
        raise PermissionDenied("Only the team's people update its actions.")
    form = ActionStatusForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("Choose the action and its new status.")
    action = (
        TeamAction.objects.filter(unit=unit, pk=form.cleaned_data["action"]).select_related("unit").first()
    )
    if action is None:
        raise Http404("No such action in this team")
    if not can_update_action(request.user, action, manages=can_manage_unit(request.user, unit)):
        raise PermissionDenied("Only the action's owner and the team's leaders update it.")
    action_set_status(action=action, status=form.cleaned_data["status"], acting_user=request.user)
    messages.success(
        request, f"“{action.title}” is now {TeamAction.Status(form.cleaned_data['status']).label.lower()}."
    )
    return redirect(
        local_path(request, request.POST.get("next", "")) or reverse("team_results", args=[unit.pk])
    )


@require_POST
@login_required
def talk_proposals_use(request, unit_id: int):
    """The leader starts a new version of the purpose from the proposals picked on the talk page.

    The picked texts are checked against the proposals this page may show and handed to the
    editor in the leader's session (purpose.suggestions): the editor never reads the pulses.
    """
    unit = get_unit_or_404(request.user, unit_id)
    results = _talk_results(request, unit)
    if results is None:
        return HttpResponseBadRequest("No closed pulse to draw on.")
    texts = proposals_chosen(results, request.POST.getlist("proposal"))
    if not texts:
        error = (
            "Tick at least one proposal to start from."
            if proposal_groups(results)
            else "This pulse has no proposals that may be shown."
        )
        context = _talk_context(unit, results, proposals_error=error)
        return render(request, "insights/talk.html", context, status=422)
    suggestions_offer(request.session, unit_id=unit.pk, texts=texts)
    audit_record(
        organization=unit.organization,
        actor=request.user,
        action="purpose.suggestions_offered",
        unit=unit,
        round=results.round.pk,
        count=len(texts),
    )
    return redirect("purpose_edit", unit_id=unit.pk)
