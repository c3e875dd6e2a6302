import csv
import random

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from purpose.alignment import SITUATIONS
from purpose.charts import Point, histogram, trend_chart
from purpose.dashboard import SORTS, org_figures, scope_root_ids, subtree_rows
from purpose.models import RoundSummary
from purpose.services import purpose_current_many
from teams.access import can_view_subtree, get_unit_or_404


def _scope(request):
    organization = request.user.organization
    if organization is None:
        raise Http404("No organization")
    rows = org_figures(organization)
    roots = scope_root_ids(request.user, rows)
    if not roots:
        raise PermissionDenied("The alignment dashboard is for executives and the leaders of units.")
    return organization, rows, roots


def _within(rows, roots, unit_id: int) -> bool:
    row = rows.get(unit_id)
    while row is not None:
        if row.id in roots:
            return True
        row = rows.get(row.parent_id)
    return False


def _filtered(request, rows, roots):
    """The rows the page lists: the whole scope as a tree, or flat and sorted."""
    division = request.GET.get("within", "")
    if division.isdigit() and _within(rows, roots, int(division)):
        roots = [int(division)]
    sort = request.GET.get("sort", "")
    listed = subtree_rows(rows, roots)
    if sort in SORTS:
        listed = sorted((r for r in listed if r.has_data), key=SORTS[sort][1])
    return roots, sort if sort in SORTS else "", listed


@require_GET
@login_required
def org_dashboard(request):
    organization, rows, roots = _scope(request)
    roots, sort, listed = _filtered(request, rows, roots)
    top = [rows[uid] for uid in roots]
    # The tree opens one level deep: the divisions are what an executive scans first.
    opened = [row for root in top for row in (root, *root.children)]
    context = {
        "organization": organization,
        "top": top,
        "rows": listed if sort else opened,
        "expanded": {root.id for root in top},
        "sort": sort,
        "sorts": {key: label for key, (label, _) in SORTS.items()},
        "divisions": [r for r in subtree_rows(rows, scope_root_ids(request.user, rows)) if r.children],
        "within": request.GET.get("within", ""),
        "approximate": any(r.approximate for r in top),
        "threshold": organization.min_group_size,
        "situations": SITUATIONS,
    }
    template = "dashboards/org.html#table" if request.htmx else "dashboards/org.html"
    return render(request, template, context)


@require_GET
@login_required
def org_dashboard_children(request, unit_id: int):
    organization, rows, roots = _scope(request)
    if not _within(rows, roots, unit_id):
        raise Http404("Not in your part of the organization")
    parent = rows[unit_id]
    context = {"rows": parent.children, "parent": parent, "threshold": organization.min_group_size}
    template = "dashboards/org.html#children" if request.htmx else "dashboards/org_children.html"
    return render(request, template, context)


@require_GET
@login_required
def org_dashboard_csv(request):
    organization, rows, roots = _scope(request)
    roots, sort, listed = _filtered(request, rows, roots)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="alignment-{organization.slug}-{stamp}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "unit",
            "kind",
            "path",
            "respondents",
            "response_rate_pct",
            "alignment",
            "agreement",
            "change_since_last_round",
            "situation",
        ]
    )

    def fmt(value, digits=1):
        return "" if value is None else f"{value:.{digits}f}"

    for row in listed:
        shown = row.visible
        writer.writerow(
            [
                row.name,
                row.kind,
                " / ".join(row.path),
                row.respondents
                if shown
                else f"fewer than {organization.min_group_size}"
                if row.has_data
                else 0,
                fmt(row.response_rate * 100 if row.response_rate is not None else None, 0),
                fmt(row.alignment),
                fmt(row.agreement),
                fmt(row.change),
                row.situation.title if row.situation else "",
            ]
        )
    return response


@require_GET
@login_required
def team_dashboard(request, unit_id: int):
    unit = get_unit_or_404(request.user, unit_id)
    if not can_view_subtree(request.user, unit):
        raise PermissionDenied(
            "The team dashboard is for the unit's leaders, the leaders above it and executives."
        )
    organization = unit.organization
    rows = org_figures(organization)
    row = rows[unit.pk]
    threshold = organization.min_group_size
    summaries = list(
        RoundSummary.objects.filter(unit=unit, is_final=True)
        .select_related("round__purpose_statement")
        .order_by("closes_at")
    )
    latest = summaries[-1] if summaries else None
    # The latest and the previous round feed the org view's figures and change
    # arrows, so they follow its organization-wide decisions (no differencing);
    # older rounds feed no other figure and show when they reach the threshold.
    latest_visible = latest is not None and row.visible and not row.children
    previous_visible = len(summaries) > 1 and row.previous_visible and not row.children
    shown = [s for s in summaries[:-2] if s.respondents >= threshold]
    shown += [summaries[-2]] if previous_visible else []
    shown += [latest] if latest_visible else []
    points = [
        Point(
            s.closes_at.strftime("%d %b"),
            s.alignment if s in shown else None,
            f"v{s.round.purpose_statement.version}",
        )
        for s in summaries[-12:]
    ]
    verbatim_ok = latest_visible and latest.respondents >= organization.min_verbatim_size
    verbatims, questions = [], []
    if verbatim_ok:
        from surveys.models import Response

        answers = list(
            Response.objects.filter(round=latest.round).values_list("purpose_text", "question_for_leader")
        )
        random.SystemRandom().shuffle(answers)
        verbatims = [text for text, _ in answers if text.strip()]
        questions = [q for _, q in answers if q.strip()]
    ideas = []
    if latest_visible:
        ideas = sorted(zip(latest.ideas, latest.idea_shares, strict=False), key=lambda pair: -pair[1])
    context = {
        "unit": unit,
        "row": row,
        "latest": latest if latest_visible else None,
        "latest_hidden": latest is not None and not latest_visible,
        "has_children": bool(row.children),
        "summaries": summaries,
        "shown_ids": {s.pk for s in shown},
        "trend": trend_chart(points, title=f"Alignment of {unit.name} over time") if summaries else None,
        "spread": histogram(latest.scores, title="Spread of answers") if latest_visible else None,
        "situation": _situation(latest) if latest_visible else None,
        "ideas": ideas,
        "verbatims": verbatims,
        "questions": questions,
        "verbatim_ok": verbatim_ok,
        "threshold": threshold,
        "verbatim_threshold": organization.min_verbatim_size,
        "agree_items": _agree_items(latest) if latest_visible else [],
    }
    return render(request, "dashboards/team.html", context)


def _situation(summary):
    return (
        next((s for s in SITUATIONS.values() if s.code == summary.situation), None)
        if summary.situation
        else None
    )


def _agree_items(summary):
    from surveys.models import AGREE_FIELDS, agree_label

    return [
        (agree_label(field), mean)
        for field, mean in zip(AGREE_FIELDS, summary.agree_means or [], strict=False)
    ]


@require_GET
@login_required
def cascade_view(request):
    """How each unit's purpose connects to its parent's, weakest links first."""
    organization, rows, roots = _scope(request)
    in_scope = {row.id for row in subtree_rows(rows, roots)}
    statements = purpose_current_many(in_scope | {rows[uid].parent_id for uid in in_scope})
    links = []
    for uid in in_scope:
        row, statement = rows[uid], statements.get(uid)
        parent_statement = statements.get(row.parent_id)
        if statement is None or parent_statement is None:
            continue
        links.append(
            {
                "row": row,
                "parent": rows.get(row.parent_id),
                "statement": statement,
                "parent_statement": parent_statement,
            }
        )
    links.sort(
        key=lambda link: (link["statement"].cascade_score is None, link["statement"].cascade_score or 0)
    )
    return render(request, "dashboards/cascade.html", {"organization": organization, "links": links})
