"""One person's pulse data, for an export or an erase (teams.person asks through its signals).

What identifies a person here is their invitations and, while a round is open,
the answer still linked to one. Closed rounds' answers are linked to nobody
(surveys.rounds.round_close), so they are neither exported nor touched: the
statistics they make stay as they are.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import F

from surveys.answering import ANSWER_FIELDS
from surveys.leavers import announce_figures_changed
from surveys.models import Invitation, PulseRound, Response
from teams.models import User

CLOSED_ANSWER = "not linked to you: answers are cut from people when a pulse closes"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def person_pulses(user: User) -> dict:
    """The person's invitations (never their tokens) and the answers still linked to them."""
    invitations = (
        Invitation.objects.filter(user=user).select_related("round__unit").order_by("round__opens_at", "pk")
    )
    answers = {r.invitation_id: r for r in Response.objects.filter(invitation__user=user)}
    rows = []
    for invitation in invitations:
        pulse_round = invitation.round
        row = {
            "unit": pulse_round.unit.name,
            "pulse_opened_at": _iso(pulse_round.opens_at),
            "pulse_closes_at": _iso(pulse_round.closes_at),
            "pulse_status": pulse_round.status,
            "email_sent_at": _iso(invitation.sent_at),
            "reminded_at": _iso(invitation.reminded_at),
            "withdrawn_at": _iso(invitation.withdrawn_at),
            "withdrawn_reason": invitation.get_withdrawn_reason_display()
            if invitation.withdrawn_reason
            else None,
        }
        response = answers.get(invitation.pk)
        if pulse_round.status == PulseRound.Status.OPEN:
            row["answered_at"] = _iso(invitation.answered_at)
            row["answer"] = (
                {field: getattr(response, field) for field in ANSWER_FIELDS} | {"revision": response.revision}
                if response is not None
                else None
            )
        else:
            row["answer"] = CLOSED_ANSWER
        rows.append(row)
    return {"pulse_invitations": rows}


def person_pulses_erase(user: User) -> dict:
    """Delete the person's invitations and their answers to open rounds. Returns what went, counted.

    An open round's answer is still linked, so it would name its author: it goes,
    and the round's summary is made again. Closed rounds keep their answers and
    their invited counts, so their figures don't move.
    """
    with transaction.atomic():
        open_ids = list(
            Invitation.objects.filter(user=user, round__status=PulseRound.Status.OPEN).values_list(
                "round_id", flat=True
            )
        )
        # Locked as an answer and a close lock them (see surveys.leavers).
        locked = list(
            PulseRound.objects.select_for_update()
            .filter(pk__in=open_ids, status=PulseRound.Status.OPEN)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        still_counted = list(
            Invitation.objects.filter(user=user, round_id__in=locked, withdrawn_at__isnull=True).values_list(
                "round_id", flat=True
            )
        )
        PulseRound.objects.filter(pk__in=still_counted, invited_count__gt=0).update(
            invited_count=F("invited_count") - 1
        )
        open_answers = Response.objects.filter(invitation__user=user, round_id__in=locked)
        answered_rounds = set(open_answers.values_list("round_id", flat=True))
        open_answers.delete()  # their scores and marks go with them
        _, removed = Invitation.objects.filter(user=user).delete()
        for round_id in sorted(set(still_counted) | answered_rounds):
            announce_figures_changed(round_id)
    return {
        "pulse_invitations": removed.get(Invitation._meta.label, 0),
        "open_pulse_answers": len(answered_rounds),
    }
