"""The team view's reading of one unit: what may be shown, decided here, not in the view."""

import random
from dataclasses import dataclass, field
from uuid import UUID

from django.db.models import F
from django.utils.crypto import salted_hmac
from django.utils.timezone import localtime

from alignment import SITUATIONS
from alignment.reading import BANDS, band_of
from alignment.team import alignment_interval, interval_widen_for
from insights.charts import Point, histogram, trend_chart
from insights.dashboard import UnitRow, org_figures
from insights.models import AnswerScore, RoundSummary
from purpose.preview import unread_note
from surveys.models import AGREE_FIELDS, Response, agree_label
from surveys.scheduling import org_zone
from teams.models import Unit

TREND_ROUNDS = 12
BAND_LABELS = dict(BANDS)


def answer_key(response_id: UUID) -> str:
    """An answer's name on the page: stable across loads, but not the response's own id, so the
    page carries no database key that other rows (an open round's invitation) share."""
    return salted_hmac("insights.team_view.answer", str(response_id)).hexdigest()[:20]


@dataclass(frozen=True)
class Verbatim:
    """One answer as the team view shows it: its words and the engine's band, nothing else."""

    key: str
    text: str
    band: str | None  # None when the engine couldn't judge it (too short, not English)
    note: str  # why there is no band
    response_id: UUID = field(repr=False)  # for marking; never rendered

    @property
    def band_label(self) -> str:
        return BAND_LABELS.get(self.band, "")


@dataclass
class TeamView:
    unit: Unit
    row: UnitRow
    summaries: list[RoundSummary]
    latest: RoundSummary | None = None  # only when it may be shown
    latest_hidden: bool = False
    shown_ids: set[int] = field(default_factory=set)
    verbatims: list[Verbatim] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    verbatim_ok: bool = False

    @property
    def has_children(self) -> bool:
        return bool(self.row.children)

    @property
    def situation(self):
        return SITUATIONS.get(self.latest.situation) if self.latest else None

    @property
    def alignment_interval(self) -> tuple[float, float] | None:
        """Where the latest round's alignment likely lies (alignment.team.alignment_interval), from
        its stored scores and the widening fitted for the model that read them."""
        return _likely(self.latest) if self.latest else None

    @property
    def change_could_be_noise(self) -> bool:
        """As the org table says it (insights.dashboard.UnitRow.change_could_be_noise)."""
        return self.latest is not None and self.row.change_could_be_noise

    @property
    def close_call(self):
        """The situation nearly as likely as `situation`, when the engine found it a close call."""
        return SITUATIONS.get(self.latest.situation_close_call) if self.situation else None

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

    def verbatim(self, key: str) -> Verbatim | None:
        """A shown answer by its key; None when answers aren't shown or no shown answer has it."""
        return next((v for v in self.verbatims if v.key == key), None)

    def trend(self):
        if not self.summaries:
            return None
        points = [
            Point(
                # In the organization's zone, as every page shows the round's dates.
                localtime(s.closes_at, org_zone(self.unit.organization)).strftime("%-d %b"),
                s.alignment if s.pk in self.shown_ids else None,
                f"v{s.round.purpose_statement.version}",
                _likely(s) if s.pk in self.shown_ids else None,
            )
            for s in self.summaries[-TREND_ROUNDS:]
        ]
        return trend_chart(points, title=f"Alignment of {self.unit.name} over time")

    def spread(self):
        return histogram(self.latest.scores, title="Spread of answers") if self.latest else None


def _likely(summary: RoundSummary) -> tuple[float, float] | None:
    return alignment_interval(summary.scores, interval_widen_for(summary.scored_model))


def team_view(unit: Unit) -> TeamView:
    """The unit's rounds with the privacy decisions applied.

    Every round, the latest as much as the oldest on the trend, shows only if
    its organization round (insights.Cohort) decided, when it was made, that the
    unit's own round may be shown by itself; a round hidden to protect a sibling
    stays hidden however old it gets. Rounds not yet in a cohort show nowhere.
    """
    organization = unit.organization
    row = org_figures(organization)[unit.pk]
    summaries = list(
        RoundSummary.objects.filter(unit=unit, is_final=True, cohort__isnull=False)
        .select_related("round__purpose_statement", "cohort")
        .defer("cohort__parents")
        .order_by("cohort__number")
    )
    view = TeamView(unit=unit, row=row, summaries=summaries)
    if not summaries:
        return view
    # A unit with units inside it shows its roll-up (the row), never its own members' round.
    view.shown_ids = set() if row.children else {s.pk for s in summaries if s.unit_id in s.cohort.alone}
    latest = summaries[-1]
    latest_visible = latest.pk in view.shown_ids
    view.latest = latest if latest_visible else None
    view.latest_hidden = not latest_visible
    view.verbatim_ok = latest_visible and latest.respondents >= organization.min_verbatim_size
    if view.verbatim_ok:
        view.verbatims, view.questions = _shuffled_words(latest)
    return view


def _shuffled_words(summary: RoundSummary) -> tuple[list[Verbatim], list[str]]:
    """The round's answers (with the engine's band) and questions, each list shuffled on its own,
    without names or times."""
    rng = random.SystemRandom()
    readings = {
        pk: (alignment, flags)
        for pk, alignment, flags in AnswerScore.objects.filter(
            response__round_id=summary.round_id, revision=F("response__revision")
        ).values_list("response_id", "alignment", "flags")
    }
    answers = [
        _verbatim(pk, text, *readings.get(pk, (None, None)))
        for pk, text in Response.objects.filter(round_id=summary.round_id).values_list("pk", "purpose_text")
        if text.strip()
    ]
    questions = list(
        Response.objects.filter(round_id=summary.round_id)
        .exclude(question_for_leader="")
        .values_list("question_for_leader", flat=True)
    )
    rng.shuffle(answers)
    rng.shuffle(questions)
    return answers, [q for q in questions if q.strip()]


def _verbatim(response_id: UUID, text: str, alignment: float | None, flags: list[str] | None) -> Verbatim:
    band = band_of(alignment)
    if band is not None:
        # Read, but by a model that reads English only: say so beside the band, never silently.
        note = unread_note(["non_english"]) if flags and "non_english" in flags else ""
    else:
        note = "not read yet" if flags is None else unread_note(flags)
    return Verbatim(key=answer_key(response_id), text=text, band=band, note=note, response_id=response_id)
