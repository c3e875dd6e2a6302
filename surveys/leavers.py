"""People who leave a unit, or whose account is deactivated, lose their open pulse invitations at once.

Run by surveys.receivers inside the transaction in which teams makes the
change, so there is no moment when the person is gone and the link still
takes an answer. A withdrawn invitation gets no email and no reminder
(surveys.emails, surveys.rounds), and its link says why (surveys.views).

What the person answered before leaving stays in the round and counts: they
were in the team when they gave it. Removing it would let taking someone off a
team delete an answer its leader didn't like, and the round's count dropping
would tell the leader that this person had answered. For the same reason the
invited count drops whether or not they had answered, and the answered count
shown is never above it (surveys.selectors.ResponseRate).
"""

from collections import Counter
from datetime import datetime

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone

from surveys.models import Invitation, PulseRound
from surveys.signals import round_figures_changed


def invitations_withdraw(
    *,
    reason: str,
    user_id: int | None = None,
    memberships: list[tuple[int, int]] | None = None,
    now: datetime | None = None,
) -> int:
    """Withdraw invitations to open rounds: a person's in every unit (`user_id`), or each
    person's in the unit they left (`memberships`, (user_id, unit_id) pairs). Returns how many.

    A bulk delete of memberships is one call: a few queries whatever its size.
    """
    now = now or timezone.now()
    waiting = Invitation.objects.filter(withdrawn_at__isnull=True, round__status=PulseRound.Status.OPEN)
    if memberships is not None:
        pairs = set(memberships)
        waiting = waiting.filter(
            user_id__in={user for user, _ in pairs}, round__unit_id__in={unit for _, unit in pairs}
        )
        candidates = [
            (pk, round_id)
            for pk, user, unit, round_id in waiting.values_list("pk", "user_id", "round__unit_id", "round_id")
            if (user, unit) in pairs
        ]
    else:
        candidates = list(waiting.filter(user_id=user_id).values_list("pk", "round_id"))
    if not candidates:
        return 0
    with transaction.atomic():
        # The rounds are locked as an answer locks its round, so an answer being saved
        # is either in before the withdrawal or refused after it; and as the close
        # locks it, so a round closing now is not counted down after its close.
        locked = list(
            PulseRound.objects.select_for_update()
            .filter(pk__in={round_id for _, round_id in candidates}, status=PulseRound.Status.OPEN)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        withdrawn = Invitation.objects.filter(
            pk__in=[pk for pk, _ in candidates], round_id__in=locked, withdrawn_at__isnull=True
        )
        per_round = Counter(withdrawn.values_list("round_id", flat=True))
        withdrawn.update(withdrawn_at=now, withdrawn_reason=reason)
        for round_id, leaving in per_round.items():
            PulseRound.objects.filter(pk=round_id).update(
                invited_count=Greatest(F("invited_count") - leaving, Value(0))
            )
            announce_figures_changed(round_id)
    return sum(per_round.values())


def announce_figures_changed(round_id: int) -> None:
    """Tell the layer above, once committed, that the round's counts changed (a summary to redo)."""

    def announce() -> None:
        round_figures_changed.send(sender=PulseRound, round_id=round_id)

    transaction.on_commit(announce, robust=True)
