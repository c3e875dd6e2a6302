"""Reads about pulses, with the privacy threshold applied to every count a leader sees."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from surveys.models import Invitation, PulseRound, PulseSchedule, token_hash
from surveys.prepared import CompiledOnce
from teams.models import Membership, Organization, Unit, User


@dataclass(frozen=True)
class ResponseRate:
    """Counts safe to show: the answered count only once it reaches the organization's minimum."""

    invited: int
    answered: int | None  # None while below the threshold
    threshold: int

    @classmethod
    def of(cls, *, invited: int, answered: int, organization: Organization) -> "ResponseRate":
        threshold = organization.min_group_size
        # Never above the invited: an answer given before its author left stays, while they
        # leave the invited count (surveys.leavers), so neither count says whether they answered.
        answered = min(answered, invited)
        return cls(invited=invited, answered=answered if answered >= threshold else None, threshold=threshold)

    @property
    def hidden(self) -> bool:
        return self.answered is None

    @property
    def percent(self) -> int | None:
        if self.answered is None or not self.invited:
            return None
        return round(100 * self.answered / self.invited)

    def __str__(self) -> str:
        if self.answered is None:
            return f"fewer than {self.threshold} of {self.invited} answered"
        return f"{self.answered} of {self.invited} answered ({self.percent}%)"


def invitee_is_member() -> Q:
    """An invitation is only good while it is not withdrawn and its invitee is an active member
    of the round's unit (a member: one made its leader is no longer asked).

    Leaving withdraws the invitation in the same transaction (surveys.leavers), which
    gives the link its reason. Membership and the account are read at use as well, so
    a change that announced nothing (a queryset `update()`) still closes the link.
    """
    membership = Membership.objects.filter(
        unit_id=OuterRef("round__unit_id"), user_id=OuterRef("user_id"), role=Membership.Role.MEMBER
    )
    return Q(withdrawn_at__isnull=True) & Q(user__is_active=True) & Q(Exists(membership))


def invitee_still_member(invitation: Invitation) -> bool:
    # Read with the invitation when it came from invitation_by_token: no second query.
    known = getattr(invitation, "still_member", None)
    if known is not None:
        return known
    return Invitation.objects.filter(invitee_is_member(), pk=invitation.pk).exists()


def invitation_by_token(token: str) -> Invitation | None:
    """The invitation a personal link opens, with what its pulse page shows (None for a bad link).

    Found by the token's hash; only a link no current invitation has is looked for again
    among the links emailed before tokens were hashed (migration 0009). One query reads
    all the page needs: whether the invitee may still answer (`still_member`), their
    answer so far (`invitation.response`), whether the schedule asks for proposals
    (`asks_proposal`) and whether an earlier round of the team has closed
    (`follows_a_round`), for the hot path of a pulse going out.
    """
    hashed = token_hash(token)
    invitation = _invitation_page_by_hash().first(hashed)
    if invitation is None:
        invitation = _invitation_page().filter(legacy_token_hash=hashed).first()
    return invitation


_HASH_STAND_IN = "token hash"


@cache
def _invitation_page_by_hash() -> CompiledOnce:
    return CompiledOnce(_invitation_page().filter(token_hash=_HASH_STAND_IN), _HASH_STAND_IN)


@cache
def _invitation_page() -> QuerySet:
    """The pulse page's invitation, with all it shows (invitation_by_token)."""
    earlier_closed = PulseRound.objects.filter(
        unit_id=OuterRef("round__unit_id"),
        status=PulseRound.Status.CLOSED,
        opens_at__lt=OuterRef("round__opens_at"),
    )
    return (
        Invitation.objects.select_related("round__unit__organization", "round__purpose_statement", "response")
        .annotate(
            still_member=ExpressionWrapper(invitee_is_member(), output_field=BooleanField()),
            asks_proposal=schedule_in_force_value(
                "asks_purpose_proposal", unit="round__unit_id", organization="round__unit__organization_id"
            ),
            # Whether the page opens with "since the last pulse" (surveys.replies.previous_closed_round).
            follows_a_round=Exists(earlier_closed),
        )
        .order_by()  # a unique key: an ORDER BY would only triple the planning time
    )


def open_invitations_for_user(user: User, *, now: datetime | None = None) -> QuerySet:
    """The member's pulses they can still answer or revise, soonest to close first."""
    now = now or timezone.now()
    return (
        Invitation.objects.filter(user=user, round__status=PulseRound.Status.OPEN, round__closes_at__gt=now)
        .filter(invitee_is_member())
        .select_related("round__unit__organization")
        .order_by("round__closes_at")
    )


def schedule_in_force(unit: Unit) -> PulseSchedule | None:
    """One rule: the unit's own schedule, else its organization's default (None without either)."""
    return schedules_in_force([unit]).get(unit.pk)


def schedule_in_force_value(field: str, *, unit: str, organization: str) -> Coalesce:
    """One column (never null) of the schedule in force, by the rule of `schedules_in_force`, as an
    expression within another query: `unit` and `organization` name the outer query's ids. None
    without a schedule."""
    own = PulseSchedule.objects.filter(unit_id=OuterRef(unit)).order_by().values(field)[:1]
    default = PulseSchedule.objects.filter(organization_id=OuterRef(organization), unit__isnull=True)
    return Coalesce(Subquery(own), Subquery(default.order_by().values(field)[:1]))


def schedules_in_force(units: list[Unit]) -> dict[int, PulseSchedule]:
    """The schedule each unit follows, in one query."""
    ids = [unit.pk for unit in units]
    org_ids = {unit.organization_id for unit in units}
    schedules = PulseSchedule.objects.filter(
        Q(unit_id__in=ids) | Q(organization_id__in=org_ids, unit__isnull=True)
    ).select_related("organization")
    own = {s.unit_id: s for s in schedules if s.unit_id}
    defaults = {s.organization_id: s for s in schedules if not s.unit_id}
    in_force = {}
    for unit in units:
        schedule = own.get(unit.pk) or defaults.get(unit.organization_id)
        if schedule is not None:
            in_force[unit.pk] = schedule
    return in_force


def sees_exact_counts(user: User, unit: Unit) -> bool:
    """Whether the pulses page may tell this person how many of a unit answered.

    A count is one unit's raw figure; next to a parent's total and a sibling's
    figure it works out a group the dashboards hide. Whether a closed round's
    count may be shown is decided with its organization round, above this app
    (the team dashboard shows it then). Here only the leader of a unit with no
    units inside it, who sees no figure of any unit above it (not an executive,
    leading none of its ancestors), reads the counts: they learn nothing to
    subtract from.
    """
    if user.is_executive or user.is_superuser or unit.children.exists():
        return False
    led = set(
        Membership.objects.filter(user=user, role=Membership.Role.LEADER).values_list("unit_id", flat=True)
    )
    if unit.pk not in led:
        return False
    return not led & set(unit.ancestors().values_list("pk", flat=True))


def open_round(unit: Unit) -> PulseRound | None:
    return PulseRound.objects.filter(unit=unit, status=PulseRound.Status.OPEN).first()


def round_rate(pulse_round: PulseRound) -> ResponseRate:
    answered = pulse_round.invitations.filter(answered_at__isnull=False).count()
    return ResponseRate.of(
        invited=pulse_round.invited_count, answered=answered, organization=pulse_round.unit.organization
    )


def past_rounds(unit: Unit, *, limit: int = 24) -> list[tuple[PulseRound, ResponseRate]]:
    """Closed rounds, newest first, each with its rate. Responses outlive the close; invitations' links don't."""
    rounds = (
        PulseRound.objects.filter(unit=unit, status=PulseRound.Status.CLOSED)
        .select_related("purpose_statement")
        .annotate(answered=Count("responses"))
        .order_by("-opens_at")[:limit]
    )
    return [
        (r, ResponseRate.of(invited=r.invited_count, answered=r.answered, organization=unit.organization))
        for r in rounds
    ]


def pulse_overview(units: list[Unit], *, now: datetime | None = None) -> dict[int, dict]:
    """For a home page: each unit's open round (with its rate) or its next scheduled pulse.

    Three queries whatever the number of units.
    """
    now = now or timezone.now()
    ids = [unit.pk for unit in units]
    if not ids:
        return {}
    rounds = {
        r.unit_id: r
        for r in PulseRound.objects.filter(unit_id__in=ids, status=PulseRound.Status.OPEN).annotate(
            answered=Count("invitations", filter=Q(invitations__answered_at__isnull=False))
        )
    }
    organizations = Organization.objects.in_bulk({unit.organization_id for unit in units})
    schedules = schedules_in_force(units)
    overview = {}
    for unit in units:
        schedule = schedules.get(unit.pk)
        current = rounds.get(unit.pk)
        overview[unit.pk] = {
            "round": current,
            "rate": ResponseRate.of(
                invited=current.invited_count,
                answered=current.answered,
                organization=organizations[unit.organization_id],
            )
            if current
            else None,
            "next_at": schedule.next_slot_at if schedule and schedule.is_active else None,
        }
    return overview
