"""Cascade: each unit's purpose scored against its parent's, whenever either changes."""

from alignment import cascade_score
from insights.models import CascadeScore
from purpose.engine import app_encoder
from purpose.models import PurposeStatement
from purpose.selectors import statements_in_force
from teams.models import Unit


def _store(child: PurposeStatement, parent: PurposeStatement, encoder) -> None:
    result = cascade_score(child.purpose, parent.purpose, encoder)
    CascadeScore.objects.update_or_create(
        statement=child,
        defaults={"score": result.score, "label": result.label, "parent_version": parent.version},
    )


def cascade_refresh(*, unit_id: int) -> int:
    """Score the unit's purpose against its parent's, and its children's against it.

    Returns how many links were scored. Idempotent: it only rewrites derived rows.
    """
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        return 0
    child_ids = list(Unit.objects.filter(parent_id=unit_id).values_list("pk", flat=True))
    links = [(unit.pk, unit.parent_id)] if unit.parent_id else []
    links += [(child_id, unit.pk) for child_id in child_ids]
    statements = statements_in_force({uid for link in links for uid in link})
    encoder = app_encoder()
    scored = 0
    for child_id, parent_id in links:
        child, parent = statements.get(child_id), statements.get(parent_id)
        if child is not None and parent is not None:
            _store(child, parent, encoder)
            scored += 1
    return scored


def cascade_refresh_org(*, organization_id: int) -> int:
    """Score every unit's purpose against its parent's (for seeding and repair)."""
    units = dict(Unit.objects.filter(organization_id=organization_id).values_list("pk", "parent_id"))
    statements = statements_in_force(units)
    encoder = app_encoder()
    scored = 0
    for unit_id, statement in statements.items():
        parent = statements.get(units[unit_id])
        if parent is not None:
            _store(statement, parent, encoder)
            scored += 1
    return scored


def cascade_missing(*, organization_id: int) -> bool:
    """True when no purpose of the organization has a cascade score yet."""
    return not CascadeScore.objects.filter(statement__unit__organization_id=organization_id).exists()


def cascade_links(rows: dict, listed: list) -> list[dict]:
    """Each listed unit's purpose with its parent's and their cascade score, weakest first."""
    in_scope = [row.id for row in listed]
    statements = statements_in_force({*in_scope, *(rows[uid].parent_id for uid in in_scope)})
    scores = CascadeScore.objects.in_bulk([s.pk for s in statements.values()])
    links = []
    for uid in in_scope:
        statement, parent_statement = statements.get(uid), statements.get(rows[uid].parent_id)
        if statement is None or parent_statement is None:
            continue
        links.append(
            {
                "row": rows[uid],
                "parent": rows.get(rows[uid].parent_id),
                "statement": statement,
                "parent_statement": parent_statement,
                "cascade": scores.get(statement.pk),
            }
        )
    links.sort(key=lambda link: (link["cascade"] is None, link["cascade"].score if link["cascade"] else 0))
    return links
