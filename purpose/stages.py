"""The team's stage in the cycle of collective leadership (get ready, plan, implement, sustain).

Set by the unit's leader with a line on where the team stands; every setting is
kept (the latest is in force), so the unit page can show how the team moved.
"""

from django.db import transaction
from django.db.models import Case, CharField, OuterRef, Subquery, Value, When

from purpose.models import TeamStage
from teams.models import Unit, User
from teams.services import audit_record

STAGE_HELP = {
    TeamStage.Stage.GET_READY: "Getting to know why the team exists and who relies on it.",
    TeamStage.Stage.PLAN: "Agreeing what the team will do together and who takes what on.",
    TeamStage.Stage.IMPLEMENT: "Doing what was agreed, and checking whether it works.",
    TeamStage.Stage.SUSTAIN: "Keeping what works going, and passing it on to new people.",
}


def stage_set(*, unit: Unit, stage: str, note: str, acting_user: User) -> TeamStage:
    """Record where the team stands now, with its audit row in the same transaction."""
    with transaction.atomic():
        row = TeamStage.objects.create(unit=unit, stage=stage, note=note.strip(), set_by=acting_user)
        audit_record(
            organization=unit.organization, actor=acting_user, action="purpose.stage", unit=unit, stage=stage
        )
    return row


def stage_in_force(unit: Unit | int | None) -> TeamStage | None:
    if unit is None:
        return None
    unit_id = unit if isinstance(unit, int) else unit.pk
    return TeamStage.objects.filter(unit_id=unit_id).select_related("set_by").first()


def stage_history(unit: Unit):
    return TeamStage.objects.filter(unit=unit).select_related("set_by")


def with_stage_in_force(units):
    """Units annotated with `team_stage`, its label and `team_stage_note` (None where never set)."""
    latest = TeamStage.objects.filter(unit_id=OuterRef("pk")).order_by("-set_at", "-pk")
    labels = [When(team_stage=value, then=Value(str(label))) for value, label in TeamStage.Stage.choices]
    return units.annotate(
        team_stage=Subquery(latest.values("stage")[:1]), team_stage_note=Subquery(latest.values("note")[:1])
    ).annotate(team_stage_label=Case(*labels, default=Value(""), output_field=CharField()))
