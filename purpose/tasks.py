"""Thin Celery tasks around purpose.scoring: take ids, call a service, retry on failure."""

from celery import shared_task

from purpose import scoring


@shared_task(bind=True, acks_late=True, autoretry_for=(Exception,), retry_backoff=5, max_retries=5)
def score_response(self, response_id: str) -> int:
    return scoring.response_score(response_id=response_id)


@shared_task(bind=True, acks_late=True, autoretry_for=(Exception,), retry_backoff=5, max_retries=5)
def score_round(self, round_id: int) -> int:
    return scoring.round_score_waiting(round_id=round_id)


@shared_task(bind=True, acks_late=True, autoretry_for=(Exception,), retry_backoff=5, max_retries=5)
def summarize_round(self, round_id: int) -> None:
    scoring.round_summarize(round_id=round_id)


@shared_task
def sweep_unscored() -> int:
    return scoring.unscored_sweep()


@shared_task(bind=True, acks_late=True, autoretry_for=(Exception,), retry_backoff=5, max_retries=5)
def refresh_cascade(self, unit_id: int) -> int:
    return scoring.cascade_refresh(unit_id=unit_id)
