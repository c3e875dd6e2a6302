"""The layers below announce changes through their own signals; insights queues the work."""

from django.dispatch import receiver

from insights.marks import marks_by_person
from insights.models import RoundSummary
from insights.queue import queue_cascade_refresh, queue_round_summary
from insights.scoring import round_scoring_queue
from insights.summaries import summary_mark_stale
from purpose.signals import statement_saved
from surveys.signals import answer_saved, round_closed, round_figures_changed
from teams.signals import person_data_requested


@receiver(answer_saved, dispatch_uid="insights.score_answer")
def score_saved_answer(sender, *, round_id: int, **kwargs) -> None:
    round_scoring_queue(round_id=round_id)


@receiver(round_closed, dispatch_uid="insights.final_summary")
def summarize_closed_round(sender, *, round_id: int, **kwargs) -> None:
    queue_round_summary(round_id)


@receiver(statement_saved, dispatch_uid="insights.cascade")
def refresh_cascade_of_unit(sender, *, unit_id: int, **kwargs) -> None:
    queue_cascade_refresh(unit_id)


@receiver(round_figures_changed, dispatch_uid="insights.figures_changed")
def refresh_changed_round(sender, *, round_id: int, **kwargs) -> None:
    # A round with no summary yet gets one with its next answer or its close.
    if RoundSummary.objects.filter(round_id=round_id).exists():
        summary_mark_stale(round_id=round_id)


@receiver(person_data_requested, dispatch_uid="insights.person_data")
def export_marks(sender, *, user, **kwargs) -> dict:
    return {"leader_marks": marks_by_person(user)}
