"""Where insights puts work on the Celery queue.

Tasks are named, not imported: tasks.py calls the services, and the
services queue tasks through here, so imports run one way (tasks →
services → queue). tests/insights/test_queue.py checks every name is a
registered task.
"""

from celery import current_app

SCORE_ROUND = "insights.tasks.score_round"
SUMMARIZE_ROUND = "insights.tasks.summarize_round"
REFRESH_CASCADE = "insights.tasks.refresh_cascade"
TASK_NAMES = (SCORE_ROUND, SUMMARIZE_ROUND, REFRESH_CASCADE)


def queue_round_scoring(round_id: int) -> None:
    current_app.send_task(SCORE_ROUND, args=(round_id,))


def queue_round_summary(round_id: int, *, countdown: float | None = None) -> None:
    current_app.send_task(SUMMARIZE_ROUND, args=(round_id,), countdown=countdown)


def queue_cascade_refresh(unit_id: int) -> None:
    current_app.send_task(REFRESH_CASCADE, args=(unit_id,))
