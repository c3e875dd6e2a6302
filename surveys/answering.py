"""A member answers, or revises, a pulse. Saved in the request itself: nothing here needs the broker."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from surveys.models import Invitation, PulseRound, Response
from surveys.selectors import invitee_still_member
from surveys.signals import answer_saved

ANSWER_FIELDS = (
    "purpose_text",
    "fit_text",
    "understands_purpose",
    "sees_contribution",
    "shapes_direction",
    "question_for_leader",
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
    return Response.objects.filter(invitation=invitation).first()


def _same_answers(response: Response, answers: dict) -> bool:
    return all(getattr(response, field) == answers[field] for field in ANSWER_FIELDS)


def response_submit(
    *, invitation: Invitation, answers: dict, seen_revision: int, now: datetime | None = None
) -> Response:
    """Save the member's answer, or their revision of it.

    `seen_revision` is the revision the form was opened on (0 for a first
    answer). Locking the round row orders this against the close, so an
    answer is either in before the link is cut or refused as closed. Someone
    who left the team or was deactivated is refused (`InviteeLeft`); what they
    answered before stays.
    """
    now = now or timezone.now()
    with transaction.atomic():
        pulse_round = PulseRound.objects.select_for_update().get(pk=invitation.round_id)
        if not pulse_round.is_open_at(now):
            raise PulseClosed(pulse_round)
        if not invitee_still_member(invitation):
            raise InviteeLeft(invitation)
        response = response_for(invitation)
        current_revision = response.revision if response else 0
        if seen_revision != current_revision:
            if response is not None and _same_answers(response, answers):
                return response  # the same form sent twice (a double click): it is saved already
            raise StaleAnswer(response, seen_revision=seen_revision)
        if response is None:
            response = Response(round=pulse_round, invitation=invitation, revision=1)
        else:
            response.revision += 1
        for field in ANSWER_FIELDS:
            setattr(response, field, answers[field])
        # The scoring sweep finds whatever is marked here, so the answer never
        # depends on the broker or the worker being up.
        response.needs_scoring = True
        response.save()
        Invitation.objects.filter(pk=invitation.pk, answered_at__isnull=True).update(answered_at=now)
        round_id = pulse_round.pk

        def announce() -> None:
            answer_saved.send(sender=Response, round_id=round_id)

        # Scored within seconds when the broker is up; robust: a broker that is
        # down only delays scoring until the sweep, never fails the answer.
        transaction.on_commit(announce, robust=True)
    return response
