"""The demo after a pulse: Payments' last round is answered, talked through and acted on.

Made by the product's own services, as a leader would on the talk-it-through page:
two published replies (one to a theme of the questions, one to everyone), two actions
(one done, one open and due in two days), the meeting, the team's stage, and a new
version of the purpose shaped with the team's suggestions (the proposals members gave
in the last pulse, which demo.history writes). The demo's past results count as
emailed, so the results sweep doesn't mail old pulses to the demo's people.
"""

from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from insights.proposals import round_proposals
from insights.talk import question_themes
from purpose.models import TeamStage
from purpose.selectors import statement_in_force
from purpose.services import purpose_update
from purpose.stages import stage_set
from surveys.actions import ActionDraft, action_add, action_set_status, talk_record
from surveys.models import Invitation, LeaderReply, PulseRound, ResultsEmail, TeamAction
from surveys.replies import reply_save
from teams.models import Membership, Organization, Unit, User

# What Payments' members proposed in the last pulse ("What would you change in how we describe
# our purpose?"): two meanings (say merchants; add refunds) and one about length.
PAYMENTS_PROPOSALS = (
    "Say merchants instead of small businesses: that is who we talk to every day.",
    "Call them merchants. Nobody on the team says small businesses.",
    "Add refunds: getting the money back is part of the payment flow too.",
    "Mention refunds and disputes, not only the first try at a sale.",
    "Keep the part about the money never being in doubt; that is what people remember.",
)
PAYMENTS_V3 = (
    "We make it effortless for merchants to accept card and bank payments and to refund them, "
    "so that every sale goes through on the first try and the money is never in doubt."
)
THEME_REPLY = (
    "The new plan, and how our work is measured",
    "The plan doesn't change what we're for: it puts refunds inside our flow from next quarter. "
    "We're measured on first-try success and on how fast a merchant knows where their money is; "
    "I'll share the dashboard in Monday's stand-up.",
)
REPLY_TO_ALL = (
    "Thank you",
    "Thanks for the proposals on how we put our purpose: I've taken 'merchants' and refunds into "
    "version 3. Tell me in the next pulse whether it reads like our work.",
)
ACTION_DONE = "Open each stand-up with one merchant's payment story"
ACTION_OPEN = "Write the refunds runbook with Customer Support"
STAGES = {
    "Payments": (TeamStage.Stage.IMPLEMENT, "Trying what we agreed after the last pulse; refunds are next."),
    "Growth": (TeamStage.Stage.PLAN, "Agreeing which experiments we stop."),
    "Customer Support": (TeamStage.Stage.GET_READY, "New team lead; getting to know who relies on us."),
}


def demo_loop_needed(organization: Organization) -> bool:
    return not LeaderReply.objects.filter(round__unit__organization=organization).exists()


def demo_loop(organization: Organization, *, progress: Callable[[str], None] = lambda _: None) -> bool:
    """Close the loop on Payments' last pulse; False when there is no closed pulse to do it on."""
    payments = Unit.objects.filter(organization=organization, name="Payments").first()
    last = (
        PulseRound.objects.filter(unit=payments, status=PulseRound.Status.CLOSED)
        .order_by("-closes_at")
        .first()
        if payments
        else None
    )
    if last is None:
        return False
    today = timezone.localdate()
    with transaction.atomic():
        _past_results_emailed(organization)
        leader = _leader(payments)
        themes = question_themes(last)
        if themes:
            topic, text = THEME_REPLY
            reply_save(
                pulse_round=last, theme=themes[0].index, topic=topic, text=text, publish=True, author=leader
            )
        reply_save(
            pulse_round=last,
            theme=None,
            topic=REPLY_TO_ALL[0],
            text=REPLY_TO_ALL[1],
            publish=True,
            author=leader,
        )
        members = list(
            User.objects.filter(
                memberships__unit=payments, memberships__role=Membership.Role.MEMBER
            ).order_by("email")
        )
        # Max Keller (the demo member) did the first; someone else owns the open one.
        owners = sorted(members, key=lambda m: m.email != "member@demo.example")
        done = action_add(
            unit=payments,
            pulse_round=last,
            draft=ActionDraft(
                title=ACTION_DONE, owner_id=owners[0].pk, due_on=today + timedelta(days=1), ideas=[]
            ),
            acting_user=leader,
        )
        action_set_status(action=done, status=TeamAction.Status.DONE, acting_user=owners[0])
        action_add(
            unit=payments,
            pulse_round=last,
            draft=ActionDraft(
                title=ACTION_OPEN, owner_id=owners[1].pk, due_on=today + timedelta(days=2), ideas=[]
            ),
            acting_user=leader,
        )
        talk_record(
            pulse_round=last,
            held_on=min(last.closes_at.date() + timedelta(days=1), today),
            acting_user=leader,
        )
        for name, (stage, note) in STAGES.items():
            unit = Unit.objects.filter(organization=organization, name=name).first()
            if unit is not None:
                stage_set(unit=unit, stage=stage, note=note, acting_user=_leader(unit))
        _shaped_version(payments, last, leader)
    progress(
        "  Payments' last pulse: replies, actions, the meeting, a stage and a version shaped by the team"
    )
    return True


def _leader(unit: Unit) -> User:
    return User.objects.filter(memberships__unit=unit, memberships__role=Membership.Role.LEADER).first()


def _shaped_version(payments: Unit, last: PulseRound, leader: User) -> None:
    """Version 3, started from the team's proposals as the talk page hands them to the editor."""
    proposals = round_proposals(last)
    current = statement_in_force(payments)
    if not proposals or current is None:
        return  # a demo loaded before proposals were asked has none to draw on
    drawn_on = [text for text in proposals if "merchant" in text.lower() or "refund" in text.lower()]
    purpose_update(
        unit=payments,
        purpose=PAYMENTS_V3,
        fit=current.fit,
        author=leader,
        base_version=current.version,
        shaped_from=drawn_on,
    )


def _past_results_emailed(organization: Organization) -> None:
    """Count the demo's past results as emailed (at their close), so nobody is mailed old pulses."""
    invitations = Invitation.objects.filter(
        round__unit__organization=organization, round__status=PulseRound.Status.CLOSED
    ).filter(~Exists(ResultsEmail.objects.filter(invitation_id=OuterRef("pk"))))
    # A running worker may be emailing a just-closed round's results at the same time: the
    # rows it claimed stay (those emails went out), the rest are marked here.
    ResultsEmail.objects.bulk_create(
        (
            ResultsEmail(invitation_id=pk, sent_at=closes_at)
            for pk, closes_at in invitations.values_list("pk", "round__closes_at")
        ),
        ignore_conflicts=True,
    )
