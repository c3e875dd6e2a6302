from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from purpose.services import purpose_current
from surveys.access import can_view_pulses
from surveys.selectors import open_invitations_for_user, pulse_overview
from teams.access import can_edit_purpose, get_unit_or_404, org_units
from teams.selectors import unit_people, units_with_summary, user_units


@require_GET
@login_required
def home(request):
    user = request.user
    my_units = list(units_with_summary(user_units(user)))
    pulses = pulse_overview([unit for unit in my_units if unit.led])
    for unit in my_units:
        unit.can_edit = can_edit_purpose(user, unit)
        unit.pulse = pulses.get(unit.pk)
    context = {"my_units": my_units, "open_pulses": list(open_invitations_for_user(user))}
    if user.sees_dashboards and user.organization_id:
        context.update(_alignment_glance(user, my_units))
    return render(request, "teams/home.html", context)


def _alignment_glance(user, my_units) -> dict:
    """The organization at a glance for executives; the last result of each unit a leader leads."""
    from purpose.dashboard import org_figures, scope_root_ids

    rows = org_figures(user.organization)
    for unit in my_units:
        unit.result = rows.get(unit.pk) if unit.led else None
    if not user.is_executive:
        return {}
    roots = [rows[uid] for uid in scope_root_ids(user, rows)]
    divisions = [child for root in roots for child in root.children if child.alignment is not None]
    return {
        "org_row": roots[0] if len(roots) == 1 else None,
        "lowest": min(divisions, key=lambda r: r.alignment, default=None),
        "highest": max(divisions, key=lambda r: r.alignment, default=None),
        "biggest_drop": min(
            (d for d in divisions if d.change is not None), key=lambda r: r.change, default=None
        ),
    }


@require_GET
@login_required
def org_chart(request):
    roots = units_with_summary(org_units(request.user).filter(parent__isnull=True))
    return render(
        request, "teams/org_chart.html", {"units": roots, "organization": request.user.organization}
    )


@require_GET
@login_required
def org_chart_children(request, unit_id: int):
    unit = get_unit_or_404(request.user, unit_id)
    children = units_with_summary(org_units(request.user).filter(parent=unit))
    template = "teams/org_chart.html#children" if request.htmx else "teams/org_chart.html"
    return render(request, template, {"parent_unit": unit, "units": children})


@require_GET
@login_required
def unit_detail(request, unit_id: int):
    unit = get_unit_or_404(request.user, unit_id)
    context = {
        "unit": unit,
        "ancestors": unit.ancestors(),
        "children": units_with_summary(unit.children.all()),
        "people": unit_people(unit),
        "current": purpose_current(unit),
        "parent_purpose": purpose_current(unit.parent) if unit.parent else None,
        "can_edit": can_edit_purpose(request.user, unit),
        "can_view_pulses": can_view_pulses(request.user, unit),
    }
    return render(request, "teams/unit_detail.html", context)
