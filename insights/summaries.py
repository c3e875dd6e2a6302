"""Round summaries: the unit × round roll-up every page reads, kept current as answers are scored."""

import numpy as np
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from alignment import ENGINE_VERSION, interpretations, read_team
from insights.anonymity import round_rows_shuffle
from insights.disclosure import cohort_recheck
from insights.figures_cache import figures_changed
from insights.models import AnswerScore, RoundSummary
from insights.queue import queue_round_scoring, queue_round_summary
from purpose.engine import app_encoder
from purpose.selectors import statement_ideas
from surveys.models import AGREE_FIELDS, PulseRound, Response

MAX_INTERPRETATIONS = 4
SUMMARY_DELAY = 5  # seconds: lets the rest of a burst of answers land in the same summary


def summary_mark_stale(*, round_id: int) -> None:
    """Ask for a fresh summary; queues at most one refresh per burst of scores."""
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

        def queue() -> None:
            queue_round_summary(round_id, countdown=SUMMARY_DELAY)

        transaction.on_commit(queue, robust=True)


def _mean(values) -> float | None:
    values = [v for v in values if v is not None]
    return float(np.mean(values)) if values else None


def _current_scores(pulse_round: PulseRound, encoder_name: str) -> list[dict]:
    """The round's answers with the reading of their latest revision by this encoder and engine.

    Readings by another encoder or engine version (the model or the method
    changed) are never mixed in: those answers go back to waiting and are
    scored again.
    """
    rows = list(
        AnswerScore.objects.filter(
            response__round=pulse_round, response__needs_scoring=False, revision=F("response__revision")
        ).values(
            "response_id",
            "response__purpose_text",
            "alignment",
            "fit_alignment",
            "fit_parent_alignment",
            "idea_hits",
            "encoder",
            "engine_version",
            "vector",
        )
    )

    def current(row) -> bool:
        return row["encoder"] == encoder_name and row["engine_version"] == ENGINE_VERSION

    other = [r["response_id"] for r in rows if not current(r)]
    if other:
        Response.objects.filter(pk__in=other).update(needs_scoring=True)

        def queue() -> None:
            queue_round_scoring(pulse_round.pk)

        transaction.on_commit(queue, robust=True)
    return [r for r in rows if current(r)]


def round_summarize(*, round_id: int) -> RoundSummary:
    """Recompute a round's roll-up from its scored responses.

    A closed round's rows are first stored anew (insights.anonymity): the final
    summary is the first thing to run after the close, and the refresh a late
    answer's score asks for follows that score. In a transaction of its own, kept
    short: the summary's runs the engine. A final summary already in an
    organization round has that round's decision checked (insights.disclosure);
    new ones are gathered into rounds by the next page that reads them.
    """
    if PulseRound.objects.filter(pk=round_id, closed_at__isnull=False).exists():
        round_rows_shuffle(round_id=round_id)
    summary = _summarize(round_id=round_id)
    if summary.is_final and summary.cohort_id is not None:
        # Figures its organization round was decided on changed (a late score): decide it again.
        cohort_recheck(cohort_id=summary.cohort_id)
    return summary


@transaction.atomic
def _summarize(*, round_id: int) -> RoundSummary:
    pulse_round = PulseRound.objects.select_related("purpose_statement", "unit").get(pk=round_id)
    summary, _ = RoundSummary.objects.select_for_update().get_or_create(
        round=pulse_round, defaults={"unit_id": pulse_round.unit_id, "closes_at": pulse_round.closes_at}
    )
    # Clear the flag first: answers scored while we compute flip it again.
    RoundSummary.objects.filter(pk=summary.pk).update(stale=False)
    encoder = app_encoder()
    rows = _current_scores(pulse_round, encoder.name)
    usable = [r for r in rows if r["alignment"] is not None]
    statement = pulse_round.purpose_statement
    ideas = statement_ideas(statement)
    texts = [r["response__purpose_text"] for r in usable]
    vectors = _answer_vectors(usable, encoder)
    reading = read_team(
        [r["alignment"] for r in usable],
        vectors,
        [r["idea_hits"] or [] for r in usable],
        len(ideas),
        encoder,
        statement=statement.purpose,
        texts=texts,
    )
    agree_rows = Response.objects.filter(round=pulse_round).values_list(*AGREE_FIELDS)

    summary.unit_id = pulse_round.unit_id
    summary.closes_at = pulse_round.closes_at
    summary.is_final = pulse_round.closed_at is not None
    # The round's own count: people who left are out of it (surveys.leavers), and an erased
    # person's invitations go while closed rounds' figures stay (surveys.person_data).
    summary.invited = pulse_round.invited_count
    summary.answered = Response.objects.filter(round=pulse_round).count()
    summary.respondents = reading.respondents
    summary.alignment = reading.alignment
    judged = [r["alignment"] for r in usable]
    summary.alignment_sd = float(np.std(judged, ddof=1)) if len(judged) >= 2 else None
    summary.agreement = reading.agreement
    summary.aligned_share = reading.aligned_share
    summary.situation = reading.situation.code if reading.situation else ""
    summary.situation_close_call = reading.close_call.code if reading.close_call else ""
    summary.fit_alignment = _mean(r["fit_alignment"] for r in usable)
    summary.fit_parent_alignment = _mean(r["fit_parent_alignment"] for r in usable)
    summary.ideas = ideas
    summary.idea_shares = reading.idea_shares
    summary.agree_means = [_mean(column) for column in zip(*agree_rows, strict=False)] or [None] * len(
        AGREE_FIELDS
    )
    # Grouping answers costs O(n²) and only shows once the round has closed.
    summary.interpretations = (
        [
            {"size": group.size, "text": group.representative_text}
            for group in interpretations(texts, vectors, max_k=MAX_INTERPRETATIONS)
        ]
        if len(texts) >= 3 and summary.is_final
        else []
    )
    summary.scores = sorted(round(r["alignment"], 1) for r in usable)
    summary.scored_model = encoder.name if usable else ""
    summary.approximate = encoder.approximate
    summary.computed_at = timezone.now()
    # Everything but `stale`: a score stored while we computed has set it again, and must win;
    # nor `cohort`, which insights.disclosure sets.
    summary.save(
        update_fields=[
            f.name for f in RoundSummary._meta.concrete_fields if f.name not in ("id", "stale", "cohort")
        ]
    )
    summary.stale = RoundSummary.objects.filter(pk=summary.pk).values_list("stale", flat=True).get()
    if summary.cohort_id is not None:  # figures the dashboards show changed (a late score, a re-reading)
        figures_changed(pulse_round.unit.organization_id)
    return summary


def _answer_vectors(rows: list[dict], encoder) -> np.ndarray:
    """The stored embeddings of the answers; any missing are encoded."""
    if not rows:
        return np.zeros((0, 1), dtype=np.float32)
    stored = [np.frombuffer(bytes(r["vector"]), dtype=np.float32) if r["vector"] else None for r in rows]
    missing = [i for i, v in enumerate(stored) if v is None]
    if missing:
        texts = [rows[i]["response__purpose_text"] for i in missing]
        for i, vec in zip(missing, encoder.encode(texts), strict=True):
            stored[i] = vec.astype(np.float32)
    return np.vstack(stored)


def waiting_summaries(limit: int) -> list[int]:
    return list(RoundSummary.objects.filter(stale=True).values_list("round_id", flat=True)[:limit])
