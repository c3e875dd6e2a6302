"""A member answers, or revises, a pulse. Saved in the request itself: nothing here needs the broker."""

from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from surveys.models import Invitation, PulseRound, Response
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


def _invitation_mark_answered(invitation: Invitation, now: datetime) -> bool | None:
    """Mark the invitation answered if its round is open and its invitee may still answer.

    One statement, because every answer runs it. Its sub-select takes the round row
    FOR SHARE before the invitation's row is touched (the order the close takes them
    in): answers to one round share that lock, so they don't wait for each other,
    while the close's UPDATE of the row waits for the answers in flight, and an answer
    that waited for the close finds the round closed. The invitation's row lock orders
    one person's sends (two tabs, a double click). Both last until the transaction
    ends; a refused send rolls the mark back. SQLite (the embedded mode) writes one
    transaction at a time and takes no row locks.

    Returns None when refused, else whether this is the person's first answer (the
    first answer's time is kept, so only a first answer sets it to `now`).
    """
    adapt = connection.ops.adapt_datetimefield_value
    open_round = PulseRound.objects.filter(
        pk=invitation.round_id, status=PulseRound.Status.OPEN, closes_at__gt=now
    ).order_by()
    round_sql, round_params = open_round.values("pk").query.sql_with_params()
    if connection.features.has_select_for_update:
        round_sql += " FOR SHARE"
    may_answer = Invitation.objects.filter(invitee_is_member(), pk=invitation.pk).order_by().values("pk")
    member_sql, member_params = may_answer.query.sql_with_params()
    table = connection.ops.quote_name(Invitation._meta.db_table)
    column = connection.ops.quote_name("answered_at")
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {column} = COALESCE({column}, %s) "
            f"WHERE EXISTS ({round_sql}) AND {connection.ops.quote_name('id')} IN ({member_sql}) "
            f"RETURNING {column}",
            [adapt(now), *round_params, *member_params],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    answered_at = row[0]
    if isinstance(answered_at, str):  # SQLite hands back the text it stores
        return answered_at == adapt(now)
    return answered_at == now


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
        round_id = invitation.round_id

        def announce() -> None:
            answer_saved.send(sender=Response, round_id=round_id)

        # Scored within seconds when the broker is up; robust: a broker that is
        # down only delays scoring until the sweep, never fails the answer.
        transaction.on_commit(announce, robust=True)
    return response
