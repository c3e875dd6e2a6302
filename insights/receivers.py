"""The layers below announce changes through their own signals; insights queues the work."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from insights.figures_cache import figures_changed
from insights.marks import marks_by_person
from insights.models import Cohort, RoundSummary
from insights.queue import queue_cascade_refresh, queue_round_summary
from insights.scoring import round_scoring_queue
from insights.summaries import summary_mark_stale
from purpose.signals import statement_saved
from surveys.signals import answer_saved, round_closed, round_figures_changed
from teams.models import Membership, Organization, Unit
from teams.signals import memberships_ended, person_data_requested, units_changed


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


# The organization's figures (insights.figures_cache) are made of its units, its threshold and its
# cohorts' summaries; memberships decide whose scope they are narrowed to. Any change to one of
# them gives the organization a new figures version, in the transaction of the change.


@receiver(post_save, sender=Organization, dispatch_uid="insights.figures_organization")
def organization_saved(sender, instance: Organization, raw=False, **kwargs) -> None:
    if not raw:
        figures_changed(instance.pk)


@receiver(post_save, sender=Unit, dispatch_uid="insights.figures_unit_saved")
def unit_changed(sender, instance: Unit, raw=False, **kwargs) -> None:
    if not raw:
        figures_changed(instance.organization_id)


@receiver(post_delete, sender=Unit, dispatch_uid="insights.figures_unit_deleted")
def unit_deleted(sender, instance: Unit, **kwargs) -> None:
    figures_changed(instance.organization_id, deleting=True)


@receiver(post_save, sender=Membership, dispatch_uid="insights.figures_membership_saved")
def membership_saved(sender, instance: Membership, raw=False, **kwargs) -> None:
    if not raw:
        _units_changed({instance.unit_id})


@receiver(memberships_ended, dispatch_uid="insights.figures_memberships_ended")
def memberships_gone(sender, *, memberships, **kwargs) -> None:
    _units_changed({unit_id for _, unit_id in memberships}, deleting=True)


@receiver(units_changed, dispatch_uid="insights.figures_bulk")
def units_written(sender, *, organization_id: int, **kwargs) -> None:
    figures_changed(organization_id)


@receiver(post_delete, sender=RoundSummary, dispatch_uid="insights.figures_summary_deleted")
def summary_deleted(sender, instance: RoundSummary, **kwargs) -> None:
    # A round deleted in the admin, or a unit's rounds with it: only a cohort's summary is shown.
    if instance.cohort_id is not None:
        for organization_id in Cohort.objects.filter(pk=instance.cohort_id).values_list(
            "organization_id", flat=True
        ):
            figures_changed(organization_id, deleting=True)


def _units_changed(unit_ids: set[int], *, deleting: bool = False) -> None:
    for organization_id in (
        Unit.objects.filter(pk__in=unit_ids).values_list("organization_id", flat=True).distinct()
    ):
        figures_changed(organization_id, deleting=deleting)
