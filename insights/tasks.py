"""Thin Celery tasks: take ids, call a service, retry on failure. Queued through insights.queue."""

from celery import shared_task

from insights import cascade, scoring, summaries


@shared_task(bind=True, acks_late=True, autoretry_for=(Exception,), retry_backoff=5, max_retries=5)
def score_round(self, round_id: int) -> int:
    return scoring.round_score_waiting(round_id=round_id)


@shared_task(bind=True, acks_late=True, autoretry_for=(Exception,), retry_backoff=5, max_retries=5)
def summarize_round(self, round_id: int) -> None:
    summaries.round_summarize(round_id=round_id)


@shared_task
def sweep_unscored() -> int:
    return scoring.unscored_sweep()


@shared_task(bind=True, acks_late=True, autoretry_for=(Exception,), retry_backoff=5, max_retries=5)
def refresh_cascade(self, unit_id: int) -> int:
    return cascade.cascade_refresh(unit_id=unit_id)
