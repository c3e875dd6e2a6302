"""Scoring members' answers with the alignment engine: one AnswerScore per response.

Answers arrive in bursts; a round's waiting answers are scored together by
one task (see round_scoring_queue), in model batches of SCORE_BATCH.
"""

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from alignment import ENGINE_VERSION, score_answers, score_fits
from insights.models import AnswerScore, ScoringClaim
from insights.queue import queue_round_scoring, queue_round_summary
from insights.summaries import summary_mark_stale, waiting_summaries
from purpose.engine import app_encoder
from purpose.models import PurposeStatement
from purpose.selectors import statement_ideas, statement_in_force
from surveys.models import Response

logger = logging.getLogger(__name__)
# Waiting answers of one round read per model call. A backlog (a pulse just out) goes in few
# calls, each sorted by length so little is padding: 32 -> 256 took scoring end to end from
# 0.74 to 0.86 of the encoder's all-in-one speed (bench/score_throughput.py, quiet machine).
SCORE_BATCH = 256
# How long a queued scoring task may wait before the sweep takes its message for
# lost and queues another: longer than a busy queue takes to reach it (a round is
# scored in seconds), short enough that a lost message delays scoring by minutes.
SCORING_GRACE = timedelta(minutes=2)


def _parent_purpose_text(statement: PurposeStatement) -> str | None:
    parent = statement_in_force(statement.unit.parent_id)
    return parent.purpose if parent else None


def response_score(*, response_id) -> int:
    """Score a response and, in the same model batch, other answers of its round still waiting.

    Returns how many scores were stored. Re-scoring is idempotent, and each
    write is conditional on the revision read: if the member revised the
    answer meanwhile, it stays waiting and that revision is scored instead.
    """
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
    ideas = statement_ideas(statement)
    parent_purpose = _parent_purpose_text(statement)
    # The fit answers are read in a second thread while the purpose answers are read here: the
    # model runs outside the GIL, so one side's Python work (tokens, features, readings) fills
    # the other's wait for the model (bench/score_throughput.py: about 8% more answers a second).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="score-fits") as pool:
        fits_reading = pool.submit(
            score_fits,
            [r.fit_text for r in batch],
            leader_fit=statement.fit or statement.purpose,
            parent_purpose=parent_purpose,
            encoder=encoder,
        )
        scores = score_answers(statement.purpose, [r.purpose_text for r in batch], ideas, encoder)
        fits = fits_reading.result()
    with transaction.atomic():
        # Written only for the revision read: a sort of optimistic lock. A member who
        # revised meanwhile keeps the answer waiting, and that revision is scored next.
        current = dict(
            Response.objects.select_for_update()
            .filter(pk__in=[r.pk for r in batch])
            .values_list("pk", "revision")
        )
        fresh = [
            (response, score, fit)
            for response, score, fit in zip(batch, scores, fits, strict=True)
            if current.get(response.pk) == response.revision
        ]
        Response.objects.filter(pk__in=[response.pk for response, _, _ in fresh]).update(needs_scoring=False)
        AnswerScore.objects.bulk_create(
            [_answer_score(response, score, fit, encoder.name) for response, score, fit in fresh],
            update_conflicts=True,
            unique_fields=["response"],
            update_fields=SCORE_FIELDS,
        )
        if fresh:
            summary_mark_stale(round_id=first.round_id)
    stored = len(fresh)
    return stored


SCORE_FIELDS = [
    "revision",
    "alignment",
    "fit_alignment",
    "fit_parent_alignment",
    "idea_hits",
    "flags",
    "encoder",
    "engine_version",
    "vector",
]


def _answer_score(response, score, fit, encoder_name: str) -> AnswerScore:
    return AnswerScore(
        response_id=response.pk,
        revision=response.revision,
        alignment=score.alignment,
        fit_alignment=fit.leader.alignment,
        fit_parent_alignment=fit.parent.alignment if fit.parent else None,
        idea_hits=[bool(hit) for hit in score.ideas_named],
        flags=list(score.flags),
        encoder=encoder_name,
        engine_version=ENGINE_VERSION,
        vector=score.vector.astype(np.float32).tobytes() if score.vector is not None else None,
    )


def round_scoring_queue(*, round_id: int, now: datetime | None = None) -> bool:
    """Queue the scoring of a round's waiting answers, unless a task for it is queued already.

    True when this call queued it. A claim older than SCORING_GRACE is taken
    over: its message was lost. When publishing fails the claim is given up at
    once, so the next sweep queues the round without waiting out the grace.
    """
    now = now or timezone.now()
    if not _scoring_claim(round_id, now):
        return False
    if queue_round_scoring(round_id):
        return True
    ScoringClaim.objects.filter(round_id=round_id, queued_at=now).delete()
    return False


def _scoring_claim(round_id: int, now: datetime) -> bool:
    # A sort of optimistic lock: only the call that creates the claim, or takes over
    # one older than the grace, gets a row back and queues the task. Every answer asks,
    # and while a claim is fresh a read answers it: no write, no commit to wait for.
    if ScoringClaim.objects.filter(round_id=round_id, queued_at__gt=now - SCORING_GRACE).exists():
        return False
    # One statement decides between concurrent callers (PostgreSQL and SQLite both speak it).
    table = connection.ops.quote_name(ScoringClaim._meta.db_table)
    at = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (round_id, queued_at) VALUES (%s, %s) "
            f"ON CONFLICT (round_id) DO UPDATE SET queued_at = excluded.queued_at "
            f"WHERE {table}.queued_at <= %s RETURNING round_id",
            [round_id, at(now), at(now - SCORING_GRACE)],
        )
        return cursor.fetchone() is not None


def round_score_waiting(*, round_id: int, max_batches: int = 10_000) -> int:
    """Score every answer of the round still waiting, batch after batch. Returns how many were stored.

    The claim is given up first: an answer saved while we work queues a new
    task, and one saved before is picked up by this loop. A worker killed
    from here on leaves answers waiting and no claim, so the next sweep
    queues the round again at once.
    """
    ScoringClaim.objects.filter(round_id=round_id).delete()
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


def unscored_sweep(*, limit: int = 500, now: datetime | None = None) -> int:
    """Queue scoring for answers left unscored (broker was down, worker died). Returns how many wait.

    However often it runs, a round's scoring is queued once: again only when
    its claim was given up (publishing failed, the task started) or is older
    than SCORING_GRACE (the message was lost).
    """
    now = now or timezone.now()
    waiting = Response.objects.filter(needs_scoring=True)
    count = waiting.count()
    round_ids = list(waiting.values_list("round_id", flat=True).distinct().order_by()[:limit])
    queued = sum(round_scoring_queue(round_id=round_id, now=now) for round_id in round_ids)
    stale = waiting_summaries(limit)
    for round_id in stale:
        queue_round_summary(round_id)
    if queued or stale:
        logger.info(
            "sweep queued scoring of %d rounds (%d answers waiting) and %d stale summaries",
            queued,
            count,
            len(stale),
        )
    return count
