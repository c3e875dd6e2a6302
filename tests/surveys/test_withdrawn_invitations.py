"""Leaving a team, by any path, withdraws the person's open invitations in the same transaction:
no email or reminder goes to them, they leave the invited count, and their link says why and since when."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from insights.models import RoundSummary
from insights.summaries import round_summarize
from surveys.answering import response_submit
from surveys.emails import emails_sweep, invitation_remind, invitation_send
from surveys.models import Invitation, WithdrawnReason
from surveys.rounds import round_close, round_open, rounds_remind_due
from surveys.selectors import round_rate
from teams.models import Membership, User
from teams.org_settings.services import person_place
from teams.services import membership_remove
from tests.factories import MembershipFactory, PurposeStatementFactory, UnitFactory
from tests.surveys.conftest import answers, queued_ids
from tests.surveys.test_leavers import form_data, url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def during_the_round(time_machine, t0):
    time_machine.move_to(t0 + timedelta(hours=1), tick=False)


@pytest.fixture
def superuser(client):
    root = User.objects.create_superuser("root@example.com", "x")
    client.force_login(root)
    return root


def deactivate(user: User) -> None:
    user.is_active = False
    user.save()


def withdrawn(invitation: Invitation) -> tuple:
    invitation.refresh_from_db()
    return invitation.withdrawn_at, invitation.withdrawn_reason


def test_removing_a_member_withdraws_their_invitation_and_counts_them_out(
    team, member, invitation, pulse_round, t0
):
    assert pulse_round.invited_count == 6
    membership_remove(unit=team, user=member, acting_user=None)
    assert withdrawn(invitation) == (t0 + timedelta(hours=1), WithdrawnReason.LEFT_TEAM)
    pulse_round.refresh_from_db()
    assert pulse_round.invited_count == 5 and round_rate(pulse_round).invited == 5


@pytest.mark.parametrize(
    "remove",
    [
        lambda team, user: Membership.objects.filter(unit=team, user=user).delete(),
        lambda team, user: Membership.objects.filter(unit=team).exclude(role="leader").delete(),
        lambda team, user: team.memberships.get(user=user).delete(),
    ],
    ids=["queryset", "bulk", "instance"],
)
def test_every_way_of_deleting_a_membership_withdraws(team, member, members, pulse_round, invitation, remove):
    remove(team, member)
    assert withdrawn(invitation)[1] == WithdrawnReason.LEFT_TEAM


def test_deactivating_withdraws_the_open_invitations_of_every_unit(team, member, invitation, org, t0):
    other_team = UnitFactory(organization=org, name="Billing")
    PurposeStatementFactory(unit=other_team, version=1)
    MembershipFactory(unit=other_team, user=member)
    other = round_open(
        unit=other_team, scheduled_for=t0, closes_at=t0 + timedelta(days=5), remind_at=None, now=t0
    )
    deactivate(member)
    assert withdrawn(invitation)[1] == WithdrawnReason.DEACTIVATED
    assert Invitation.objects.get(round=other, user=member).withdrawn_reason == WithdrawnReason.DEACTIVATED


def test_saving_an_active_account_or_a_login_withdraws_nothing(member, invitation):
    member.name = "Mia Renamed"
    member.save()
    member.save(update_fields=["last_login"])
    assert withdrawn(invitation) == (None, "")


def test_leaving_one_team_keeps_the_pulses_of_another_and_closed_ones(team, member, invitation, org, t0):
    other_team = UnitFactory(organization=org, name="Billing")
    PurposeStatementFactory(unit=other_team, version=1)
    MembershipFactory(unit=other_team, user=member)
    other = round_open(
        unit=other_team, scheduled_for=t0, closes_at=t0 + timedelta(days=5), remind_at=None, now=t0
    )
    round_close(round_id=other.pk, now=t0 + timedelta(minutes=30))
    membership_remove(unit=other_team, user=member, acting_user=None)
    assert withdrawn(invitation) == (None, "")  # Payments: still a member
    assert Invitation.objects.get(round=other, user=member).withdrawn_at is None  # closed: history


def test_moving_someone_to_another_unit_in_the_admin_withdraws(
    client, superuser, team, member, invitation, org
):
    billing = UnitFactory(organization=org, name="Billing")
    membership = Membership.objects.get(unit=team, user=member)
    moved = client.post(
        reverse("admin:teams_membership_change", args=[membership.pk]),
        {
            "user": member.pk,
            "unit": billing.pk,
            "role": "member",
            "created_at_0": "2026-03-01",
            "created_at_1": "09:00",
        },
    )
    assert moved.status_code == 302, moved.content.decode()[:2000]
    assert withdrawn(invitation)[1] == WithdrawnReason.LEFT_TEAM


def test_deleting_selected_memberships_in_the_admin_withdraws_each(
    client, superuser, team, members, pulse_round
):
    leaving = members[:3]
    ids = list(Membership.objects.filter(unit=team, user__in=leaving).values_list("pk", flat=True))
    done = client.post(
        reverse("admin:teams_membership_changelist"),
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert done.status_code == 302
    assert set(Invitation.objects.filter(withdrawn_at__isnull=False).values_list("user_id", flat=True)) == {
        u.pk for u in leaving
    }
    pulse_round.refresh_from_db()
    assert pulse_round.invited_count == 3


def test_the_withdrawal_is_in_the_leaving_transaction(team, member, invitation):
    """If withdrawing fails, the person hasn't left either: never gone with a link still open."""
    with mock.patch("surveys.receivers.invitations_withdraw", side_effect=RuntimeError("boom")):
        with pytest.raises(RuntimeError), transaction.atomic():
            membership_remove(unit=team, user=member, acting_user=None)
    assert Membership.objects.filter(unit=team, user=member).exists()
    assert withdrawn(invitation) == (None, "")


def test_the_link_says_they_left_the_team_and_when(client, team, member, invitation):
    membership_remove(unit=team, user=member, acting_user=None)
    page = client.get(url(invitation))
    text = page.content.decode()
    assert page.status_code == 410
    assert "You left Payments on 2 March 2026, so this pulse is no longer yours to answer." in text
    sent = client.post(url(invitation), form_data())
    assert sent.status_code == 410 and "You left Payments on 2 March 2026" in sent.content.decode()
    assert not invitation.round.responses.exists()


def test_the_link_says_the_account_was_closed(client, member, invitation):
    deactivate(member)
    page = client.get(url(invitation))
    assert page.status_code == 410
    assert "Your account was closed on 2 March 2026, so this Payments pulse is no longer yours" in (
        page.content.decode()
    )


def test_a_member_made_leader_of_the_team_is_no_longer_asked(client, team, member, invitation, org_admin, t0):
    """Leaders are not asked: their statement is what the answers are compared with."""
    person_place(
        person=member, unit=team, role=Membership.Role.LEADER, member_above=False, acting_user=org_admin
    )
    assert withdrawn(invitation) == (t0 + timedelta(hours=1), WithdrawnReason.LEADS_TEAM)
    invitation.round.refresh_from_db()
    assert invitation.round.invited_count == 5
    page = client.get(url(invitation))
    text = page.content.decode()
    assert page.status_code == 410 and "You lead Payments since 2 March 2026" in text
    assert "ask its leader" not in text
    sent = client.post(url(invitation), form_data())
    assert sent.status_code == 410 and not invitation.round.responses.exists()
    assert invitation_send(invitation_id=invitation.pk) is False


def test_a_role_change_nobody_announced_still_closes_the_link(client, team, member, invitation):
    Membership.objects.filter(unit=team, user=member).update(role=Membership.Role.LEADER)
    page = client.get(url(invitation))
    assert page.status_code == 403 and "You are no longer part of this team's pulse" in page.content.decode()
    assert invitation_send(invitation_id=invitation.pk) is False


def test_a_leaving_nobody_announced_still_closes_the_link(client, team, member, invitation):
    """A queryset update sends no signal: the link is still refused, only without the reason."""
    User.objects.filter(pk=member.pk).update(is_active=False)
    page = client.get(url(invitation))
    assert page.status_code == 403 and "You are no longer part of this team's pulse" in page.content.decode()
    assert invitation_send(invitation_id=invitation.pk) is False


def test_no_invitation_email_after_leaving(team, member, invitation, pulse_round, members, t0, queued):
    membership_remove(unit=team, user=member, acting_user=None)
    assert invitation_send(invitation_id=invitation.pk) is False
    assert mail.outbox == []
    # The sweep re-queues the others' lost emails, never theirs.
    Invitation.objects.filter(round=pulse_round).update(queued_at=None)
    assert emails_sweep() == 5
    assert invitation.pk not in queued_ids(queued.invitations)


def test_no_reminder_after_leaving(team, member, invitation, pulse_round, t0, queued):
    Invitation.objects.filter(round=pulse_round).update(sent_at=t0)
    membership_remove(unit=team, user=member, acting_user=None)
    assert rounds_remind_due(now=t0 + timedelta(days=2, minutes=1)) == 5
    assert invitation.pk not in queued_ids(queued.reminders)
    assert invitation_remind(invitation_id=invitation.pk, now=t0 + timedelta(days=2, minutes=2)) is False
    assert mail.outbox == []


def test_an_answer_given_before_leaving_stays_and_the_counts_give_nothing_away(
    team, members, pulse_round, t0
):
    """Five of six answer; then one who answered leaves, and one who didn't. Each leaves the
    invited count, so the count moves the same whether or not they answered; the answered
    count shown is capped at the invited (4 of 4), and the answer itself stays."""
    pulse_round.unit.organization.min_group_size = 3
    pulse_round.unit.organization.save()
    invitations = {i.user_id: i for i in pulse_round.invitations.all()}
    for person in members[:5]:
        response_submit(invitation=invitations[person.pk], answers=answers(), seen_revision=0)
    membership_remove(unit=team, user=members[0], acting_user=None)  # had answered
    pulse_round.refresh_from_db()
    after_answered = (round_rate(pulse_round).invited, round_rate(pulse_round).answered)
    membership_remove(unit=team, user=members[5], acting_user=None)  # had not
    pulse_round.refresh_from_db()
    assert after_answered == (5, 5)
    assert (round_rate(pulse_round).invited, round_rate(pulse_round).answered) == (4, 4)
    assert pulse_round.responses.count() == 5  # the answer given while in the team stays
    round_close(round_id=pulse_round.pk, now=t0 + timedelta(days=5))
    summary = round_summarize(round_id=pulse_round.pk)
    assert (summary.invited, summary.answered) == (4, 5)
    assert RoundSummary.objects.get(round=pulse_round).invited == 4


def test_a_bulk_delete_withdraws_in_the_same_few_queries_however_many_leave(team, members, make_round):
    """One signal for the whole delete: 2 leaving or 20 cost the same number of queries."""
    more = [MembershipFactory(unit=team).user for _ in range(20)]
    pulse_round = make_round()

    def leave_and_count(people) -> int:
        with CaptureQueriesContext(connection) as captured:
            Membership.objects.filter(unit=team, user__in=people).delete()
        return len(captured.captured_queries)

    few, many = leave_and_count(members[:2]), leave_and_count(more)
    assert many == few
    assert pulse_round.invitations.filter(withdrawn_at__isnull=False).count() == 22
    pulse_round.refresh_from_db()
    assert pulse_round.invited_count == 4
