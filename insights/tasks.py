"""Thin Celery tasks: take ids, call a service, retry on failure. Queued through insights.queue."""

from celery import shared_task
from django.core.exceptions import ObjectDoesNotExist

from insights import cascade, results_mail, scoring, summaries


@shared_task(bind=True, acks_late=True, autoretry_for=(Exception,), retry_backoff=5, max_retries=5)
def score_round(self, round_id: int) -> int:
    return scoring.round_score_waiting(round_id=round_id)


@shared_task(bind=True, acks_late=True, autoretry_for=(Exception,), retry_backoff=5, max_retries=5)
def summarize_round(self, round_id: int) -> None:
    try:
        summary = summaries.round_summarize(round_id=round_id)
    except ObjectDoesNotExist:  # deleted since it was queued (admin, emptied database): nothing to do
        return
    if summary.is_final:  # its organization round may just have been decided: results can go
        results_mail.results_queue_due(organization_id=summary.unit.organization_id)


@shared_task
def sweep_unscored() -> int:
    return scoring.unscored_sweep()


@shared_task(bind=True, acks_late=True, autoretry_for=(Exception,), retry_backoff=5, max_retries=5)
def refresh_cascade(self, unit_id: int) -> int:
    return cascade.cascade_refresh(unit_id=unit_id)


@shared_task(bind=True, acks_late=True, max_retries=5)
def send_round_results(self, round_id: int) -> int:
    try:
        sent, failed = results_mail.round_results_send(round_id=round_id)
    except ObjectDoesNotExist:  # deleted since it was queued: nobody to email
        return 0
    if failed:  # released claims: retry the round, the claims skip whoever got it
        raise self.retry(countdown=60 * (self.request.retries + 1))
    return sent


@shared_task
def sweep_results_emails() -> int:
    return results_mail.results_queue_due()


@shared_task
def send_action_reminders() -> int:
    return results_mail.action_reminders_send()
