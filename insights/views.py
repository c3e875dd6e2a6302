from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from alignment import SITUATIONS
from insights.cascade import cascade_links
from insights.dashboard import SORTS, Scope, dashboard_scope
from insights.export import write_dashboard_csv
from insights.forms import LeaderMarkForm
from insights.home import home_context
from insights.marks import leader_mark_set, markable_answer, marks_panel
from insights.team_view import team_view
from teams.access import get_unit_or_404, require_unit_manager, require_unit_results_viewer


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
    within = request.GET.get("within", "")
    roots, sort, listed = scope.listed(within=within, sort=request.GET.get("sort", ""))
    top = [scope.rows[uid] for uid in roots]
    # The tree opens one level deep: the divisions are what an executive scans first.
    opened = [row for root in top for row in (root, *root.children)]
    context = {
        "organization": scope.organization,
        "top": top,
        "rows": listed if sort else opened,
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
