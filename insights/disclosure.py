"""What may be shown of each organization round, decided once and kept (insights.Cohort).

Deciding privacy afresh on every page let figures of different moments be
subtracted from each other: a team hidden to protect a sibling showed on its
trend once it became an older round, and a parent's total changed by exactly
one team's figure when that team's round closed after the others. So:

- closed rounds are grouped into *cohorts* (organization rounds): every round
  that closes while another round of the organization is still open waits for
  it, so rounds on one schedule, and a sibling that closes late, land in one
  cohort; a unit has at most one round in a cohort;
- a cohort's roll-ups add only its own rounds, over the hierarchy as it stood
  when it was decided, so no figure mixes two cohorts and cohorts share no
  answer: each is safe on its own (insights.privacy), and so are all together;
- the decision (which roll-ups may be shown, and which units' own rounds may be
  shown by themselves) is stored on the cohort when its rounds' final
  summaries are in, and every page, fragment, export and the home page read it;
- when a cohort's figures change later (a late score, a re-reading), or the
  organization's threshold does, it is decided again with everything hidden
  before kept hidden.
"""

import hashlib
from collections.abc import Iterable
from datetime import timedelta

from django.db import transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from insights.figures_cache import figures_changed
from insights.models import Cohort, RoundSummary
from insights.privacy import build_tree, visible_units
from surveys.models import PulseRound
from teams.models import Organization, Unit

# A closed round whose final figures are stuck (a summary that keeps failing) holds back the
# rounds that closed after it opened for at most this long; it forms a cohort of its own later.
STUCK_AFTER = timedelta(days=1)


Counts = dict[int, tuple[int, int]]  # unit id -> (respondents, answered) of its round in the cohort


def decide(
    parents: dict[int, int | None], counts: Counts, threshold: int, *, hidden: Iterable[int] = ()
) -> tuple[list[int], list[int]]:
    """(units whose roll-up may be shown, units whose own round may be shown by itself).

    Pages print two counts of each shown group, the answers read (the means'
    weights) and every saved answer, so a roll-up shows only where both counts
    allow it: each set of shown roll-ups is safe for its count, and any part of
    a safe set is safe too.
    """
    trees = [
        build_tree((uid, parent, counts.get(uid, (0, 0))[which]) for uid, parent in parents.items())
        for which in (0, 1)
    ]
    shown = visible_units(trees[0], threshold, hidden=hidden) & visible_units(
        trees[1], threshold, hidden=hidden
    )
    # A roll-up made of the unit's own round alone *is* that round: showing one shows the other.
    alone = [uid for uid in shown if all(t[uid].own and t[uid].total == t[uid].own for t in trees)]
    return sorted(shown), sorted(alone)


def basis_of(counts: Counts, threshold: int) -> str:
    """A fingerprint of what a decision was made on: the threshold and each unit's counts.

    Whatever computes the organization's figures (insights.dashboard, after any change that
    replaced their version) compares it with the figures it read, so a change is noticed
    however it came."""
    return hashlib.blake2b(repr((threshold, sorted(counts.items()))).encode(), digest_size=16).hexdigest()


def _waiting_since(organization: Organization):
    """When the earliest round still to be counted opened: rounds that closed after it wait for it."""
    now = timezone.now()
    not_in = Q(summary__isnull=True) | Q(summary__is_final=False) | Q(summary__stale=True)
    not_in |= Q(responses__needs_scoring=True)
    waiting = PulseRound.objects.filter(unit__organization=organization).filter(
        Q(status=PulseRound.Status.OPEN)
        | (
            Q(status=PulseRound.Status.CLOSED, closes_at__gt=now - STUCK_AFTER, summary__cohort__isnull=True)
            & not_in
        )
    )
    return waiting.aggregate(first=Min("opens_at"))["first"]


def _groups(candidates: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """(summary, unit) pairs in closing order, cut wherever a unit would come twice."""
    groups: list[list[tuple[int, int]]] = []
    units: set[int] = set()
    for summary_id, unit_id in candidates:
        if not groups or unit_id in units:
            groups.append([])
            units = set()
        groups[-1].append((summary_id, unit_id))
        units.add(unit_id)
    return groups


def _counts(summaries) -> Counts:
    return {
        uid: (read, saved) for uid, read, saved in summaries.values_list("unit_id", "respondents", "answered")
    }


def cohorts_cut(*, organization: Organization) -> list[Cohort]:
    """Gather the final summaries no cohort holds yet into new cohorts, and decide each.

    Safe to call from anywhere and often: it does nothing until a round's final
    figures are in and no round that opened before it closed is still waiting.
    """
    pending = RoundSummary.objects.filter(
        unit__organization=organization, is_final=True, stale=False, cohort__isnull=True
    )
    if not pending.exists():
        return []
    with transaction.atomic():
        # One cutter per organization at a time: two would number and fill the same cohort.
        Organization.objects.select_for_update().filter(pk=organization.pk).first()
        first_waiting = _waiting_since(organization)
        if first_waiting is not None:
            pending = pending.filter(closes_at__lte=first_waiting)
        candidates = list(pending.order_by("closes_at", "pk").values_list("pk", "unit_id"))
        if not candidates:
            return []
        parents = dict(Unit.objects.filter(organization=organization).values_list("id", "parent_id"))
        number = Cohort.objects.filter(organization=organization).aggregate(n=Max("number"))["n"] or 0
        made = []
        for group in _groups(candidates):
            number += 1
            ids = [summary_id for summary_id, _ in group]
            counts = _counts(RoundSummary.objects.filter(pk__in=ids))
            shown, alone = decide(parents, counts, organization.min_group_size)
            cohort = Cohort.objects.create(
                organization=organization,
                number=number,
                parents={str(uid): parent for uid, parent in parents.items()},
                basis=basis_of(counts, organization.min_group_size),
                shown=shown,
                alone=alone,
            )
            RoundSummary.objects.filter(pk__in=ids).update(cohort=cohort)
            made.append(cohort)
        figures_changed(organization.pk)
        return made


@transaction.atomic
def cohort_recheck(*, cohort_id: int) -> bool:
    """Decide a cohort again if the figures or the threshold it was decided on changed;
    True when it was.

    Whatever was hidden stays hidden (a lower threshold shows nothing more of
    rounds already decided), so nothing shown before the change and nothing
    shown after it together uncover a hidden group.
    """
    cohort = Cohort.objects.select_for_update().select_related("organization").get(pk=cohort_id)
    counts = _counts(cohort.summaries.all())
    threshold = cohort.organization.min_group_size
    if basis_of(counts, threshold) == cohort.basis:
        return False
    parents = {int(uid): parent for uid, parent in cohort.parents.items()}
    hidden = set(parents) - set(cohort.shown)
    cohort.shown, cohort.alone = decide(parents, counts, threshold, hidden=hidden)
    cohort.basis = basis_of(counts, threshold)
    cohort.decided_at = timezone.now()
    cohort.save(update_fields=["shown", "alone", "basis", "decided_at"])
    figures_changed(cohort.organization_id)
    return True
