"""Org-wide alignment figures over the hierarchy, in a constant number of queries.

One query reads the organization's units, three find the cohorts (organization
rounds, insights.disclosure) holding each unit's latest two closed rounds, one
reads those cohorts' summaries; roll-ups are summed bottom-up in Python, each
within one cohort. The result is the same for every viewer, and each web
process keeps it until it changes (insights.figures_cache). Parents are weighted by respondents. What may be shown was
decided for the whole organization when each cohort was made (so a narrower
view can't be differenced against a wider one, nor a later page against an
earlier one) and is read here: a hidden unit shows no number, and feeds no
visible trend.
"""

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import F, Window
from django.db.models.functions import RowNumber

from alignment import SITUATIONS, Situation
from alignment.team import change_interval, interval_widen_for
from insights.disclosure import basis_of, cohort_recheck, cohorts_cut
from insights.figures_cache import figures_cached
from insights.models import Cohort, RoundSummary
from insights.privacy import Tree, build_tree
from teams.access import led_unit_ids
from teams.models import Organization, Unit


@dataclass(slots=True)
class Figures:
    # One count of answers everywhere: `answered` is every saved answer (the pulses page's count,
    # and the response rate); `respondents` those the engine could read, the means' weights.
    answered: int = 0
    respondents: int = 0
    invited: int = 0
    alignment_sum: float = 0.0
    agreement_sum: float = 0.0
    agreement_weight: int = 0
    # A unit's own round only (a roll-up has none): the spread of its answers' alignment and the
    # model that read them, for whether a change could be noise.
    alignment_sd: float | None = None
    scored_model: str = ""

    def add(self, other: "Figures") -> None:
        self.alignment_sd, self.scored_model = None, ""
        self.answered += other.answered
        self.respondents += other.respondents
        self.invited += other.invited
        self.alignment_sum += other.alignment_sum
        self.agreement_sum += other.agreement_sum
        self.agreement_weight += other.agreement_weight

    @property
    def alignment(self) -> float | None:
        return self.alignment_sum / self.respondents if self.respondents else None

    @property
    def agreement(self) -> float | None:
        return self.agreement_sum / self.agreement_weight if self.agreement_weight else None

    @property
    def response_rate(self) -> float | None:
        return min(1.0, self.answered / self.invited) if self.invited else None


@dataclass(slots=True)
class UnitRow:
    id: int
    parent_id: int | None
    name: str
    kind: str
    depth: int = 0
    path: list[str] = field(default_factory=list)
    current: Figures = field(default_factory=Figures)
    previous: Figures = field(default_factory=Figures)
    children: list["UnitRow"] = field(default_factory=list)
    visible: bool = False
    previous_visible: bool = False
    approximate: bool = False
    situation_code: str = ""  # the latest round's, as its summary decided it
    close_call_code: str = ""  # its runner-up, when the summary found the situation a close call

    @property
    def alignment(self) -> float | None:
        return self.current.alignment if self.visible else None

    @property
    def agreement(self) -> float | None:
        return self.current.agreement if self.visible else None

    @property
    def response_rate(self) -> float | None:
        return self.current.response_rate if self.visible else None

    @property
    def respondents(self) -> int | None:
        return self.current.respondents if self.visible else None

    @property
    def answered(self) -> int | None:
        return self.current.answered if self.visible else None

    @property
    def change(self) -> float | None:
        """Alignment now minus at the previous round; None unless both are shown."""
        if not (self.visible and self.previous_visible):
            return None
        now, before = self.current.alignment, self.previous.alignment
        return None if now is None or before is None else now - before

    @property
    def change_could_be_noise(self) -> bool:
        """True when a team's change since its previous round is within what the two rounds'
        answers allow (alignment.team.change_interval holds 0). Roll-ups say nothing."""
        now, before = self.current, self.previous
        if self.change is None or self.children or now.alignment_sd is None or before.alignment_sd is None:
            return False
        interval = change_interval(
            (before.respondents, before.alignment, before.alignment_sd),
            (now.respondents, now.alignment, now.alignment_sd),
            interval_widen_for(now.scored_model),
        )
        return interval is not None and interval[0] <= 0 <= interval[1]

    @property
    def situation(self) -> Situation | None:
        # The four situations describe one team; a roll-up of teams has no single one.
        if self.alignment is None or self.children:
            return None
        return SITUATIONS.get(self.situation_code)

    @property
    def close_call(self) -> Situation | None:
        """The situation nearly as likely as `situation` (shown beside it), under the same rule."""
        return SITUATIONS.get(self.close_call_code) if self.situation else None

    @property
    def has_data(self) -> bool:
        return self.current.respondents > 0


def cohorts_in_view(organization: Organization) -> list[Cohort]:
    """The cohorts holding some unit's latest two rounds, newest first (stored lists, not the map)."""
    numbers = dict(Cohort.objects.filter(organization=organization).values_list("pk", "number"))
    # Cohorts are made one at a time, under the organization's lock, each numbered after the
    # last (insights.disclosure): their ids rise with their numbers. Where that holds, a unit's
    # latest two are its two highest cohort ids, which an index finds for each unit at once.
    if connection.vendor == "postgresql" and sorted(numbers) == sorted(numbers, key=numbers.__getitem__):
        ids = latest_two_by_index(organization)
    else:
        ids = latest_two_ranked(organization)
    return list(Cohort.objects.filter(pk__in=set(ids)).order_by("-number"))


def latest_two_ranked(organization: Organization) -> set[int]:
    """Each unit's latest two cohorts' ids, ranked by number (any database: 0.16 s at 10,000 units)."""
    latest_first = Window(RowNumber(), partition_by=[F("unit_id")], order_by=F("cohort__number").desc())
    return set(
        RoundSummary.objects.filter(unit__organization=organization, cohort__isnull=False)
        .annotate(rank=latest_first)
        .filter(rank__lte=2)
        .values_list("cohort_id", flat=True)
        .distinct()
    )


def latest_two_by_index(organization: Organization) -> set[int]:
    """Each unit's two highest cohort ids, two entries of an index per unit (PostgreSQL's LATERAL,
    which SQLite lacks: 0.02 s at 10,000 units). Its latest two only where ids rise with numbers."""
    summaries, units = RoundSummary._meta.db_table, Unit._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT latest.cohort_id FROM {units} u CROSS JOIN LATERAL ("
            f"  SELECT s.cohort_id FROM {summaries} s WHERE s.unit_id = u.id AND s.cohort_id IS NOT NULL"
            f"  ORDER BY s.cohort_id DESC LIMIT 2"
            f") latest WHERE u.organization_id = %s",
            [organization.pk],
        )
        return {cohort_id for (cohort_id,) in cursor.fetchall()}


def _cohort_figures(tree: Tree, own: dict[int, tuple]) -> dict[int, tuple[Figures, bool]]:
    """Each unit's roll-up in one cohort, over the hierarchy it was decided on (`tree`):
    (figures, approximate), only for units with a round of the cohort in their subtree."""
    out: dict[int, tuple[Figures, bool]] = {}
    for node in tree.order:  # children before parents
        parts = [out[child.id] for child in node.children if child.id in out]
        if node.id not in own and not parts:
            continue
        figures, approximate = Figures(), False
        if node.id in own:
            respondents, invited, alignment, agreement, approximate, _, answered, _, sd, model = own[node.id]
            figures.answered, figures.respondents, figures.invited = answered, respondents, invited
            figures.alignment_sd, figures.scored_model = sd, model
            figures.alignment_sum = (alignment or 0.0) * respondents
            if agreement is not None:
                figures.agreement_sum, figures.agreement_weight = agreement * respondents, respondents
        for child_figures, child_approximate in parts:
            figures.add(child_figures)
            approximate |= child_approximate
        out[node.id] = (figures, approximate)
    return out


def org_figures(organization: Organization, *, cached: bool = True) -> dict[int, UnitRow]:
    """Every unit of the organization with its subtree roll-up, privacy applied.

    A unit's figures are its subtree's roll-up in the latest cohort (organization
    round) it took part in, and the change is against the cohort before; whether
    each may be shown was decided with the cohort and is only read here. The same
    for every viewer: kept by the process until what they are made of changes
    (insights.figures_cache); `cached=False` computes them afresh.
    """
    cohorts_cut(organization=organization)  # a cut changes the figures' version first
    if not cached:
        return _org_figures(organization)
    return figures_cached(organization.pk, lambda: _org_figures(organization))


def _org_figures(organization: Organization) -> dict[int, UnitRow]:
    rows = {
        uid: UnitRow(uid, parent_id, name, kind)
        for uid, parent_id, name, kind in Unit.objects.filter(organization=organization)
        .order_by("name")
        .values_list("id", "parent_id", "name", "kind")
    }
    cohorts = cohorts_in_view(organization)
    own: dict[int, dict[int, tuple]] = {cohort.pk: {} for cohort in cohorts}
    for cohort_id, uid, *figures in RoundSummary.objects.filter(cohort__in=cohorts).values_list(
        "cohort_id",
        "unit_id",
        "respondents",
        "invited",
        "alignment",
        "agreement",
        "approximate",
        "situation",
        "answered",
        "situation_close_call",
        "alignment_sd",
        "scored_model",
    ):
        own[cohort_id][uid] = tuple(figures)
    for i, cohort in enumerate(cohorts):
        counts = {uid: (figures[0], figures[6]) for uid, figures in own[cohort.pk].items()}
        if basis_of(counts, organization.min_group_size) != cohort.basis:
            # Its figures or the threshold changed after it was decided: decide it again first.
            cohort_recheck(cohort_id=cohort.pk)
            cohorts[i] = Cohort.objects.get(pk=cohort.pk)
    taken: dict[int, int] = dict.fromkeys(rows, 0)  # how many of its cohorts each row has
    parents, tree = None, None
    for cohort in cohorts:  # newest first: a row's first is its current, its second the previous
        if cohort.parents != parents:  # usually one hierarchy for all: its tree is built once
            parents = cohort.parents
            tree = build_tree((int(uid), parent, 0) for uid, parent in parents.items())
        shown = set(cohort.shown)
        for uid, (figures, approximate) in _cohort_figures(tree, own[cohort.pk]).items():
            row = rows.get(uid)
            if row is None or taken[uid] == 2:
                continue
            if taken[uid] == 0:
                row.current, row.visible = figures, uid in shown
                decided = own[cohort.pk].get(uid, ("",) * 10)
                row.situation_code, row.close_call_code = decided[5], decided[7]
            else:
                row.previous, row.previous_visible = figures, uid in shown
            row.approximate |= approximate
            taken[uid] += 1

    roots = []
    for row in rows.values():
        parent = rows.get(row.parent_id)
        (parent.children if parent else roots).append(row)
    _pre_order(roots, annotate=True)
    return rows


def _pre_order(roots: list[UnitRow], *, annotate: bool = False) -> list[UnitRow]:
    order, stack = [], [(root, 0, []) for root in reversed(roots)]
    while stack:
        row, depth, path = stack.pop()
        if annotate:
            row.depth, row.path = depth, path
        order.append(row)
        stack.extend((child, depth + 1, [*path, row.name]) for child in reversed(row.children))
    return order


def _parents_in_order(roots: list[UnitRow]) -> list[UnitRow]:
    """The rows with rows inside them, in tree order, without walking the teams at the bottom."""
    order, stack = [], [root for root in reversed(roots) if root.children]
    while stack:
        row = stack.pop()
        order.append(row)
        stack.extend(child for child in reversed(row.children) if child.children)
    return order


def subtree_rows(rows: dict[int, UnitRow], root_ids: list[int]) -> list[UnitRow]:
    """The units under (and including) the given roots, in tree order."""
    return _pre_order([rows[uid] for uid in root_ids if uid in rows])


def scope_root_ids(user, rows: dict[int, UnitRow]) -> list[int]:
    """Executives see every root; a leader sees the highest units they lead."""
    if user.is_executive or user.is_superuser:
        return [uid for uid, row in rows.items() if row.parent_id not in rows]
    led = led_unit_ids(user) & rows.keys()
    # Drop units that sit under another unit the same person leads.
    tops = []
    for uid in led:
        parent, covered = rows[uid].parent_id, False
        while parent is not None and parent in rows:
            if parent in led:
                covered = True
                break
            parent = rows[parent].parent_id
        if not covered:
            tops.append(uid)
    return sorted(tops, key=lambda uid: rows[uid].name)


SORTS = {
    "lowest": ("Lowest alignment", lambda r: (r.alignment is None, r.alignment or 0)),
    "drop": ("Biggest drop since the last round", lambda r: (r.change is None, r.change or 0)),
    "response": ("Lowest response rate", lambda r: (r.response_rate is None, r.response_rate or 0)),
}


@dataclass
class Scope:
    """What one person's org dashboard covers: the whole organization's rows, and their roots."""

    organization: Organization
    rows: dict[int, UnitRow]
    roots: list[int]

    def contains(self, unit_id: int) -> bool:
        row = self.rows.get(unit_id)
        while row is not None:
            if row.id in self.roots:
                return True
            row = self.rows.get(row.parent_id)
        return False

    def narrowed(self, within: str = "") -> list[int]:
        """The roots a page lists: the scope's, or one unit of it."""
        if within.isascii() and within.isdigit() and self.contains(int(within)):
            return [int(within)]
        return self.roots

    def listed(self, *, within: str = "", sort: str = "") -> tuple[list[int], str, list[UnitRow]]:
        """The rows a page lists: the scope (or one unit of it) as a tree, or flat and sorted."""
        roots = self.narrowed(within)
        listed = subtree_rows(self.rows, roots)
        if sort not in SORTS:
            return roots, "", listed
        return roots, sort, sorted((r for r in listed if r.has_data), key=SORTS[sort][1])

    def divisions(self) -> list[UnitRow]:
        """Units with units inside them, to narrow the view to."""
        return _parents_in_order([self.rows[uid] for uid in self.roots])


def dashboard_scope(user) -> Scope | None:
    """The person's scope, or None when they may not see the dashboard."""
    organization = user.organization
    if organization is None:
        return None
    rows = org_figures(organization)
    roots = scope_root_ids(user, rows)
    return Scope(organization, rows, roots) if roots else None
