"""The team view's reading of one unit: what may be shown, decided here, not in the view."""

import random
from dataclasses import dataclass, field

from alignment import SITUATIONS
from insights.charts import Point, histogram, trend_chart
from insights.dashboard import UnitRow, org_figures
from insights.models import RoundSummary
from surveys.models import AGREE_FIELDS, Response, agree_label
from teams.models import Unit

TREND_ROUNDS = 12


@dataclass
class TeamView:
    unit: Unit
    row: UnitRow
    summaries: list[RoundSummary]
    latest: RoundSummary | None = None  # only when it may be shown
    latest_hidden: bool = False
    shown_ids: set[int] = field(default_factory=set)
    verbatims: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    verbatim_ok: bool = False

    @property
    def has_children(self) -> bool:
        return bool(self.row.children)

    @property
    def situation(self):
        return SITUATIONS.get(self.latest.situation) if self.latest else None

    @property
    def ideas(self) -> list[tuple[str, float]]:
        if self.latest is None:
            return []
        pairs = zip(self.latest.ideas, self.latest.idea_shares, strict=False)
        return sorted(pairs, key=lambda pair: -pair[1])

    @property
    def agree_items(self) -> list[tuple[str, float | None]]:
        if self.latest is None:
            return []
        means = self.latest.agree_means or []
        return [(agree_label(name), mean) for name, mean in zip(AGREE_FIELDS, means, strict=False)]

    def trend(self):
        if not self.summaries:
            return None
        points = [
            Point(
                s.closes_at.strftime("%d %b"),
                s.alignment if s.pk in self.shown_ids else None,
                f"v{s.round.purpose_statement.version}",
            )
            for s in self.summaries[-TREND_ROUNDS:]
        ]
        return trend_chart(points, title=f"Alignment of {self.unit.name} over time")

    def spread(self):
        return histogram(self.latest.scores, title="Spread of answers") if self.latest else None


def team_view(unit: Unit) -> TeamView:
    """The unit's rounds with the privacy decisions applied.

    The latest and the previous round feed the org view's figures and change
    arrows, so they follow its organization-wide decisions (no differencing);
    older rounds feed no other figure and show when they reach the threshold.
    """
    organization = unit.organization
    row = org_figures(organization)[unit.pk]
    summaries = list(
        RoundSummary.objects.filter(unit=unit, is_final=True)
        .select_related("round__purpose_statement")
        .order_by("closes_at")
    )
    view = TeamView(unit=unit, row=row, summaries=summaries)
    if not summaries:
        return view
    latest = summaries[-1]
    latest_visible = row.visible and not row.children
    previous_visible = len(summaries) > 1 and row.previous_visible and not row.children
    shown = [s for s in summaries[:-2] if s.respondents >= organization.min_group_size]
    shown += [summaries[-2]] if previous_visible else []
    shown += [latest] if latest_visible else []
    view.shown_ids = {s.pk for s in shown}
    view.latest = latest if latest_visible else None
    view.latest_hidden = not latest_visible
    view.verbatim_ok = latest_visible and latest.respondents >= organization.min_verbatim_size
    if view.verbatim_ok:
        view.verbatims, view.questions = _shuffled_words(latest)
    return view


def _shuffled_words(summary: RoundSummary) -> tuple[list[str], list[str]]:
    """The round's answers and questions, each list shuffled on its own, without names or times."""
    rng = random.SystemRandom()
    answers = list(Response.objects.filter(round_id=summary.round_id).values_list("purpose_text", flat=True))
    questions = list(
        Response.objects.filter(round_id=summary.round_id)
        .exclude(question_for_leader="")
        .values_list("question_for_leader", flat=True)
    )
    rng.shuffle(answers)
    rng.shuffle(questions)
    return [a for a in answers if a.strip()], [q for q in questions if q.strip()]
