"""What a team decided to do after talking a result through, and the record that it did talk.

Actions belong to the unit and stay on its pages until done; the next pulse
opens with them (surveys.since). Owners are the unit's people, any role.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from surveys.models import PulseRound, ResultsTalk, TeamAction
from teams.models import Membership, Unit, User
from teams.services import audit_record

TITLE_MAX_LENGTH = TeamAction._meta.get_field("title").max_length


class ActionRefused(Exception):
    """The action can't be saved; the message says why, for the leader."""


def possible_owners(unit: Unit) -> QuerySet:
    """Who may own an action of the unit: its active people, leaders and members."""
    return User.objects.filter(
        Exists(Membership.objects.filter(unit=unit, user=OuterRef("pk"))), is_active=True
    ).order_by("name", "email")


@dataclass(frozen=True)
class ActionDraft:
    title: str
    owner_id: int | None
    due_on: date | None
    ideas: list[str]  # key ideas of the round's reading, checked by the caller that read them


def action_add(
    *,
    unit: Unit,
    pulse_round: PulseRound | None,
    draft: ActionDraft,
    acting_user: User,
    today: date | None = None,
) -> TeamAction:
    today = today or timezone.localdate()
    title = " ".join(draft.title.split())
    problems = []
    if not title:
        problems.append("Say what the team will do.")
    elif len(title) > TITLE_MAX_LENGTH:
        problems.append(f"Keep the action under {TITLE_MAX_LENGTH} characters.")
    if draft.owner_id is None or not possible_owners(unit).filter(pk=draft.owner_id).exists():
        problems.append(f"Choose an owner from the people of {unit.name}.")
    if draft.due_on is None:
        problems.append("Give a due date.")
    elif draft.due_on < today:
        problems.append("The due date has passed: choose today or a later day.")
    if pulse_round is not None and pulse_round.unit_id != unit.pk:
        problems.append("That pulse is not this team's.")
    if problems:
        raise ActionRefused(" ".join(problems))
    with transaction.atomic():
        action = TeamAction.objects.create(
            unit=unit,
            round=pulse_round,
            title=title,
            owner_id=draft.owner_id,
            due_on=draft.due_on,
            ideas=list(draft.ideas),
            created_by=acting_user,
        )
        audit_record(
            organization=unit.organization,
            actor=acting_user,
            action="action.add",
            unit=unit,
            team_action=action.pk,
        )
    return action


def can_update_action(user: User, action: TeamAction, *, manages: bool) -> bool:
    """The unit's managers and the action's owner may move it on."""
    return manages or (user.is_authenticated and action.owner_id == user.pk)


def action_set_status(
    *, action: TeamAction, status: str, acting_user: User, now: datetime | None = None
) -> bool:
    """Move an action to open, done or dropped; False when it already was."""
    if status not in TeamAction.Status.values:
        raise ActionRefused("Choose open, done or dropped.")
    now = now or timezone.now()
    with transaction.atomic():
        changed = (
            TeamAction.objects.filter(pk=action.pk)
            .exclude(status=status)
            .update(status=status, done_at=now if status == TeamAction.Status.DONE else None)
        )
        if changed:
            audit_record(
                organization=action.unit.organization,
                actor=acting_user,
                action=f"action.{status}",
                unit=action.unit,
                team_action=action.pk,
            )
    return bool(changed)


def talk_record(*, pulse_round: PulseRound, held_on: date, acting_user: User) -> ResultsTalk:
    """The team talked this round's result through on `held_on` (recorded again: the day moves)."""
    if pulse_round.status != PulseRound.Status.CLOSED:
        raise ActionRefused("A result is talked through once its pulse has closed.")
    if held_on < pulse_round.closes_at.date() or held_on > timezone.localdate():
        raise ActionRefused("Give the day of the meeting: after the pulse closed, and not in the future.")
    with transaction.atomic():
        talk, _ = ResultsTalk.objects.update_or_create(
            round=pulse_round, defaults={"held_on": held_on, "recorded_by": acting_user}
        )
        audit_record(
            organization=pulse_round.unit.organization,
            actor=acting_user,
            action="results.talked",
            unit=pulse_round.unit,
            round=pulse_round.pk,
        )
    return talk


def unit_actions(unit: Unit) -> QuerySet:
    return TeamAction.objects.filter(unit=unit).select_related("owner", "round")


def open_actions(unit: Unit) -> QuerySet:
    return unit_actions(unit).filter(status=TeamAction.Status.OPEN)


def actions_since(unit: Unit, since: datetime | None) -> list[TeamAction]:
    """For the start of a pulse: what is still open, and what was done since `since`."""
    actions = unit_actions(unit)
    done = actions.filter(status=TeamAction.Status.DONE)
    if since is not None:
        done = done.filter(done_at__gte=since)
    return list(actions.filter(status=TeamAction.Status.OPEN)) + list(done.order_by("-done_at"))


def actions_due_for_reminder(*, today: date, days_before: int) -> QuerySet:
    """Open actions due within `days_before` days (or overdue) whose owner hasn't been reminded."""
    return TeamAction.objects.filter(
        status=TeamAction.Status.OPEN,
        reminded_at__isnull=True,
        owner__isnull=False,
        owner__is_active=True,
        due_on__lte=today + timedelta(days=days_before),
    )


def action_reminder_claim(*, action_id: int, now: datetime) -> bool:
    """Take the reminder of one action: a sort of optimistic lock, so it is sent at most once."""
    return bool(TeamAction.objects.filter(pk=action_id, reminded_at__isnull=True).update(reminded_at=now))


def action_reminder_release(*, action_id: int, now: datetime) -> None:
    """The send failed: give the claim back so the next sweep tries again."""
    TeamAction.objects.filter(pk=action_id, reminded_at=now).update(reminded_at=None)
