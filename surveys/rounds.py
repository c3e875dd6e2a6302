"""Opening, reminding and closing pulse rounds.

Every step is safe to run twice: the unique (unit, slot) constraint stops a
second round, (round, user) a second invitation, and conditional updates
claim each reminder batch and each close exactly once.
"""

import random
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from purpose.models import PurposeStatement
from purpose.selectors import statement_in_force
from surveys.emails import queue_invitation_emails, queue_reminder_emails
from surveys.models import Invitation, PulseRound, PulseSchedule, Response, link_token_hash
from surveys.scheduling import schedule_advance
from surveys.selectors import schedule_in_force
from surveys.signals import round_closed
from teams.models import Membership, Unit, User
from teams.services import audit_record

# Used by "send a pulse now" when neither the unit nor the organization has a schedule.
DEFAULT_OPEN_DAYS = 5
DEFAULT_REMIND_AFTER_DAYS = 2
INSERT_BATCH = 5000  # invitations per INSERT where there is no COPY (SQLite)
# What an invitation is born with, in the order _invitations_insert writes it; every other
# column starts empty (NULL).
INVITATION_COPY_FIELDS = ("round", "user", "token_hash", "queued_at", "withdrawn_reason")
# Closing stores a round's answers again in an order nobody can predict or replay.
# Tests swap in a fixed order to check the stored order against it.
ORDER_RNG = random.SystemRandom()
REWRITE_BATCH = 500  # answers rewritten per DELETE and INSERT; within SQLite's limit on parameters


class RoundBlocked(Exception):
    """A round can't open now; the message says why, for the leader."""


def _active_member_ids(unit_id: int) -> QuerySet:
    # Leaders are not asked: their statement is what answers are compared with.
    return Membership.objects.filter(
        unit_id=unit_id, role=Membership.Role.MEMBER, user__is_active=True
    ).values_list("user_id", flat=True)


def round_blockers(unit: Unit) -> list[str]:
    """Why this unit gets no pulse, in words for its leader (empty when it can get one)."""
    reasons = []
    if not PurposeStatement.objects.filter(unit=unit).exists():
        reasons.append(
            f"{unit.name} has no purpose written yet. Members' answers are compared with it, "
            "so no pulse opens until there is one."
        )
    if not _active_member_ids(unit.pk).exists():
        reasons.append(
            f"{unit.name} has no members to ask. Leaders are not asked: their statement is the reference."
        )
    return reasons


def round_open(
    *,
    unit: Unit,
    scheduled_for: datetime,
    closes_at: datetime,
    remind_at: datetime | None,
    trigger: str = PulseRound.Trigger.SCHEDULE,
    started_by: User | None = None,
    now: datetime | None = None,
) -> PulseRound | None:
    """Open the round for this slot and invite every active member, in one transaction.

    Returns None, changing nothing, when the unit can't have a round (no
    purpose, no members) or already has one for this slot or open now. The
    emails are queued only once the invitations are committed.
    """
    now = now or timezone.now()
    with transaction.atomic():
        statement = statement_in_force(unit)
        member_ids = list(_active_member_ids(unit.pk))
        if statement is None or not member_ids:
            return None
        try:
            with transaction.atomic():  # a savepoint, so a clash leaves the outer transaction usable
                pulse_round = PulseRound.objects.create(
                    unit=unit,
                    purpose_statement=statement,
                    scheduled_for=scheduled_for,
                    trigger=trigger,
                    opens_at=now,
                    closes_at=closes_at,
                    remind_at=remind_at,
                    invited_count=len(member_ids),
                    started_by=started_by,
                )
        except IntegrityError:
            return None  # beat fired twice, a task was retried, or another round is open
        invitation_ids = _invitations_insert(round_id=pulse_round.pk, user_ids=member_ids, queued_at=now)

        def queue_emails() -> None:
            queue_invitation_emails(invitation_ids)

        transaction.on_commit(queue_emails, robust=True)
    return pulse_round


def _invitations_insert(*, round_id: int, user_ids: list[int], queued_at: datetime) -> list[int]:
    """Invite these people to the round, each with their link's token hash; return the invitations' ids.

    Opening a round for 100,000 people is mostly this insert, so on PostgreSQL the rows
    go in by one COPY (psycopg 3's cursor.copy), as plain tuples: no model instance per
    person, no parameters to bind; bulk_create took twice as long (bench/open_round.py).
    Elsewhere (SQLite, in dev mode) by bulk_create. The same rows either way.
    """
    if connection.vendor != "postgresql":
        return _invitations_bulk_create(round_id=round_id, user_ids=user_ids, queued_at=queued_at)
    meta = Invitation._meta
    fields = [meta.get_field(name) for name in INVITATION_COPY_FIELDS]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    table, key, round_column = quote(meta.db_table), quote(meta.pk.column), quote(fields[0].column)
    with connection.cursor() as cursor:
        # A row that fails to derive or to write aborts the COPY, and with it the round.
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for user_id in user_ids:
                copy.write_row((round_id, user_id, link_token_hash(round_id, user_id), queued_at, ""))
        # The round is new and not yet committed: every invitation it has is one just written.
        cursor.execute(f"SELECT {key} FROM {table} WHERE {round_column} = %s", [round_id])
        return [row[0] for row in cursor.fetchall()]


def _invitations_bulk_create(*, round_id: int, user_ids: list[int], queued_at: datetime) -> list[int]:
    invitations = Invitation.objects.bulk_create(
        (
            Invitation(
                round_id=round_id,
                user_id=user_id,
                token_hash=link_token_hash(round_id, user_id),
                queued_at=queued_at,
            )
            for user_id in user_ids
        ),
        batch_size=INSERT_BATCH,
    )
    return [invitation.pk for invitation in invitations]


def _eligible_units(schedule: PulseSchedule) -> QuerySet:
    units = Unit.objects.filter(organization_id=schedule.organization_id).select_related("organization")
    units = (
        units.filter(pk=schedule.unit_id) if schedule.unit_id else units.filter(pulse_schedule__isnull=True)
    )
    return units.filter(
        Exists(PurposeStatement.objects.filter(unit=OuterRef("pk"))),
        Exists(
            Membership.objects.filter(unit=OuterRef("pk"), role=Membership.Role.MEMBER, user__is_active=True)
        ),
    )


def schedule_open_slot(*, schedule: PulseSchedule, now: datetime) -> int:
    """Open the schedule's due slot for every unit that follows it, then move the schedule on."""
    slot = schedule.next_slot_at
    closes_at = slot + timedelta(days=schedule.open_days)
    opened = 0
    # A slot missed entirely (beat was down past its closing time) is skipped, not opened late.
    if now < closes_at:
        remind_at = slot + timedelta(days=schedule.remind_after_days) if schedule.remind_after_days else None
        for unit in _eligible_units(schedule):
            if round_open(unit=unit, scheduled_for=slot, closes_at=closes_at, remind_at=remind_at, now=now):
                opened += 1
    # Advanced last: if this run dies midway, the next beat redoes the slot and
    # the unique (unit, slot) constraint skips the units already done.
    schedule_advance(schedule=schedule, slot=slot)
    return opened


def rounds_open_due(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    due = PulseSchedule.objects.filter(is_active=True, next_slot_at__lte=now).select_related("organization")
    return sum(schedule_open_slot(schedule=schedule, now=now) for schedule in due)


def round_send_now(*, unit: Unit, acting_user: User, now: datetime | None = None) -> PulseRound:
    """A leader's "send a pulse now": same rules as a scheduled round, timed from now."""
    now = now or timezone.now()
    current = PulseRound.objects.filter(unit=unit, status=PulseRound.Status.OPEN).first()
    if current is not None:
        raise RoundBlocked("A pulse is already open for this team; it closes before a new one can start.")
    blockers = round_blockers(unit)
    if blockers:
        raise RoundBlocked(" ".join(blockers))
    schedule = schedule_in_force(unit)
    open_days = schedule.open_days if schedule else DEFAULT_OPEN_DAYS
    remind_days = schedule.remind_after_days if schedule else DEFAULT_REMIND_AFTER_DAYS
    with transaction.atomic():
        pulse_round = round_open(
            unit=unit,
            scheduled_for=now,
            closes_at=now + timedelta(days=open_days),
            remind_at=now + timedelta(days=remind_days) if remind_days else None,
            trigger=PulseRound.Trigger.MANUAL,
            started_by=acting_user,
            now=now,
        )
        if pulse_round is None:  # a double click or a colleague got there first
            raise RoundBlocked("A pulse is already open for this team; it closes before a new one can start.")
        audit_record(
            organization=unit.organization,
            actor=acting_user,
            action="pulse.send_now",
            unit=unit,
            round=pulse_round.pk,
            invited=pulse_round.invited_count,
        )
    return pulse_round


def round_close(*, round_id: int, now: datetime | None = None) -> bool:
    """Close a round and cut every tie between people and their answers, in one transaction.

    Insights stores its own rows of the round anew before it sums the round up.
    """
    now = now or timezone.now()
    with transaction.atomic():
        closed = PulseRound.objects.filter(pk=round_id, status=PulseRound.Status.OPEN).update(
            status=PulseRound.Status.CLOSED, closed_at=now
        )
        if not closed:
            return False  # already closed by another run
        # Who answered is still counted (from the responses); when each person did is not kept.
        Invitation.objects.filter(round_id=round_id, answered_at__isnull=False).update(answered_at=None)
        round_responses_shuffle(round_id=round_id)

        def announce() -> None:
            round_closed.send(sender=PulseRound, round_id=round_id)

        transaction.on_commit(announce, robust=True)
    return True


def round_responses_shuffle(*, round_id: int) -> None:
    """Write a closed round's answers again, unlinked, in random order, each as a first revision.

    Left as they are, rows keep the order and the place they were written in (the
    table's order, PostgreSQL's ctid, SQLite's rowid), which is the order people
    answered, and a revision count is a fact about its author. The random UUID
    keys carry no order and are kept, so insights' rows still point at them.

    Run by the close, and by insights each time it sums up a closed round: an
    answer still waiting at the close is scored after it, and clearing its flag
    moves and dates its row, setting the late answers apart.
    """
    with transaction.atomic():
        # Locked so a scoring write in flight lands first and its cleared flag is carried over.
        # Only a closed round's: an open round's answers are still their authors' to revise.
        ids = list(
            Response.objects.filter(round_id=round_id, round__status=PulseRound.Status.CLOSED)
            .select_for_update(of=("self",))
            .order_by()
            .values_list("pk", flat=True)
        )
        ORDER_RNG.shuffle(ids)
        for start in range(0, len(ids), REWRITE_BATCH):
            batch = ids[start : start + REWRITE_BATCH]
            rows = Response.objects.in_bulk(batch)
            _responses_delete_keeping_dependents(batch)
            Response.objects.bulk_create([_unlinked_first_revision(rows[pk]) for pk in batch])


def _unlinked_first_revision(response: Response) -> Response:
    response.invitation = None
    response.revision = 1
    return response


def _responses_delete_keeping_dependents(ids: list) -> None:
    """DELETE without Django's cascade, which would take insights' scores and marks with the rows.

    The foreign keys to responses are DEFERRABLE INITIALLY DEFERRED: they are
    checked at commit, by which time every key is back.
    """
    key = Response._meta.pk
    table, column = connection.ops.quote_name(Response._meta.db_table), connection.ops.quote_name(key.column)
    params = [key.get_db_prep_value(pk, connection) for pk in ids]
    placeholders = ", ".join(["%s"] * len(params))
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({placeholders})", params)


def rounds_close_due(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    due = PulseRound.objects.filter(status=PulseRound.Status.OPEN, closes_at__lte=now).values_list(
        "pk", flat=True
    )
    return sum(round_close(round_id=round_id, now=now) for round_id in list(due))


def _reminder_candidates(round_id: int) -> QuerySet:
    return Invitation.objects.filter(
        round_id=round_id,
        answered_at__isnull=True,
        reminded_at__isnull=True,
        sent_at__isnull=False,
        withdrawn_at__isnull=True,  # people who left get no reminder (surveys.leavers)
    )


def rounds_remind_due(*, now: datetime | None = None) -> int:
    """Queue one reminder for each member who hasn't answered, once per round."""
    now = now or timezone.now()
    due = PulseRound.objects.filter(
        status=PulseRound.Status.OPEN,
        remind_at__lte=now,
        closes_at__gt=now,
        reminders_queued_at__isnull=True,
    ).values_list("pk", flat=True)
    queued = 0
    for round_id in list(due):
        with transaction.atomic():
            # Claimed by a conditional update, so a second beat queues nothing.
            if not PulseRound.objects.filter(pk=round_id, reminders_queued_at__isnull=True).update(
                reminders_queued_at=now
            ):
                continue
            ids = list(_reminder_candidates(round_id).values_list("pk", flat=True))
            _reminder_candidates(round_id).update(queued_at=now)

            def queue_emails(ids=ids) -> None:
                queue_reminder_emails(ids)

            transaction.on_commit(queue_emails, robust=True)
            queued += len(ids)
    return queued
