"""Reads of purpose statements. The statement in force is read here and nowhere else."""

from collections.abc import Iterable

from django.db.models import OuterRef, QuerySet, Subquery

from alignment import split_ideas
from purpose.models import PurposeStatement
from teams.models import Unit


def statement_in_force(unit: Unit | int | None) -> PurposeStatement | None:
    """The unit's latest version: what members are asked about and compared with."""
    if unit is None:
        return None
    unit_id = unit if isinstance(unit, int) else unit.pk
    return PurposeStatement.objects.filter(unit_id=unit_id).order_by("-version").first()


def statements_in_force(unit_ids: Iterable[int]) -> dict[int, PurposeStatement]:
    """The statement in force of each of many units, in one query."""
    latest = (
        PurposeStatement.objects.filter(unit_id=OuterRef("unit_id")).order_by("-version").values("pk")[:1]
    )
    statements = PurposeStatement.objects.filter(unit_id__in=list(unit_ids), pk=Subquery(latest))
    return {s.unit_id: s for s in statements.select_related("unit")}


def with_statement_in_force(units: QuerySet) -> QuerySet:
    """Units annotated with the purpose text and version in force (for lists of units)."""
    latest = PurposeStatement.objects.filter(unit=OuterRef("pk")).order_by("-version")
    return units.annotate(
        current_purpose=Subquery(latest.values("purpose")[:1]),
        current_version=Subquery(latest.values("version")[:1]),
    )


def statement_ideas(statement: PurposeStatement) -> list[str]:
    """The ideas the leader confirmed, else those the engine proposes."""
    return list(statement.key_ideas) or split_ideas(statement.purpose)


def statement_versions(unit: Unit) -> QuerySet:
    return PurposeStatement.objects.filter(unit=unit).select_related("author").order_by("-version")
