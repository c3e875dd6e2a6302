"""Reading old answers again after the engine or its model changed (``manage.py rescore``).

A summary never mixes readings of two encoders or engine versions: when it is
recomputed, answers read by another one go back to waiting (insights.summaries).
Rounds nobody looks at are never recomputed, though, so after an upgrade the
trend would show old rounds on the old scale. This finds every answer whose
latest revision has no reading by the current encoder and engine, and scores
it again, round by round, then recomputes each round's summary (a closed
round's rows are shuffled anew on the way, as at close).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef

from alignment import ENGINE_VERSION
from insights.models import AnswerScore
from insights.scoring import round_score_waiting, round_scoring_queue
from insights.summaries import round_summarize
from surveys.models import Response


@dataclass(frozen=True)
class RoundToRescore:
    round_id: int
    answers: int


def outdated_rounds(encoder_name: str, *, organization_id: int | None = None) -> list[RoundToRescore]:
    """Rounds with answers not read by this encoder and engine version (or not read at all), oldest first."""
    current = AnswerScore.objects.filter(
        response=OuterRef("pk"),
        revision=OuterRef("revision"),
        encoder=encoder_name,
        engine_version=ENGINE_VERSION,
    )
    answers = Response.objects.filter(~Exists(current))
    if organization_id is not None:
        answers = answers.filter(round__unit__organization_id=organization_id)
    rows = answers.values("round_id").annotate(n=Count("pk")).order_by("round__closes_at", "round_id")
    return [RoundToRescore(row["round_id"], row["n"]) for row in rows]


def _mark_waiting(round_id: int, encoder_name: str) -> None:
    current = AnswerScore.objects.filter(
        response=OuterRef("pk"),
        revision=OuterRef("revision"),
        encoder=encoder_name,
        engine_version=ENGINE_VERSION,
    )
    Response.objects.filter(round_id=round_id).filter(~Exists(current)).update(needs_scoring=True)


def rescore(
    encoder_name: str,
    *,
    organization_id: int | None = None,
    queue: bool = False,
    progress: Callable[[int, int, int, int], None] | None = None,
) -> tuple[int, int]:
    """Score again every outdated answer (here, or by the worker with ``queue``).

    ``progress(rounds_done, rounds, answers_done, answers)`` is called after each
    round. Returns (rounds, answers) found outdated. Safe to interrupt and run
    again: what was stored is current and is not found the second time.
    """
    todo = outdated_rounds(encoder_name, organization_id=organization_id)
    total = sum(r.answers for r in todo)
    done = 0
    for k, item in enumerate(todo, start=1):
        _mark_waiting(item.round_id, encoder_name)
        if queue:
            round_scoring_queue(round_id=item.round_id)
        else:
            round_score_waiting(round_id=item.round_id)
            round_summarize(round_id=item.round_id)
        done += item.answers
        if progress:
            progress(k, len(todo), done, total)
    return len(todo), total
