"""A leader closes the open pulse before its time: the same close as the scheduled one."""

from django.db import transaction

from surveys.models import PulseRound
from surveys.rounds import round_close
from surveys.selectors import open_round
from teams.models import Unit, User
from teams.services import audit_record


class NothingToClose(Exception):
    """No pulse of the unit is open (it closed meanwhile, or none was sent)."""


def round_close_early(*, unit: Unit, acting_user: User) -> PulseRound:
    """Close the unit's open pulse now, with its audit row in the same transaction.

    `round_close` cuts the link between people and their answers and announces `round_closed`
    after commit, so the final summary is made at once, exactly as at the scheduled close.
    """
    with transaction.atomic():
        pulse_round = open_round(unit)
        if pulse_round is None or not round_close(round_id=pulse_round.pk):
            raise NothingToClose
        audit_record(
            organization=unit.organization,
            actor=acting_user,
            action="pulse.close_early",
            unit=unit,
            round=pulse_round.pk,
        )
    pulse_round.refresh_from_db()
    return pulse_round
