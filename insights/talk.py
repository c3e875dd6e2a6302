"""Talking a result through: the team's questions grouped by theme, the meeting's agenda, and
how far teams got with it (for executives: counts only).

Themes are read by the engine (alignment.interpretations on the questions' own
vectors) and are the same for a closed round every time: its questions no
longer change, and they are grouped in a fixed order. A reply names a theme by
its place in that list (surveys.LeaderReply.theme).
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date

from django.core.cache import cache
from django.db.models import Exists, OuterRef

from alignment import SITUATIONS, interpretations
from insights.models import RoundSummary
from purpose.engine import app_encoder
from purpose.models import TeamStage
from purpose.stages import stage_in_force
from surveys.models import AGREE_FIELDS, PulseRound, Response, ResultsTalk, TeamAction, agree_label
from teams.models import Unit

MAX_THEMES = 5
THEMES_CACHE_SECONDS = 60 * 60 * 24
LOW_AGREE = 3.5  # a self-rating below this mean is worth a question at the meeting


@dataclass(frozen=True)
class Theme:
    index: int
    label: str  # its most central question: a quote, shown only where the round's words may be
    questions: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.questions)


def round_questions(pulse_round: PulseRound) -> list[str]:
    """The round's questions for the leader, in a fixed order that says nothing about who or when."""
    texts = Response.objects.filter(round=pulse_round).exclude(question_for_leader="")
    return sorted({q.strip() for q in texts.values_list("question_for_leader", flat=True) if q.strip()})


def question_themes(pulse_round: PulseRound) -> list[Theme]:
    """The questions of a closed round in a few themes, largest first (empty for an open round).

    Callers show them only where the round's words may be quoted (insights.results).
    """
    if pulse_round.status != PulseRound.Status.CLOSED:
        return []
    return themes_of(round_questions(pulse_round), kind="themes", round_id=pulse_round.pk)


def themes_of(texts: list[str], *, kind: str, round_id: int) -> list[Theme]:
    """Texts of a closed round (sorted, no repeats) grouped by meaning, largest first; cached."""
    if not texts:
        return []
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    key = f"insights.talk.{kind}:{round_id}:{digest}"
    groups = cache.get(key)
    if groups is None:
        groups = _group(texts)
        cache.set(key, groups, THEMES_CACHE_SECONDS)
    return [
        Theme(index=i, label=texts[medoid], questions=tuple(texts[m] for m in sorted(members)))
        for i, (medoid, members) in enumerate(groups)
    ]


def _group(questions: list[str]) -> list[tuple[int, list[int]]]:
    if len(questions) < 3:
        return [(0, list(range(len(questions))))]
    vectors = app_encoder().encode(questions)
    groups = interpretations(questions, vectors, max_k=MAX_THEMES)
    grouped = {m for g in groups for m in g.members}
    themes = [(g.representative, list(g.members)) for g in groups]
    left = [i for i in range(len(questions)) if i not in grouped]  # nothing the engine could read
    if left:
        themes.append((left[0], left))
    return themes


def theme_may_be_replied(results, theme: int | None) -> bool:
    """A reply goes to the whole team, or to a theme the leader was shown: only where the round's
    questions may be quoted (insights.results.TeamResults.verbatim_ok)."""
    if theme is None:
        return True
    return results.verbatim_ok and theme in {t.index for t in question_themes(results.round)}


# --- The agenda ---------------------------------------------------------------------------------


@dataclass
class Agenda:
    """What to talk about, from the reading: each part empty when the reading doesn't say it."""

    missed: list[str] = field(default_factory=list)
    partly: list[str] = field(default_factory=list)
    situation: object = None
    close_call: object = None  # the situation nearly as likely, when the reading was a close call
    readings: list[str] = field(default_factory=list)
    low_items: list[tuple[str, float]] = field(default_factory=list)
    themes: list[Theme] = field(default_factory=list)
    prompts: list[str] = field(default_factory=list)
    stage: object = None  # purpose.TeamStage in force, whose prompts these are


PROMPTS = (
    "Which of these surprised you, and why?",
    "What would someone new to the team need to hear to tell our purpose back?",
    "What is one thing we will do differently before the next pulse, and who takes it on?",
)

# Reflect and learn at every stage; what to ask follows where the team stands (purpose.TeamStage).
# The first prompt is common to all; the others replace the general ones.
STAGE_PROMPTS = {
    TeamStage.Stage.GET_READY: (
        "Which of these surprised you, and why?",
        "Who relies on our work, and what would they miss if we stopped?",
        "What do we need to understand together before we plan anything?",
    ),
    TeamStage.Stage.PLAN: (
        "Which of these surprised you, and why?",
        "Which idea of our purpose should our plan move first, and how will we know it moved?",
        "What will we do before the next pulse, who takes it on, and by when?",
    ),
    TeamStage.Stage.IMPLEMENT: (
        "Which of these surprised you, and why?",
        "What have we done since the last pulse, and did it change how we describe our work?",
        "What is in the way of what we agreed, and what do we change?",
    ),
    TeamStage.Stage.SUSTAIN: (
        "Which of these surprised you, and why?",
        "What works that we want to keep doing, even when things get busy?",
        "How do we pass our purpose on to someone who joins the team next month?",
    ),
}


def stage_prompts(stage: str | None) -> list[str]:
    return list(STAGE_PROMPTS.get(stage, PROMPTS))


def agenda_for(results) -> Agenda:
    """The talk-it-through agenda built from a round's results (insights.results.TeamResults)."""
    stage = stage_in_force(results.unit)
    agenda = Agenda(prompts=stage_prompts(stage.stage if stage else None), stage=stage)
    summary = results.summary
    if summary is None:
        return agenda
    agenda.missed, agenda.partly = results.ideas_missed, results.ideas_partly
    agenda.situation = SITUATIONS.get(summary.situation)
    agenda.close_call = SITUATIONS.get(summary.situation_close_call) if agenda.situation else None
    agenda.readings = results.readings if len(results.readings) > 1 else []
    means = summary.agree_means or []
    agenda.low_items = [
        (agree_label(name), mean)
        for name, mean in zip(AGREE_FIELDS, means, strict=False)
        if mean is not None and mean < LOW_AGREE
    ]
    if results.verbatim_ok:
        agenda.themes = question_themes(results.round)
    return agenda


# --- Follow-through across the organization -----------------------------------------------------


@dataclass(frozen=True)
class FollowThrough:
    teams: int  # units with a closed, summed-up round
    talked: int  # ... whose last result was talked through
    with_open: int  # units with open actions
    with_overdue: int  # units with an open action past its due date


def follow_through(unit_ids, *, today: date) -> FollowThrough:
    """How many of these units talked their last result through and have open or overdue actions.

    `unit_ids`: a list, or a query of ids (an organization's: a list of 10,000 ids made each
    query slow to compile, send and plan). Counts of units only: no contents, nothing about
    people. Four queries, whatever the size.
    """
    # A unit's last result is its latest final summary. Talks are few: find them first, then
    # keep those with no later final summary of the same unit (no per-unit subquery over
    # every summary, which took over a minute at 10,000 units and 12 rounds).
    final = RoundSummary.objects.filter(unit_id__in=unit_ids, is_final=True)
    # One probe of the unit's latest-summary index per unit, not every summary read and deduplicated.
    teams = (
        Unit.objects.filter(pk__in=unit_ids)
        .filter(Exists(RoundSummary.objects.filter(unit_id=OuterRef("pk"), is_final=True)))
        .count()
    )
    later = RoundSummary.objects.filter(
        unit_id=OuterRef("unit_id"), is_final=True, closes_at__gt=OuterRef("closes_at")
    )
    talked = (
        final.filter(Exists(ResultsTalk.objects.filter(round_id=OuterRef("round_id"))))
        .exclude(Exists(later))
        .count()
    )
    open_actions = TeamAction.objects.filter(unit_id__in=unit_ids, status=TeamAction.Status.OPEN)
    counts = open_actions.values("unit_id").distinct()
    with_open = counts.count()
    with_overdue = counts.filter(due_on__lt=today).count()
    return FollowThrough(teams=teams, talked=talked, with_open=with_open, with_overdue=with_overdue)
