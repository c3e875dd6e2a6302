"""After a round closes, its rows are stored again so that none can name anyone.

Surveys' close unlinks the answers, clears the answer times, and writes the
answers again in random order as first revisions. Insights' rows would still
tell: a score is written seconds after its answer, and a row stays where it was
written (table order, PostgreSQL's ctid, SQLite's rowid), so the scores in
storage order are the answers in the order people gave them, and a score's
revision is how often its author changed their mind. Here they follow the
answers: written again in an order of their own, at the answers' revision.

Done each time insights sums up a closed round (insights.summaries): first for
the final summary, which the close asks for at once, and again once an answer
still waiting at the close is scored. Its score, and its answer (whose flag the
scoring clears), would otherwise be the last rows written, and so mark it as one
of the last answers given.
"""

import random

from django.db import transaction

from insights.models import AnswerScore, LeaderMark
from surveys.models import PulseRound, Response
from surveys.rounds import round_responses_shuffle

# The system's randomness, as in surveys.rounds; tests swap in a fixed order to check against.
ORDER_RNG = random.SystemRandom()
CLOSED = PulseRound.Status.CLOSED  # an open round's rows are left as they are
REWRITE_BATCH = 500  # rows rewritten per DELETE and INSERT (a score carries its 1.5 kB embedding)


def round_rows_shuffle(*, round_id: int) -> int:
    """Store the closed round's answers, their scores and leaders' marks again, in random order.

    Returns how many scores were kept. Safe to run again: it only shuffles anew.
    """
    with transaction.atomic():
        # Answers first: that takes the lock scoring takes before it writes, so no reading
        # lands while we rewrite.
        round_responses_shuffle(round_id=round_id)
        answers = {
            pk: (waiting, revision)
            for pk, waiting, revision in Response.objects.filter(round_id=round_id, round__status=CLOSED)
            .order_by()
            .values_list("pk", "needs_scoring", "revision")
        }
        kept = _scores_store_anew(answers)
        _marks_store_anew(round_id)
    return kept


def _scores_store_anew(answers: dict) -> int:
    """Each answer's reading, written again at the answer's revision, which the close reset.

    A reading of an answer still waiting is of an older revision or another engine
    and is never used: it is dropped rather than given a revision it wasn't of.
    """
    ids = list(answers)
    ORDER_RNG.shuffle(ids)
    kept = 0
    for batch in _batches(ids):
        scores = AnswerScore.objects.in_bulk(batch)
        AnswerScore.objects.filter(pk__in=batch).delete()
        current = [scores[pk] for pk in batch if pk in scores and not answers[pk][0]]
        for score in current:
            score.revision = answers[score.pk][1]
        kept += len(AnswerScore.objects.bulk_create(current))
    return kept


def _marks_store_anew(round_id: int) -> None:
    """New keys, handed out in a random order: the old ones count the order marks were made in."""
    of_round = LeaderMark.objects.filter(round_id=round_id, round__status=CLOSED)
    ids = list(of_round.order_by().values_list("pk", flat=True))
    ORDER_RNG.shuffle(ids)
    for batch in _batches(ids):
        marks = LeaderMark.objects.in_bulk(batch)
        LeaderMark.objects.filter(pk__in=batch).delete()
        for mark in marks.values():
            mark.pk = None
        LeaderMark.objects.bulk_create([marks[pk] for pk in batch])


def _batches(ids: list) -> list[list]:
    return [ids[start : start + REWRITE_BATCH] for start in range(0, len(ids), REWRITE_BATCH)]
