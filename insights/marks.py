"""Leader judgement as data: a leader marks shown answers "yes", "part of it" or "not it".

The marks sit beside the engine's reading of each answer, say how far the
leader and the engine agree, and, from a few marks on, adjust the team's
reading: the leader's mark takes the place of the engine's band for the
answers they marked. Only answers the team view shows (the round passed the
verbatim threshold) can be marked, and only by those who manage the unit.
"""

from collections import Counter
from dataclasses import dataclass
from typing import ClassVar
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404

from alignment.reading import BANDS
from insights.models import LeaderMark
from insights.team_view import TeamView, Verbatim
from teams.access import can_manage_unit
from teams.models import User

Mark = LeaderMark.Mark
BAND_ORDER = [code for code, _ in BANDS]
# The engine's bands each mark agrees with.
MARK_BANDS = {
    Mark.YES: ("tells_it_back",),
    Mark.PART: ("part",),
    Mark.NOT_IT: ("on_topic", "something_else"),
}
# Fewer marks than this say more about the answers picked than about the team.
MIN_MARKS_TO_ADJUST = 3


def mark_agrees(mark: str, band: str | None) -> bool:
    return band in MARK_BANDS[Mark(mark)]


def marked_band(mark: str, band: str) -> str:
    """The band an answer takes with the leader's mark: the engine's when the mark agrees with it,
    else the nearest band the mark allows ("not it" on a "part of it" answer: on topic)."""
    allowed = MARK_BANDS[Mark(mark)]
    if band in allowed:
        return band
    return min(allowed, key=lambda b: abs(BAND_ORDER.index(b) - BAND_ORDER.index(band)))


def band_shares(bands: list[str]) -> dict[str, float]:
    """The share of answers in each band (0–1), every band present."""
    counts = Counter(bands)
    return {code: counts[code] / len(bands) if bands else 0.0 for code in BAND_ORDER}


def adjusted_band_shares(engine_bands: dict[UUID, str], marks: dict[UUID, str]) -> dict[str, float]:
    """The team's shares per band with the leader's marks in place of the engine's band.

    ``engine_bands``: response id → band, for every answer the engine read;
    ``marks``: response id → mark. Marks on answers the engine couldn't read
    are left out, so the shares stay over the same answers as the engine's.
    """
    return band_shares(
        [marked_band(marks[r], band) if r in marks else band for r, band in engine_bands.items()]
    )


@dataclass(frozen=True)
class Agreement:
    agree: int
    marked: int  # marked answers the engine read


def marks_agreement(engine_bands: dict[UUID, str], marks: dict[UUID, str]) -> Agreement:
    marked = [r for r in marks if r in engine_bands]
    return Agreement(sum(mark_agrees(marks[r], engine_bands[r]) for r in marked), len(marked))


@dataclass(frozen=True)
class BandRow:
    label: str
    engine: float
    with_marks: float


@dataclass(frozen=True)
class MarkerReading:
    """One leader's marks on the round against the engine's reading."""

    name: str
    is_viewer: bool
    agreement: Agreement
    bands: list[BandRow] | None  # highest band first; None below MIN_MARKS_TO_ADJUST marks


@dataclass(frozen=True)
class MarkedAnswer:
    verbatim: Verbatim
    mark: str  # the viewer's own mark, "" for none
    others: list[tuple[str, str]]  # (who, mark label): what readers see


@dataclass(frozen=True)
class MarksPanel:
    can_mark: bool
    answers: list[MarkedAnswer]
    readings: list[MarkerReading]
    choices: list[tuple[str, str]]
    min_marks: ClassVar[int] = MIN_MARKS_TO_ADJUST

    def answer(self, key: str) -> MarkedAnswer | None:
        return next((a for a in self.answers if a.verbatim.key == key), None)


def marks_panel(view: TeamView, user: User) -> MarksPanel | None:
    """The shown answers with the marks this user may see: their own if they may mark (the unit's
    leaders and admins), else every leader's. None when the round's answers aren't shown."""
    if not view.verbatim_ok:
        return None
    can_mark = can_manage_unit(user, view.unit)
    # Marks of people since removed stay stored but aren't shown: nobody would answer for them.
    marks = (
        LeaderMark.objects.filter(round_id=view.latest.round_id, marked_by__isnull=False)
        .select_related("marked_by")
        .order_by("marked_by__name", "marked_by_id")
    )
    if can_mark:
        marks = marks.filter(marked_by=user)
    by_marker: dict[User, dict[UUID, str]] = {}
    for m in marks:
        by_marker.setdefault(m.marked_by, {})[m.response_id] = m.mark
    engine_bands = {v.response_id: v.band for v in view.verbatims if v.band is not None}
    answers = [
        MarkedAnswer(
            verbatim=v,
            mark=by_marker.get(user, {}).get(v.response_id, "") if can_mark else "",
            others=[] if can_mark else _others(by_marker, v.response_id),
        )
        for v in view.verbatims
    ]
    readings = [_reading(marker, user, marked, engine_bands) for marker, marked in by_marker.items()]
    return MarksPanel(can_mark, answers, readings, list(Mark.choices))


def _others(by_marker: dict, response_id: UUID) -> list[tuple[str, str]]:
    return [
        (str(marker), Mark(marked[response_id]).label)
        for marker, marked in by_marker.items()
        if response_id in marked
    ]


def _reading(marker: User, viewer: User, marks: dict[UUID, str], engine_bands: dict) -> MarkerReading:
    agreement = marks_agreement(engine_bands, marks)
    bands = None
    if agreement.marked >= MIN_MARKS_TO_ADJUST:
        engine = band_shares(list(engine_bands.values()))
        adjusted = adjusted_band_shares(engine_bands, marks)
        bands = [BandRow(label, engine[code], adjusted[code]) for code, label in reversed(BANDS)]
    return MarkerReading(str(marker), marker == viewer, agreement, bands)


def markable_answer(view: TeamView, key: str) -> Verbatim:
    """The shown answer a mark is for. Refused when the round's answers aren't shown (privacy),
    404 for a key no shown answer has or an answer the engine couldn't read."""
    if not view.verbatim_ok:
        raise PermissionDenied("Answers can be marked only when they are shown.")
    verbatim = view.verbatim(key)
    if verbatim is None or verbatim.band is None:
        raise Http404("No such answer to mark")
    return verbatim


def leader_mark_set(*, view: TeamView, verbatim: Verbatim, marked_by: User, mark: str) -> LeaderMark:
    """One mark per answer per leader: marking again replaces the mark."""
    leader_mark, _ = LeaderMark.objects.update_or_create(
        response_id=verbatim.response_id,
        marked_by=marked_by,
        defaults={"mark": mark, "round_id": view.latest.round_id},
    )
    return leader_mark


def marks_by_person(user: User) -> list[dict]:
    """The marks a person made, for the export of their data (teams.person): which pulse, which mark.

    Not the answer marked: it is someone else's words.
    """
    marks = (
        LeaderMark.objects.filter(marked_by=user).select_related("round__unit").order_by("round__opens_at")
    )
    return [
        {
            "unit": m.round.unit.name,
            "pulse_opened_at": m.round.opens_at.isoformat(),
            "mark": m.get_mark_display(),
        }
        for m in marks
    ]
