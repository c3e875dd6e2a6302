"""The layers below announce changes through their own signals; insights queues the work."""

from django.dispatch import receiver

from insights.queue import queue_cascade_refresh, queue_round_summary
from insights.scoring import round_scoring_queue
from purpose.signals import statement_saved
from surveys.signals import answer_saved, round_closed


@receiver(answer_saved, dispatch_uid="insights.score_answer")
def score_saved_answer(sender, *, round_id: int, **kwargs) -> None:
    round_scoring_queue(round_id=round_id)


@receiver(round_closed, dispatch_uid="insights.final_summary")
def summarize_closed_round(sender, *, round_id: int, **kwargs) -> None:
    queue_round_summary(round_id)


@receiver(statement_saved, dispatch_uid="insights.cascade")
def refresh_cascade_of_unit(sender, *, unit_id: int, **kwargs) -> None:
    queue_cascade_refresh(unit_id)
