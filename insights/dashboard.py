"""Org-wide alignment figures over the hierarchy, in a constant number of queries.

One query reads the organization's units, one reads each unit's latest two
closed-round summaries; roll-ups are summed bottom-up in Python. Parents are
weighted by respondents. Privacy is decided on the whole organization (so a
narrower view can't be differenced against a wider one) and applied to every
figure: a hidden unit shows no number, and feeds no visible trend.
"""

from dataclasses import dataclass, field

from django.db.models import F, Window
from django.db.models.functions import RowNumber

from alignment import SITUATIONS, Situation
from insights.models import RoundSummary
from insights.privacy import build_tree, visible_units
from teams.access import led_unit_ids
from teams.models import Organization, Unit


@dataclass(slots=True)
class Figures:
    respondents: int = 0
    invited: int = 0
    alignment_sum: float = 0.0
    agreement_sum: float = 0.0
    agreement_weight: int = 0

    def add(self, other: "Figures") -> None:
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
        return min(1.0, self.respondents / self.invited) if self.invited else None


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
    def change(self) -> float | None:
        """Alignment now minus at the previous round; None unless both are shown."""
        if not (self.visible and self.previous_visible):
            return None
        now, before = self.current.alignment, self.previous.alignment
        return None if now is None or before is None else now - before

    @property
    def situation(self) -> Situation | None:
        # The four situations describe one team; a roll-up of teams has no single one.
        if self.alignment is None or self.children:
            return None
        return SITUATIONS.get(self.situation_code)

    @property
    def has_data(self) -> bool:
        return self.current.respondents > 0


def _summary_rows(organization: Organization):
    latest_first = Window(RowNumber(), partition_by=[F("unit_id")], order_by=F("closes_at").desc())
    return (
        RoundSummary.objects.filter(unit__organization=organization, is_final=True)
        .annotate(rank=latest_first)
        .filter(rank__lte=2)
        .values_list(
            "unit_id", "rank", "respondents", "invited", "alignment", "agreement", "approximate", "situation"
        )
    )


def org_figures(organization: Organization) -> dict[int, UnitRow]:
    """Every unit of the organization with its subtree roll-up, privacy applied."""
    rows = {
        uid: UnitRow(uid, parent_id, name, kind)
        for uid, parent_id, name, kind in Unit.objects.filter(organization=organization)
        .order_by("name")
        .values_list("id", "parent_id", "name", "kind")
    }
    own: dict[int, tuple[Figures, Figures]] = {uid: (Figures(), Figures()) for uid in rows}
    for uid, rank, respondents, invited, alignment, agreement, approximate, code in _summary_rows(
        organization
    ):
        if rank == 1:
            rows[uid].situation_code = code
        figures = own[uid][rank - 1]
        figures.respondents, figures.invited = respondents, invited
        figures.alignment_sum = (alignment or 0.0) * respondents
        if agreement is not None:
            figures.agreement_sum, figures.agreement_weight = agreement * respondents, respondents
        rows[uid].approximate |= approximate

    roots = []
    for row in rows.values():
        parent = rows.get(row.parent_id)
        (parent.children if parent else roots).append(row)
    order = _pre_order(roots, annotate=True)
    for row in reversed(order):  # children before parents
        row.current.add(own[row.id][0])
        row.previous.add(own[row.id][1])
        for child in row.children:
            row.current.add(child.current)
            row.previous.add(child.previous)
            row.approximate |= child.approximate

    threshold = organization.min_group_size
    for rank, attr in ((0, "visible"), (1, "previous_visible")):
        tree = build_tree((row.id, row.parent_id, own[row.id][rank].respondents) for row in order)
        for uid in visible_units(tree, threshold):
            setattr(rows[uid], attr, True)
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

    def listed(self, *, within: str = "", sort: str = "") -> tuple[list[int], str, list[UnitRow]]:
        """The rows a page lists: the scope (or one unit of it) as a tree, or flat and sorted."""
        roots = self.roots
        if within.isascii() and within.isdigit() and self.contains(int(within)):
            roots = [int(within)]
        listed = subtree_rows(self.rows, roots)
        if sort not in SORTS:
            return roots, "", listed
        return roots, sort, sorted((r for r in listed if r.has_data), key=SORTS[sort][1])

    def divisions(self) -> list[UnitRow]:
        """Units with units inside them, to narrow the view to."""
        return [r for r in subtree_rows(self.rows, self.roots) if r.children]


def dashboard_scope(user) -> Scope | None:
    """The person's scope, or None when they may not see the dashboard."""
    organization = user.organization
    if organization is None:
        return None
    rows = org_figures(organization)
    roots = scope_root_ids(user, rows)
    return Scope(organization, rows, roots) if roots else None
