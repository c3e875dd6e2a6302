"""Scoring members' answers with the alignment engine, and keeping round summaries current."""

import logging

import numpy as np
from django.db import transaction
from django.utils import timezone

from purpose.alignment import (
    ENGINE_VERSION,
    agreement,
    aligned_share,
    alignment_index,
    interpretations,
    score_answers,
    score_fits,
    situation,
    split_ideas,
)
from purpose.engine import app_encoder
from purpose.models import PurposeStatement, RoundSummary

logger = logging.getLogger(__name__)
MAX_INTERPRETATIONS = 4
SCORE_BATCH = 32  # the encoder sorts these by length and runs them four at a time
SUMMARY_DELAY = 5  # seconds


def statement_ideas(statement: PurposeStatement) -> list[str]:
    """The ideas the leader confirmed, else those the engine proposes."""
    return list(statement.key_ideas) or split_ideas(statement.purpose)


def parent_purpose_text(statement: PurposeStatement) -> str | None:
    parent_id = statement.unit.parent_id
    if parent_id is None:
        return None
    parent = PurposeStatement.objects.filter(unit_id=parent_id).order_by("-version").first()
    return parent.purpose if parent else None


def response_score(*, response_id) -> int:
    """Score a response and, in the same model batch, other answers of its round still waiting.

    Returns how many scores were stored. A round's answers arrive in bursts, so
    the first task of a burst scores up to SCORE_BATCH of them and the tasks
    queued for those find nothing left to do. Re-scoring is idempotent, and
    each write is conditional on the revision read: if the member revised the
    answer meanwhile, that revision's own task stores its scores instead.
    """
    from surveys.models import Response

    first = (
        Response.objects.select_related("round__purpose_statement__unit")
        .filter(pk=response_id, needs_scoring=True)
        .first()
    )
    if first is None:
        return 0
    others = Response.objects.filter(round_id=first.round_id, needs_scoring=True).exclude(pk=first.pk)
    batch = [first, *others.order_by()[: SCORE_BATCH - 1]]
    statement = first.round.purpose_statement
    encoder = app_encoder()
    scores = score_answers(
        statement.purpose, [r.purpose_text for r in batch], statement_ideas(statement), encoder
    )
    fits = score_fits(
        [r.fit_text for r in batch],
        leader_fit=statement.fit or statement.purpose,
        parent_purpose=parent_purpose_text(statement),
        encoder=encoder,
    )
    stored = 0
    with transaction.atomic():
        for response, score, fit in zip(batch, scores, fits, strict=True):
            stored += Response.objects.filter(pk=response.pk, revision=response.revision).update(
                alignment=score.alignment,
                fit_alignment=fit.leader.alignment,
                fit_parent_alignment=fit.parent.alignment if fit.parent else None,
                idea_hits=[bool(hit) for hit in score.ideas_named],
                scored_model=encoder.name,
                engine_version=ENGINE_VERSION,
                scored_at=timezone.now(),
                needs_scoring=False,
                vector=score.vector.astype(np.float32).tobytes() if score.vector is not None else None,
            )
        if stored:
            summary_mark_stale(round_id=first.round_id)
    return stored


def summary_mark_stale(*, round_id: int) -> None:
    """Ask for a fresh summary; queues at most one refresh per burst of scores."""
    from purpose.tasks import summarize_round
    from surveys.models import PulseRound

    # A sort of optimistic lock: only the call that flips stale from False to
    # True queues the refresh, so a burst of scored answers costs one summary.
    flipped = RoundSummary.objects.filter(round_id=round_id, stale=False).update(stale=True)
    if not flipped:
        pulse_round = PulseRound.objects.get(pk=round_id)
        _, flipped = RoundSummary.objects.get_or_create(
            round=pulse_round,
            defaults={"unit_id": pulse_round.unit_id, "closes_at": pulse_round.closes_at, "stale": True},
        )
    if flipped:
        # A short delay lets the rest of a burst of answers land in the same summary.
        transaction.on_commit(
            lambda: summarize_round.apply_async((round_id,), countdown=SUMMARY_DELAY), robust=True
        )


def _mean(values) -> float | None:
    values = [v for v in values if v is not None]
    return float(np.mean(values)) if values else None


@transaction.atomic
def round_summarize(*, round_id: int) -> RoundSummary:
    """Recompute a round's roll-up from its scored responses."""
    from surveys.models import AGREE_FIELDS, PulseRound, Response

    pulse_round = PulseRound.objects.select_related("purpose_statement").get(pk=round_id)
    summary, _ = RoundSummary.objects.select_for_update().get_or_create(
        round=pulse_round, defaults={"unit_id": pulse_round.unit_id, "closes_at": pulse_round.closes_at}
    )
    # Clear the flag first: answers scored while we compute flip it again.
    RoundSummary.objects.filter(pk=summary.pk).update(stale=False)
    responses = list(
        Response.objects.filter(round=pulse_round, needs_scoring=False).values(
            "purpose_text",
            "alignment",
            "fit_alignment",
            "fit_parent_alignment",
            "idea_hits",
            "understands_purpose",
            "sees_contribution",
            "shapes_direction",
            "scored_model",
            "vector",
        )
    )
    usable = [r for r in responses if r["alignment"] is not None]
    statement = pulse_round.purpose_statement
    encoder = app_encoder()
    texts = [r["purpose_text"] for r in usable]
    vectors = _answer_vectors(usable, encoder)
    team_agreement = agreement(vectors, encoder) if len(texts) >= 2 else None
    scores = [r["alignment"] for r in usable]
    index = alignment_index(scores)

    summary.unit_id = pulse_round.unit_id
    summary.closes_at = pulse_round.closes_at
    summary.is_final = pulse_round.closed_at is not None
    summary.invited = pulse_round.invitations.count()
    summary.answered = Response.objects.filter(round=pulse_round).count()
    summary.respondents = len(usable)
    summary.alignment = index
    summary.agreement = team_agreement
    summary.aligned_share = aligned_share(scores) if scores else None
    summary.situation = (
        situation(index, team_agreement, summary.aligned_share).code if index is not None else ""
    )
    summary.fit_alignment = _mean(r["fit_alignment"] for r in usable)
    summary.fit_parent_alignment = _mean(r["fit_parent_alignment"] for r in usable)
    summary.ideas = statement_ideas(statement)
    summary.idea_shares = _idea_shares([r["idea_hits"] or [] for r in usable], len(summary.ideas))
    summary.agree_means = [_mean(r[field] for r in responses) for field in AGREE_FIELDS]
    # Grouping answers costs O(n²) and only shows once the round has closed.
    summary.interpretations = (
        [
            {"size": group.size, "text": group.representative_text}
            for group in interpretations(texts, vectors, max_k=MAX_INTERPRETATIONS)
        ]
        if len(texts) >= 3 and summary.is_final
        else []
    )
    summary.scores = sorted(round(s, 1) for s in scores)
    summary.scored_model = usable[0]["scored_model"] if usable else ""
    summary.approximate = encoder.approximate
    summary.computed_at = timezone.now()
    # Everything but `stale`: a score stored while we computed has set it again, and must win.
    summary.save(
        update_fields=[f.name for f in RoundSummary._meta.concrete_fields if f.name not in ("id", "stale")]
    )
    summary.stale = RoundSummary.objects.filter(pk=summary.pk).values_list("stale", flat=True).get()
    return summary


def _answer_vectors(rows: list[dict], encoder) -> np.ndarray:
    """The stored embeddings of the answers; any missing (scored before vectors were kept) are encoded."""
    if not rows:
        return np.zeros((0, 1), dtype=np.float32)
    stored = [np.frombuffer(bytes(r["vector"]), dtype=np.float32) if r["vector"] else None for r in rows]
    missing = [i for i, v in enumerate(stored) if v is None]
    if missing:
        for i, vec in zip(missing, encoder.encode([rows[i]["purpose_text"] for i in missing]), strict=True):
            stored[i] = vec.astype(np.float32)
    return np.vstack(stored)


def _idea_shares(hits: list[list[bool]], n_ideas: int) -> list[float]:
    rows = [h for h in hits if len(h) == n_ideas]
    if not rows or not n_ideas:
        return [0.0] * n_ideas
    return [float(np.mean([row[i] for row in rows])) for i in range(n_ideas)]


def round_scoring_queue(*, round_id: int) -> bool:
    """Queue the scoring of a round's waiting answers, unless a task for it is queued already."""
    from purpose.tasks import score_round
    from surveys.models import PulseRound

    # A sort of optimistic lock: only the call that flips the flag queues the task.
    if PulseRound.objects.filter(pk=round_id, scoring_queued=False).update(scoring_queued=True):
        score_round.delay(round_id)
        return True
    return False


def round_score_waiting(*, round_id: int, max_batches: int = 10_000) -> int:
    """Score every answer of the round still waiting, batch after batch. Returns how many were stored.

    The flag is cleared first: an answer saved while we work queues a new task,
    and one saved before is picked up by this loop.
    """
    from surveys.models import PulseRound, Response

    PulseRound.objects.filter(pk=round_id).update(scoring_queued=False)
    stored = 0
    for _ in range(max_batches):  # bounded: a member revising in a loop can't pin the worker
        # No ORDER BY: any waiting answer will do, and the partial index finds one at once.
        waiting = list(
            Response.objects.filter(round_id=round_id, needs_scoring=True)
            .order_by()
            .values_list("pk", flat=True)[:1]
        )
        if not waiting:
            break
        stored += response_score(response_id=waiting[0])
    return stored


def unscored_sweep(*, limit: int = 500) -> int:
    """Queue scoring for answers left unscored (broker was down, worker died). Returns how many wait."""
    from purpose.tasks import score_round, summarize_round
    from surveys.models import Response

    waiting = Response.objects.filter(needs_scoring=True)
    count = waiting.count()
    # Queued regardless of the flag: the flag may be set by a task the broker lost.
    for round_id in waiting.values_list("round_id", flat=True).distinct().order_by()[:limit]:
        score_round.delay(round_id)
    stale = list(RoundSummary.objects.filter(stale=True).values_list("round_id", flat=True)[:limit])
    for round_id in stale:
        summarize_round.delay(round_id)
    if count or stale:
        logger.info("sweep queued scoring of %d waiting answers and %d stale summaries", count, len(stale))
    return count


def cascade_refresh(*, unit_id: int) -> int:
    """Score the unit's current purpose against its parent's, and its children's against it.

    Returns how many links were scored. Idempotent: it only rewrites derived fields.
    """
    from purpose.alignment import cascade_score
    from purpose.services import purpose_current
    from teams.models import Unit

    unit = Unit.objects.filter(pk=unit_id).select_related("parent").first()
    if unit is None:
        return 0
    encoder = app_encoder()
    links = [(unit, unit.parent)] if unit.parent_id else []
    links += [(child, unit) for child in unit.children.all()]
    scored = 0
    for child, parent in links:
        child_statement, parent_statement = purpose_current(child), purpose_current(parent)
        if child_statement is None or parent_statement is None:
            continue
        result = cascade_score(child_statement.purpose, parent_statement.purpose, encoder)
        PurposeStatement.objects.filter(pk=child_statement.pk).update(
            cascade_score=result.score,
            cascade_label=result.label,
            cascade_parent_version=parent_statement.version,
        )
        scored += 1
    return scored


def cascade_refresh_org(*, organization_id: int) -> int:
    """Score every unit's current purpose against its parent's (for seeding and repair)."""
    from purpose.alignment import cascade_score

    latest: dict[int, PurposeStatement] = {}
    for statement in PurposeStatement.objects.filter(unit__organization_id=organization_id).select_related(
        "unit"
    ):
        if statement.unit_id not in latest or statement.version > latest[statement.unit_id].version:
            latest[statement.unit_id] = statement
    encoder = app_encoder()
    scored = 0
    for statement in latest.values():
        parent = latest.get(statement.unit.parent_id)
        if parent is None:
            continue
        result = cascade_score(statement.purpose, parent.purpose, encoder)
        PurposeStatement.objects.filter(pk=statement.pk).update(
            cascade_score=result.score, cascade_label=result.label, cascade_parent_version=parent.version
        )
        scored += 1
    return scored
