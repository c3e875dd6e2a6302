"""Writing purpose statements: every save is a new version plus an audit row."""

from django.db import IntegrityError, transaction

from purpose.models import PurposeStatement
from purpose.selectors import statement_in_force
from purpose.signals import statement_saved
from teams.models import Unit, User
from teams.services import audit_record


class StaleEdit(Exception):
    """Someone saved a newer version after the editor was opened."""

    def __init__(self, current: PurposeStatement):
        super().__init__(f"version {current.version} was saved meanwhile")
        self.current = current


def purpose_update(
    *,
    unit: Unit,
    purpose: str,
    fit: str,
    author: User | None,
    base_version: int,
    key_ideas: list[str] | None = None,
    shaped_from: list[str] | None = None,
) -> PurposeStatement:
    """Save a new version, unless the editor was opened on an older one.

    `base_version` is the version the author was looking at (0 for none). The
    unit row lock serializes concurrent saves on PostgreSQL; the unique
    (unit, version) constraint is the last line on any backend.
    """
    try:
        with transaction.atomic():
            Unit.objects.select_for_update().filter(pk=unit.pk).first()
            current = statement_in_force(unit)
            current_version = current.version if current else 0
            if current_version != base_version:
                raise StaleEdit(current)
            statement = PurposeStatement.objects.create(
                unit=unit,
                version=current_version + 1,
                purpose=purpose,
                fit=fit,
                key_ideas=key_ideas or [],
                author=author,
                shaped_from=shaped_from or [],
            )
            audit_record(
                organization=unit.organization,
                actor=author,
                action="purpose.edit",
                unit=unit,
                version=statement.version,
                shaped_with_suggestions=bool(shaped_from),
            )
            unit_id = unit.pk

            def announce() -> None:
                statement_saved.send(sender=PurposeStatement, unit_id=unit_id)

            transaction.on_commit(announce, robust=True)
            return statement
    except IntegrityError:
        raise StaleEdit(statement_in_force(unit)) from None
