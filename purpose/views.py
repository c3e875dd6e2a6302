from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from purpose.diff import word_diff
from purpose.forms import PurposeForm
from purpose.services import StaleEdit, purpose_current, purpose_update
from teams.access import can_edit_purpose, get_unit_or_404, require_purpose_editor


def _editor_context(unit, form, current, stale=None):
    parent = unit.parent
    return {
        "unit": unit,
        "form": form,
        "current": current,
        "parent": parent,
        "parent_purpose": purpose_current(parent) if parent else None,
        "stale": stale,
    }


@require_http_methods(["GET", "POST"])
@login_required
def purpose_edit(request, unit_id: int):
    unit = get_unit_or_404(request.user, unit_id)
    require_purpose_editor(request.user, unit)
    current = purpose_current(unit)
    template = "purpose/edit.html#editor" if request.htmx else "purpose/edit.html"

    if request.method == "GET":
        form = PurposeForm(
            initial={
                "purpose": current.purpose if current else "",
                "fit": current.fit if current else "",
                "base_version": current.version if current else 0,
            }
        )
        return render(request, template, _editor_context(unit, form, current))

    form = PurposeForm(request.POST)
    if not form.is_valid():
        return render(request, template, _editor_context(unit, form, current), status=422)
    try:
        statement = purpose_update(
            unit=unit,
            purpose=form.cleaned_data["purpose"],
            fit=form.cleaned_data["fit"],
            author=request.user,
            base_version=form.cleaned_data["base_version"],
        )
    except StaleEdit as stale:
        # Keep what this leader typed, show what the colleague saved, and let
        # the next save go on top of the colleague's version deliberately.
        data = request.POST.copy()
        data["base_version"] = stale.current.version if stale.current else 0
        form = PurposeForm(data)
        form.is_valid()
        context = _editor_context(unit, form, stale.current, stale=stale.current)
        return render(request, template, context, status=409)

    if request.htmx:
        return render(
            request,
            "purpose/edit.html#saved",
            {"unit": unit, "current": statement, "can_edit": True, "just_saved": True},
        )
    messages.success(request, f"Saved version {statement.version} of the purpose.")
    return redirect(unit)


@require_GET
@login_required
def purpose_history(request, unit_id: int):
    unit = get_unit_or_404(request.user, unit_id)
    versions = list(unit.purpose_versions.select_related("author").order_by("-version"))
    rows = []
    for index, statement in enumerate(versions):
        previous = versions[index + 1] if index + 1 < len(versions) else None
        rows.append(
            {
                "statement": statement,
                "previous": previous,
                "purpose_diff": word_diff(previous.purpose if previous else None, statement.purpose),
                "fit_diff": word_diff(previous.fit if previous else None, statement.fit),
            }
        )
    return render(
        request,
        "purpose/history.html",
        {"unit": unit, "rows": rows, "can_edit": can_edit_purpose(request.user, unit)},
    )


@require_GET
@login_required
def purpose_version(request, unit_id: int, version: int):
    unit = get_unit_or_404(request.user, unit_id)
    statement = unit.purpose_versions.select_related("author").filter(version=version).first()
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
