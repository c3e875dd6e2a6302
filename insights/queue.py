"""Where insights puts work on the Celery queue.

Tasks are named, not imported: tasks.py calls the services, and the
services queue tasks through here, so imports run one way (tasks →
services → queue). tests/test_architecture.py checks every name is a
registered task.

Publishing never raises. It runs after the data is committed, often in the
request that saved it, and a broker that is down must not turn a saved answer
into an error page. Each call says whether the message went out; what didn't
stays marked in the database (an answer waiting, a summary stale, a scoring
claim given up) and the next sweep queues it.
"""

import logging

from celery import current_app

from insights.models import RoundSummary
from surveys.models import PulseRound

logger = logging.getLogger(__name__)

SCORE_ROUND = "insights.tasks.score_round"
SUMMARIZE_ROUND = "insights.tasks.summarize_round"
REFRESH_CASCADE = "insights.tasks.refresh_cascade"
SEND_ROUND_RESULTS = "insights.tasks.send_round_results"
TASK_NAMES = (SCORE_ROUND, SUMMARIZE_ROUND, REFRESH_CASCADE, SEND_ROUND_RESULTS)


def _publish(name: str, args: tuple, *, countdown: float | None = None) -> bool:
    try:
        current_app.send_task(name, args=args, countdown=countdown)
    except Exception:  # whatever the broker or its client raise, the answer is the same
        logger.warning("Could not queue %s%r; the sweep will queue it", name, args, exc_info=True)
        return False
    return True


def queue_round_scoring(round_id: int) -> bool:
    return _publish(SCORE_ROUND, (round_id,))


def queue_round_summary(round_id: int, *, countdown: float | None = None) -> bool:
    if _publish(SUMMARIZE_ROUND, (round_id,), countdown=countdown):
        return True
    # Stale is what the sweep looks for: the summary is queued again within a minute,
    # even for a round closed before any answer was scored (it has no summary row yet).
    if not RoundSummary.objects.filter(round_id=round_id).update(stale=True):
        pulse_round = PulseRound.objects.get(pk=round_id)
        RoundSummary.objects.get_or_create(
            round=pulse_round,
            defaults={"unit_id": pulse_round.unit_id, "closes_at": pulse_round.closes_at, "stale": True},
        )
    return False


def queue_cascade_refresh(unit_id: int) -> bool:
    return _publish(REFRESH_CASCADE, (unit_id,))


def queue_round_results(round_id: int) -> bool:
    # Nothing to mark when it fails: the results sweep finds every round with unsent emails.
    return _publish(SEND_ROUND_RESULTS, (round_id,))
