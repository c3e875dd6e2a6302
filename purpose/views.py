from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alignment import ModelNotFound
from purpose.diff import word_diff
from purpose.engine import app_encoder
from purpose.forms import MAX_KEY_IDEAS, PurposeForm, SampleAnswersForm, StageForm
from purpose.preview import MAX_SAMPLES, SAMPLE_MAX_LENGTH, samples_read
from purpose.selectors import statement_ideas, statement_in_force, statement_versions, with_statement_in_force
from purpose.services import StaleEdit, purpose_update
from purpose.stages import STAGE_HELP, stage_history, stage_in_force, stage_set, with_stage_in_force
from purpose.suggestions import suggestions_drop, suggestions_for
from teams.access import (
    can_manage_unit,
    can_view_unit_results,
    get_unit_or_404,
    org_units,
    require_unit_manager,
)
from teams.models import Membership
from teams.selectors import unit_people, units_with_people


def _editor_context(request, unit, form, current, stale=None, samples=""):
    parent = unit.parent
    return {
        # Offered by a page that may show the team's words (purpose.suggestions).
        "suggestions": suggestions_for(request.session, unit.pk),
        "unit": unit,
        "form": form,
        "current": current,
        "parent": parent,
        "parent_purpose": statement_in_force(parent),
        "stale": stale,
        "max_key_ideas": MAX_KEY_IDEAS,
        "samples": samples,
        "max_samples": MAX_SAMPLES,
        "sample_max_length": SAMPLE_MAX_LENGTH,
    }


def _editor_template(request) -> str:
    return "purpose/edit.html#editor" if request.htmx else "purpose/edit.html"


@require_http_methods(["GET", "POST"])
@login_required
def purpose_edit(request, unit_id: int):
    unit = get_unit_or_404(request.user, unit_id)
    require_unit_manager(request.user, unit, action="edit its purpose")
    current = statement_in_force(unit)
    if request.method == "GET":
        form = PurposeForm.for_statement(current)
        context = _editor_context(request, unit, form, current)
        return render(request, _editor_template(request), context)
    if "set_suggestions_aside" in request.POST:
        suggestions_drop(request.session, unit.pk)
        if request.htmx:  # keep what was typed
            context = _editor_context(request, unit, PurposeForm.as_typed(request.POST), current)
            return render(request, _editor_template(request), context)
        messages.info(request, "The team's suggestions were set aside.")
        return redirect("purpose_edit", unit_id=unit.pk)
    if "suggest" in request.POST:
        return _suggest_ideas(request, unit, current)
    if "read_samples" in request.POST:
        return _read_samples(request, unit, current)
    if "restore_draft" in request.POST:
        return _restore_draft(request, unit, current)
    return _save_purpose(request, unit, current)


def _restore_draft(request, unit, current):
    """Put back text the leader left unsaved (kept in their browser, sent by static/js/app.js).

    Saves nothing. When a colleague saved a newer version since the draft was begun, their
    version shows beside the draft, exactly as when a save is refused for that reason (409).
    """
    try:
        draft_base = int(request.POST.get("base_version", ""))
    except ValueError:
        draft_base = current.version if current else 0
    stale = current if current is not None and current.version != draft_base else None
    form = PurposeForm.restored(request.POST, current)
    context = _editor_context(
        request, unit, form, current, stale=stale, samples=request.POST.get("samples", "")
    )
    context["restored"] = True
    return render(request, _editor_template(request), context, status=409 if stale else 200)


def _suggest_ideas(request, unit, current):
    """Propose key ideas from the purpose as typed; saves nothing, keeps every field as typed."""
    form, proposed = PurposeForm.with_proposed_ideas(request.POST)
    context = _editor_context(request, unit, form, current, samples=request.POST.get("samples", ""))
    context["suggested"] = "proposal" if proposed else "no_purpose"
    template = "purpose/edit.html#ideas" if request.htmx else "purpose/edit.html"
    return render(request, template, context)


def _read_samples(request, unit, current):
    """How the engine would read sample answers against the purpose and ideas as typed; saves nothing."""
    samples_form = SampleAnswersForm(request.POST)
    context = _editor_context(
        request, unit, PurposeForm.as_typed(request.POST), current, samples=request.POST.get("samples", "")
    )
    context["samples_form"] = samples_form
    if not samples_form.is_valid():
        status = 422
    else:
        status = 200
        try:
            context["reading"] = samples_read(**samples_form.cleaned_data, encoder=app_encoder())
        except ModelNotFound:
            context["engine_missing"] = True
    template = "purpose/edit.html#samples" if request.htmx else "purpose/edit.html"
    return render(request, template, context, status=status)


def _ideas_left_behind(request, unit, current):
    """The wording changed, the ideas didn't: fresh ideas to confirm, nothing saved."""
    form, _ = PurposeForm.with_proposed_ideas(request.POST)
    context = _editor_context(request, unit, form, current, samples=request.POST.get("samples", ""))
    context["ideas_left_behind"] = True
    return render(request, _editor_template(request), context, status=422)


def _save_purpose(request, unit, current):
    template = _editor_template(request)
    form = PurposeForm(request.POST)
    samples = request.POST.get("samples", "")
    # Only texts the server offered (purpose.suggestions), and only if the leader kept the box ticked.
    offered = suggestions_for(request.session, unit.pk)
    shaped_from = offered if "shaped_with_suggestions" in request.POST else []
    if not form.is_valid():
        context = _editor_context(request, unit, form, current, samples=samples)
        return render(request, template, context, status=422)
    if form.ideas_left_behind(current):
        return _ideas_left_behind(request, unit, current)
    if form.changes_nothing(current):
        # An identical version would be noise in the history and on "what changed".
        note = f"Nothing changed, so no new version was made: version {current.version} stays in force."
        if request.htmx:
            context = {"unit": unit, "current": current, "can_edit": True, "unchanged": note}
            return render(request, "purpose/edit.html#saved", context)
        messages.info(request, note)
        return redirect(unit)
    data = form.cleaned_data
    try:
        statement = purpose_update(
            unit=unit,
            purpose=data["purpose"],
            fit=data["fit"],
            author=request.user,
            base_version=data["base_version"],
            # Stored even when they equal the engine's proposal, so the ideas
            # members are checked against are the ones the leader saw.
            key_ideas=data["key_ideas"],
            shaped_from=shaped_from,
        )
    except StaleEdit as stale:
        form = PurposeForm.rebased(request.POST, stale.current)
        context = _editor_context(request, unit, form, stale.current, stale=stale.current, samples=samples)
        return render(request, template, context, status=409)
    suggestions_drop(request.session, unit.pk)
    if request.htmx:
        context = {"unit": unit, "current": statement, "can_edit": True, "just_saved": True}
        return render(request, "purpose/edit.html#saved", context)
    messages.success(request, f"Saved version {statement.version} of the purpose.")
    return redirect(unit)


@require_GET
@login_required
def purpose_history(request, unit_id: int):
    unit = get_unit_or_404(request.user, unit_id)
    versions = list(statement_versions(unit))
    rows = []
    for index, statement in enumerate(versions):
        previous = versions[index + 1] if index + 1 < len(versions) else None
        rows.append(
            {
                "statement": statement,
                "previous": previous,
                "purpose_diff": word_diff(previous.purpose if previous else None, statement.purpose),
                "fit_diff": word_diff(previous.fit if previous else None, statement.fit),
                "ideas_changed": statement.key_ideas != (previous.key_ideas if previous else []),
            }
        )
    context = {
        "unit": unit,
        "rows": rows,
        "can_edit": can_manage_unit(request.user, unit),
        "sees_suggestions": _reads_team_words(request.user, unit),
    }
    return render(request, "purpose/history.html", context)


def _reads_team_words(user, unit) -> bool:
    """The team's own words (the suggestions a version drew on) are for the team and those who read
    its results, as on its results page; the rest of the organization sees only that there were some."""
    is_own = Membership.objects.filter(unit=unit, user=user, user__is_active=True).exists()
    return is_own or can_view_unit_results(user, unit)


@require_GET
@login_required
def purpose_version(request, unit_id: int, version: int):
    unit = get_unit_or_404(request.user, unit_id)
    statement = statement_versions(unit).filter(version=version).first()
    if statement is None:
        raise Http404("No such version")
    previous = statement.previous()
    context = {
        "unit": unit,
        "statement": statement,
        "previous": previous,
        "purpose_diff": word_diff(previous.purpose if previous else None, statement.purpose),
        "fit_diff": word_diff(previous.fit if previous else None, statement.fit),
        "ideas": _ideas_diff(previous, statement),
    }
    template = "purpose/version.html#diff" if request.htmx else "purpose/version.html"
    return render(request, template, context)


def _ideas_diff(previous, statement) -> list[tuple[str, str]]:
    """The key ideas of `statement` against the version before: (idea, "added" | "kept" | "removed"),
    in the new order with the removed ones after. Both read as the leader saw them (confirmed, else
    suggested from the purpose)."""
    new = statement_ideas(statement)
    old = statement_ideas(previous) if previous else []
    rows = [(idea, "kept" if idea in old else "added") for idea in new]
    return rows + [(idea, "removed") for idea in old if idea not in new]


def _units_listed(units):
    return with_stage_in_force(with_statement_in_force(units_with_people(units)))


@require_GET
@login_required
def org_chart(request):
    roots = _units_listed(org_units(request.user).filter(parent__isnull=True))
    return render(
        request, "purpose/org_chart.html", {"units": roots, "organization": request.user.organization}
    )


@require_GET
@login_required
def org_chart_children(request, unit_id: int):
    unit = get_unit_or_404(request.user, unit_id)
    children = _units_listed(org_units(request.user).filter(parent=unit))
    template = "purpose/org_chart.html#children" if request.htmx else "purpose/org_chart.html"
    return render(request, template, {"parent_unit": unit, "units": children})


@require_GET
@login_required
def unit_detail(request, unit_id: int):
    unit = get_unit_or_404(request.user, unit_id)
    return render(request, "purpose/unit_detail.html", _unit_context(request, unit))


@require_POST
@login_required
def unit_stage(request, unit_id: int):
    """The leader sets the team's stage with a line on where it stands; the older settings stay."""
    unit = get_unit_or_404(request.user, unit_id)
    require_unit_manager(request.user, unit, action="set its stage")
    form = StageForm(request.POST)
    if not form.is_valid():
        context = _unit_context(request, unit, stage_form=form)
        return render(request, "purpose/unit_detail.html", context, status=422)
    row = stage_set(
        unit=unit, stage=form.cleaned_data["stage"], note=form.cleaned_data["note"], acting_user=request.user
    )
    messages.success(request, f"{unit.name} is now at the stage “{row.get_stage_display()}”.")
    return redirect(unit.get_absolute_url() + "#stage")


def _unit_context(request, unit, stage_form=None) -> dict:
    can_edit = can_manage_unit(request.user, unit)
    stage = stage_in_force(unit)
    if stage_form is None and can_edit:
        stage_form = StageForm(initial={"stage": stage.stage if stage else None})
    return {
        "stage": stage,
        "stage_history": list(stage_history(unit)[1:6]),
        "stage_help": STAGE_HELP,
        "stage_form": stage_form if can_edit else None,
        "unit": unit,
        "ancestors": unit.ancestors(),
        "children": units_with_people(unit.children.all()),
        "people": unit_people(unit),
        "current": statement_in_force(unit),
        "parent_purpose": statement_in_force(unit.parent_id),
        "can_edit": can_edit,
        "can_view_pulses": can_view_unit_results(request.user, unit),
    }
