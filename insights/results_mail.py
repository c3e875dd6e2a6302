"""Emails that close the loop: the team's results to every invited member, and action reminders.

Results go once a round's final summary exists and its organization round has
been decided (insights.disclosure): before that nobody knows whether the reading
may be shown. Only a round whose reading the team view shows is emailed; each
invitation is claimed by inserting its surveys.ResultsEmail row before the send
(and the row is deleted again if the send fails), so nobody gets it twice.

The sweep (every minute, config/celery.py) finds rounds closed in the last
RESULTS_WINDOW whose results are still unsent and queues one task per round; the
final summary's task runs it at once for its organization, so emails leave
within seconds of the close when all goes well.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from insights.disclosure import cohorts_cut
from insights.models import RoundSummary
from insights.queue import queue_round_results
from insights.results import results_link_token, team_results
from surveys.actions import action_reminder_claim, action_reminder_release, actions_due_for_reminder
from surveys.models import Invitation, PulseRound, ResultsEmail, TeamAction
from surveys.selectors import invitee_is_member
from teams.models import Organization, Unit

logger = logging.getLogger(__name__)

RESULTS_WINDOW = timedelta(days=7)  # a round not emailed within a week of closing is not emailed late
REMIND_DAYS_BEFORE = 2  # an action's owner hears two days before it is due


def _unsent(round_id) -> Exists:
    return Exists(
        Invitation.objects.filter(invitee_is_member(), round_id=round_id, results_email__isnull=True)
    )


def results_due_rounds(*, now: datetime, organization_id: int | None = None) -> list[int]:
    """Rounds whose results may go out now and still have someone to send them to."""
    summaries = RoundSummary.objects.filter(
        is_final=True,
        stale=False,
        cohort__isnull=False,
        round__status=PulseRound.Status.CLOSED,
        round__closed_at__gte=now - RESULTS_WINDOW,
    ).filter(_unsent(OuterRef("round_id")), ~Exists(Unit.objects.filter(parent_id=OuterRef("unit_id"))))
    if organization_id is not None:
        summaries = summaries.filter(unit__organization_id=organization_id)
    # A cheap first look at the stored decision (a unit with units inside shows its roll-up,
    # never its own round); the send checks again with the team view.
    return [
        round_id
        for round_id, unit_id, shown in summaries.values_list("round_id", "unit_id", "cohort__shown")
        if unit_id in shown
    ]


def _organization_rounds_decide(*, now: datetime, organization_id: int | None) -> None:
    """Gather recently closed final summaries into their organization rounds (insights.disclosure).

    Pages do it when they read; results must not wait for somebody to open a dashboard.
    """
    undecided = RoundSummary.objects.filter(
        is_final=True, stale=False, cohort__isnull=True, round__closed_at__gte=now - RESULTS_WINDOW
    )
    if organization_id is not None:
        undecided = undecided.filter(unit__organization_id=organization_id)
    for organization in Organization.objects.filter(pk__in=undecided.values("unit__organization_id")):
        cohorts_cut(organization=organization)


def results_queue_due(*, now: datetime | None = None, organization_id: int | None = None) -> int:
    """Queue the results emails of every round that is due. Never raises on the broker."""
    now = now or timezone.now()
    _organization_rounds_decide(now=now, organization_id=organization_id)
    queued = 0
    for round_id in results_due_rounds(now=now, organization_id=organization_id):
        queued += queue_round_results(round_id)
    return queued


def results_link(invitation: Invitation) -> str:
    return settings.SITE_URL + reverse("results_link", args=[results_link_token(invitation)])


def round_results_send(*, round_id: int, now: datetime | None = None) -> tuple[int, list[int]]:
    """Email the round's results to each invited member not yet sent them.

    Returns (how many this call sent, invitation ids whose send failed and was released).
    Nothing is sent unless the team view shows the round's reading.
    """
    now = now or timezone.now()
    pulse_round = PulseRound.objects.select_related("unit__organization", "purpose_statement").get(
        pk=round_id
    )
    results = team_results(pulse_round.unit, round_id=round_id)
    if results is None or results.hidden:
        return 0, []
    ids = list(
        Invitation.objects.filter(
            invitee_is_member(), round_id=round_id, results_email__isnull=True
        ).values_list("pk", flat=True)
    )
    sent, failed = 0, []
    with get_connection() as connection:
        for invitation_id in ids:
            try:
                if _claim_and_send(invitation_id, results, now=now, connection=connection):
                    sent += 1
            except Exception:
                logger.exception("Results email for invitation %s failed; it will be retried", invitation_id)
                failed.append(invitation_id)
    return sent, failed


def _claim_and_send(invitation_id: int, results, *, now: datetime, connection) -> bool:
    try:
        with transaction.atomic():
            ResultsEmail.objects.create(invitation_id=invitation_id, sent_at=now)
    except IntegrityError:
        return False  # another task claimed it
    invitation = Invitation.objects.select_related("user").get(pk=invitation_id)
    try:
        _results_message(invitation, results, connection=connection).send()
    except Exception:
        ResultsEmail.objects.filter(invitation_id=invitation_id, sent_at=now).delete()
        raise
    return True


def _results_message(invitation: Invitation, results, *, connection) -> EmailMultiAlternatives:
    context = {
        "user": invitation.user,
        "unit": results.unit,
        "results": results,
        "link": results_link(invitation),
    }
    message = EmailMultiAlternatives(
        subject=f"Here is how {results.unit.name} describes its purpose",
        body=render_to_string("insights/email/results.txt", context),
        to=[invitation.user.email],
        connection=connection,
    )
    message.attach_alternative(render_to_string("insights/email/results.html", context), "text/html")
    return message


# --- Action reminders ---------------------------------------------------------------------------


def action_reminders_send(*, now: datetime | None = None) -> int:
    """Remind each owner of an open action due within REMIND_DAYS_BEFORE days, once. Returns how many."""
    now = now or timezone.now()
    due = actions_due_for_reminder(today=timezone.localdate(now), days_before=REMIND_DAYS_BEFORE)
    sent = 0
    with get_connection() as connection:
        for action_id in list(due.values_list("pk", flat=True)):
            if not action_reminder_claim(action_id=action_id, now=now):
                continue
            action = TeamAction.objects.select_related("owner", "unit").get(pk=action_id)
            try:
                _reminder_message(action, connection=connection).send()
            except Exception:
                action_reminder_release(action_id=action_id, now=now)
                logger.exception("Reminder for action %s failed; the next sweep retries it", action_id)
                continue
            sent += 1
    return sent


def _reminder_message(action: TeamAction, *, connection) -> EmailMultiAlternatives:
    unit: Unit = action.unit
    context = {
        "user": action.owner,
        "action": action,
        "unit": unit,
        "link": settings.SITE_URL + reverse("team_results", args=[unit.pk]),
    }
    return EmailMultiAlternatives(
        subject=f"Due {action.due_on:%-d %B}: {action.title}",
        body=render_to_string("insights/email/action_reminder.txt", context),
        to=[action.owner.email],
        connection=connection,
    )
