"""A member answers, or revises, a pulse. Saved in the request itself: nothing here needs the broker."""

from datetime import UTC, datetime
from functools import cache

from django.db import connection, transaction
from django.utils import timezone

from surveys.models import Invitation, PulseRound, Response
from surveys.prepared import prepared_cursor
from surveys.selectors import invitee_is_member
from surveys.signals import answer_saved

ANSWER_FIELDS = (
    "purpose_text",
    "fit_text",
    "understands_purpose",
    "sees_contribution",
    "shapes_direction",
    "question_for_leader",
    "purpose_proposal",
)


class PulseClosed(Exception):
    def __init__(self, pulse_round: PulseRound):
        super().__init__(f"round {pulse_round.pk} is closed")
        self.round = pulse_round


class StaleAnswer(Exception):
    """The form was opened on another revision than the one saved: the answer was changed
    (another tab, another device) after it was opened, or, with `response` None, the form
    names a revision of an answer that was never saved."""

    def __init__(self, response: Response | None, *, seen_revision: int):
        saved = response.revision if response is not None else 0
        super().__init__(f"the form was opened on revision {seen_revision}; revision {saved} is saved")
        self.response = response

    @property
    def revision(self) -> int:
        """The revision saved now: what the next send must name."""
        return self.response.revision if self.response is not None else 0


class InviteeLeft(Exception):
    """The invitee left the round's team, or their account was deactivated, after being invited."""

    def __init__(self, invitation: Invitation):
        super().__init__(f"invitation {invitation.pk}: the invitee is no longer an active member")
        self.invitation = invitation


def response_for(invitation: Invitation) -> Response | None:
    """The invitee's answer so far; no query when it was read with the invitation
    (surveys.selectors.invitation_by_token)."""
    try:
        return invitation.response
    except Response.DoesNotExist:
        return None


# The stand-ins the statements below are built with, once per process (every answer runs
# them, and building them through the ORM cost more than running them); each call puts its
# own values in their place.
_ROUND, _INVITATION, _NOW = -101, -102, datetime(1901, 1, 1, tzinfo=UTC)


@cache
def _mark_answered_sql() -> tuple[str, tuple]:
    """The statement that marks the invitation answered if its round is open and its invitee
    may still answer, returning the row's `answered_at` (no row: refused).

    One statement, because every answer runs it. Its sub-select takes the round row
    FOR SHARE before the invitation's row is touched (the order the close takes them
    in): answers to one round share that lock, so they don't wait for each other,
    while the close's UPDATE of the row waits for the answers in flight, and an answer
    that waited for the close finds the round closed. The invitation's row lock orders
    one person's sends (two tabs, a double click). Both last until the transaction
    ends; a refused send rolls the mark back. SQLite (the embedded mode) writes one
    transaction at a time and takes no row locks. The first answer's time is kept, so
    `answered_at` is `now` only for a first answer.
    """
    open_round = PulseRound.objects.filter(pk=_ROUND, status=PulseRound.Status.OPEN, closes_at__gt=_NOW)
    round_sql, round_params = open_round.order_by().values("pk").query.sql_with_params()
    if connection.features.has_select_for_update:
        round_sql += " FOR SHARE"
    may_answer = Invitation.objects.filter(invitee_is_member(), pk=_INVITATION).order_by().values("pk")
    member_sql, member_params = may_answer.query.sql_with_params()
    table = connection.ops.quote_name(Invitation._meta.db_table)
    column = connection.ops.quote_name("answered_at")
    sql = (
        f"UPDATE {table} SET {column} = COALESCE({column}, %s) "
        f"WHERE EXISTS ({round_sql}) AND {connection.ops.quote_name('id')} IN ({member_sql}) "
        f"RETURNING {column}"
    )
    return sql, (connection.ops.adapt_datetimefield_value(_NOW), *round_params, *member_params)


def _mark_answered_params(invitation: Invitation, now: datetime) -> list:
    adapt = connection.ops.adapt_datetimefield_value
    values = {_ROUND: invitation.round_id, _INVITATION: invitation.pk, adapt(_NOW): adapt(now)}
    return [values.get(param, param) for param in _mark_answered_sql()[1]]


def _invitation_mark_answered(invitation: Invitation, now: datetime) -> bool | None:
    """Mark the invitation answered (`_mark_answered_sql`). Returns None when refused, else
    whether this is the person's first answer."""
    with prepared_cursor() as cursor:
        cursor.execute(_mark_answered_sql()[0], _mark_answered_params(invitation, now))
        row = cursor.fetchone()
    if row is None:
        return None
    answered_at = row[0]
    if isinstance(answered_at, str):  # SQLite hands back the text it stores
        return answered_at == connection.ops.adapt_datetimefield_value(now)
    return answered_at == now


@cache
def _first_answer_sql() -> str:
    """The mark above and the answer's INSERT in one statement: the INSERT happens only if the
    mark was taken and was the person's first (PostgreSQL; SQLite allows no UPDATE in WITH)."""
    table = connection.ops.quote_name(Response._meta.db_table)
    fields = Response._meta.concrete_fields
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    values = ", ".join(f"%s::{f.cast_db_type(connection)}" for f in fields)
    return (
        f"WITH marked AS ({_mark_answered_sql()[0]}) INSERT INTO {table} ({columns}) "
        f"SELECT {values} FROM marked WHERE marked.answered_at = %s"
    )


def _first_answer_saved(invitation: Invitation, answers: dict, now: datetime) -> Response | None:
    """A first answer, the common case, in one statement (`_first_answer_sql`). Outside a
    transaction it is a transaction of its own, two round trips fewer than BEGIN … COMMIT,
    and its locks are the mark's. None when nothing was saved (refused, or not a first
    answer): the whole path then decides, and says why."""
    if connection.vendor != "postgresql":
        return None
    response = Response(round_id=invitation.round_id, invitation=invitation, revision=1, needs_scoring=True)
    for field in ANSWER_FIELDS:
        if field in answers:
            setattr(response, field, answers[field])
    values = [
        f.get_db_prep_save(f.pre_save(response, add=True), connection) for f in Response._meta.concrete_fields
    ]
    params = [*_mark_answered_params(invitation, now), *values, connection.ops.adapt_datetimefield_value(now)]
    with prepared_cursor() as cursor:
        cursor.execute(_first_answer_sql(), params)
        saved = cursor.rowcount == 1
    if not saved:
        return None
    response._state.adding, response._state.db = False, connection.alias
    return response


def _refusal(invitation: Invitation, now: datetime) -> Exception:
    """Why the mark was refused: the round closed (said first, as a member sees it) or the invitee left."""
    pulse_round = PulseRound.objects.get(pk=invitation.round_id)
    if not pulse_round.is_open_at(now):
        return PulseClosed(pulse_round)
    return InviteeLeft(invitation)


def _same_answers(response: Response, answers: dict) -> bool:
    return all(getattr(response, field) == answers[field] for field in ANSWER_FIELDS if field in answers)


def response_submit(
    *, invitation: Invitation, answers: dict, seen_revision: int, now: datetime | None = None
) -> Response:
    """Save the member's answer, or their revision of it.

    `seen_revision` is the revision the form was opened on (0 for a first
    answer). A share lock on the round row orders this against the close, so an
    answer is either in before the link is cut or refused as closed, while
    answers to the round don't wait for each other; the invitation's own lock
    orders one person's sends. Someone who left the team or was deactivated is
    refused (`InviteeLeft`); what they answered before stays.
    """
    now = now or timezone.now()
    response = _first_answer_saved(invitation, answers, now) if seen_revision == 0 else None
    if response is not None:
        _announce(invitation.round_id)
        return response
    with transaction.atomic():
        first = _invitation_mark_answered(invitation, now)
        if first is None:
            raise _refusal(invitation, now)
        # A first answer has nothing saved to compare with: no need to look.
        response = None if first else Response.objects.filter(invitation=invitation).first()
        current_revision = response.revision if response else 0
        if seen_revision != current_revision:
            if response is not None and _same_answers(response, answers):
                return response  # the same form sent twice (a double click): it is saved already
            raise StaleAnswer(response, seen_revision=seen_revision)
        if response is None:
            response = Response(round_id=invitation.round_id, invitation=invitation, revision=1)
        else:
            response.revision += 1
        for field in ANSWER_FIELDS:
            # A question not asked this time (the proposal, once its switch is off) keeps what was saved.
            if field in answers:
                setattr(response, field, answers[field])
        # The scoring sweep finds whatever is marked here, so the answer never
        # depends on the broker or the worker being up.
        response.needs_scoring = True
        response.save()
        _announce(invitation.round_id)
    return response


def _announce(round_id: int) -> None:
    """Tell the layers above once the answer is committed (at once outside a transaction).
    Scored within seconds when the broker is up; robust: a broker that is down only delays
    scoring until the sweep, never fails the answer."""

    def announce() -> None:  # named, so a failure is logged by its name
        answer_saved.send(sender=Response, round_id=round_id)

    transaction.on_commit(announce, robust=True)
