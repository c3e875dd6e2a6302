from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from alignment import ModelNotFound
from purpose.diff import word_diff
from purpose.engine import app_encoder
from purpose.forms import MAX_KEY_IDEAS, PurposeForm, SampleAnswersForm
from purpose.preview import MAX_SAMPLES, SAMPLE_MAX_LENGTH, samples_read
from purpose.selectors import statement_in_force, statement_versions, with_statement_in_force
from purpose.services import StaleEdit, purpose_update
from teams.access import (
    can_manage_unit,
    can_view_unit_results,
    get_unit_or_404,
    org_units,
    require_unit_manager,
)
from teams.selectors import unit_people, units_with_people


def _editor_context(unit, form, current, stale=None, samples=""):
    parent = unit.parent
    return {
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
        return render(request, _editor_template(request), _editor_context(unit, form, current))
    if "suggest" in request.POST:
        return _suggest_ideas(request, unit, current)
    if "read_samples" in request.POST:
        return _read_samples(request, unit, current)
    return _save_purpose(request, unit, current)


def _suggest_ideas(request, unit, current):
    """Propose key ideas from the purpose as typed; saves nothing, keeps every field as typed."""
    form, proposed = PurposeForm.with_proposed_ideas(request.POST)
    context = _editor_context(unit, form, current, samples=request.POST.get("samples", ""))
    context["suggested"] = "proposal" if proposed else "no_purpose"
    template = "purpose/edit.html#ideas" if request.htmx else "purpose/edit.html"
    return render(request, template, context)


def _read_samples(request, unit, current):
    """How the engine would read sample answers against the purpose and ideas as typed; saves nothing."""
    samples_form = SampleAnswersForm(request.POST)
    context = _editor_context(
        unit, PurposeForm.as_typed(request.POST), current, samples=request.POST.get("samples", "")
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
    context = _editor_context(unit, form, current, samples=request.POST.get("samples", ""))
    context["ideas_left_behind"] = True
    return render(request, _editor_template(request), context, status=422)


def _save_purpose(request, unit, current):
    template = _editor_template(request)
    form = PurposeForm(request.POST)
    samples = request.POST.get("samples", "")
    if not form.is_valid():
        return render(request, template, _editor_context(unit, form, current, samples=samples), status=422)
    if form.ideas_left_behind(current):
        return _ideas_left_behind(request, unit, current)
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
        )
    except StaleEdit as stale:
        form = PurposeForm.rebased(request.POST, stale.current)
        context = _editor_context(unit, form, stale.current, stale=stale.current, samples=samples)
        return render(request, template, context, status=409)
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
    return render(
        request,
        "purpose/history.html",
        {"unit": unit, "rows": rows, "can_edit": can_manage_unit(request.user, unit)},
    )


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
    }
    template = "purpose/version.html#diff" if request.htmx else "purpose/version.html"
    return render(request, template, context)


def _units_listed(units):
    return with_statement_in_force(units_with_people(units))


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
    context = {
        "unit": unit,
        "ancestors": unit.ancestors(),
        "children": units_with_people(unit.children.all()),
        "people": unit_people(unit),
        "current": statement_in_force(unit),
        "parent_purpose": statement_in_force(unit.parent_id),
        "can_edit": can_manage_unit(request.user, unit),
        "can_view_pulses": can_view_unit_results(request.user, unit),
    }
    return render(request, "purpose/unit_detail.html", context)
