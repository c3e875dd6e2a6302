"""The home page's figures: each person's units and pulses, and the organization at a glance."""

from insights.dashboard import org_figures, scope_root_ids
from purpose.selectors import with_statement_in_force
from surveys.selectors import open_invitations_for_user, pulse_overview
from teams.access import can_manage_unit
from teams.selectors import units_with_people, user_units


def home_context(user) -> dict:
    my_units = list(with_statement_in_force(units_with_people(user_units(user))))
    pulses = pulse_overview([unit for unit in my_units if unit.led])
    for unit in my_units:
        unit.can_edit = can_manage_unit(user, unit)
        unit.pulse = pulses.get(unit.pk)
    context = {"my_units": my_units, "open_pulses": list(open_invitations_for_user(user))}
    if user.sees_dashboards and user.organization_id:
        context.update(_alignment_glance(user, my_units))
    return context


def _alignment_glance(user, my_units) -> dict:
    """The organization at a glance for executives; the last result of each unit a leader leads."""
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
