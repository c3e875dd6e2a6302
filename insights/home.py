"""The home page's figures: each person's units and pulses, and the organization at a glance."""

from django.utils import timezone

from insights.dashboard import org_figures, scope_root_ids
from insights.talk import follow_through
from purpose.selectors import with_statement_in_force
from surveys.selectors import open_invitations_for_user, pulse_overview, sees_exact_counts
from teams.access import can_manage_unit
from teams.models import Unit
from teams.selectors import units_with_people, user_units


def home_context(user) -> dict:
    my_units = list(with_statement_in_force(units_with_people(user_units(user))))
    pulses = pulse_overview([unit for unit in my_units if unit.led])
    open_pulses = list(open_invitations_for_user(user))
    # Members see the leader's words only after answering: not on the home page either.
    unanswered = {i.round.unit_id for i in open_pulses if i.answered_at is None}
    for unit in my_units:
        unit.can_edit = can_manage_unit(user, unit)
        unit.pulse = pulses.get(unit.pk)
        if unit.pulse and unit.pulse["rate"] and not sees_exact_counts(user, unit):
            unit.pulse["rate"] = None  # the same rule as the unit's pulses page
        unit.purpose_after_answer = unit.pk in unanswered and not unit.led
    context = {"my_units": my_units, "open_pulses": open_pulses}
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
    units = Unit.objects.filter(organization_id=user.organization_id).values("id")  # all of `rows`
    glance = {"follow_through": follow_through(units, today=timezone.localdate())}
    roots = [rows[uid] for uid in scope_root_ids(user, rows)]
    divisions = [child for root in roots for child in root.children if child.alignment is not None]
    return glance | {
        "org_row": roots[0] if len(roots) == 1 else None,
        "lowest": min(divisions, key=lambda r: r.alignment, default=None),
        "highest": max(divisions, key=lambda r: r.alignment, default=None),
        "biggest_drop": min(
            (d for d in divisions if d.change is not None), key=lambda r: r.change, default=None
        ),
    }
