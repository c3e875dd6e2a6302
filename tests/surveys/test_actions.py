"""The services behind replies and actions: what they refuse, and what the audit log keeps."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from surveys.actions import (
    ActionDraft,
    ActionRefused,
    action_add,
    action_set_status,
    actions_since,
    possible_owners,
    talk_record,
)
from surveys.models import TeamAction
from surveys.replies import ReplyRefused, previous_closed_round, reply_save
from teams.models import AuditEvent, Membership
from tests.factories import MembershipFactory, UserFactory, closed_round_with_summary

pytestmark = pytest.mark.django_db
CLOSED = datetime(2026, 2, 1, tzinfo=UTC)  # before the conftest's open pulse (T0)


@pytest.fixture
def closed_round(team, leader, statement):
    return closed_round_with_summary(team, closes_at=CLOSED, respondents=6, alignment=60).round


def draft(**overrides) -> ActionDraft:
    values = {
        "title": "Open each demo with why",
        "owner_id": None,
        "due_on": timezone.localdate(),
        "ideas": [],
    }
    return ActionDraft(**(values | overrides))


def test_no_reply_to_an_open_pulse(pulse_round, leader):
    with pytest.raises(ReplyRefused, match="once the pulse has closed"):
        reply_save(pulse_round=pulse_round, theme=None, topic="", text="Hi", publish=True, author=leader)


def test_a_reply_is_rewritten_in_place_and_stays_published(closed_round, leader):
    first = reply_save(pulse_round=closed_round, theme=1, topic="", text="First", publish=True, author=leader)
    again = reply_save(
        pulse_round=closed_round, theme=1, topic="T", text="Second", publish=False, author=leader
    )
    assert again.pk == first.pk and again.text == "Second" and again.published_at == first.published_at
    assert AuditEvent.objects.filter(action__startswith="reply.").count() == 2


def test_owners_are_the_units_active_people(team, leader, member, colleague):
    gone = MembershipFactory(unit=team, role=Membership.Role.MEMBER, user__is_active=False).user
    owners = set(possible_owners(team))
    assert {leader, member} <= owners and colleague not in owners and gone not in owners


def test_an_action_needs_a_title_an_owner_of_the_team_and_a_day_not_past(team, leader, member, closed_round):
    stranger = UserFactory(organization=team.organization)
    with pytest.raises(ActionRefused) as refused:
        action_add(
            unit=team,
            pulse_round=closed_round,
            draft=draft(title=" ", owner_id=stranger.pk, due_on=timezone.localdate() - timedelta(days=1)),
            acting_user=leader,
        )
    message = str(refused.value)
    assert "Say what the team will do." in message
    assert "Choose an owner from the people of Payments." in message
    assert "The due date has passed" in message
    assert not TeamAction.objects.exists()
    action = action_add(
        unit=team, pulse_round=closed_round, draft=draft(owner_id=member.pk), acting_user=leader
    )
    assert action.owner == member and AuditEvent.objects.filter(action="action.add").exists()


def test_status_moves_are_recorded_once(team, leader, member, closed_round):
    action = action_add(
        unit=team, pulse_round=closed_round, draft=draft(owner_id=member.pk), acting_user=leader
    )
    assert action_set_status(action=action, status="done", acting_user=member) is True
    assert action_set_status(action=action, status="done", acting_user=member) is False
    with pytest.raises(ActionRefused):
        action_set_status(action=action, status="finished", acting_user=member)
    assert AuditEvent.objects.filter(action="action.done").count() == 1


def test_since_the_last_pulse_lists_open_actions_and_those_done_since(team, leader, member, closed_round):
    open_one = action_add(
        unit=team, pulse_round=closed_round, draft=draft(owner_id=member.pk), acting_user=leader
    )
    done_before = action_add(
        unit=team, pulse_round=closed_round, draft=draft(title="Old", owner_id=member.pk), acting_user=leader
    )
    done_since = action_add(
        unit=team, pulse_round=closed_round, draft=draft(title="New", owner_id=member.pk), acting_user=leader
    )
    action_set_status(action=done_before, status="done", acting_user=leader, now=CLOSED - timedelta(days=1))
    action_set_status(action=done_since, status="done", acting_user=leader, now=CLOSED + timedelta(days=1))
    assert [a.pk for a in actions_since(team, CLOSED)] == [open_one.pk, done_since.pk]


def test_the_talk_is_recorded_for_a_closed_round_on_a_real_day(team, leader, closed_round, pulse_round):
    with pytest.raises(ActionRefused):
        talk_record(pulse_round=pulse_round, held_on=timezone.localdate(), acting_user=leader)
    with pytest.raises(ActionRefused):
        talk_record(pulse_round=closed_round, held_on=CLOSED.date() - timedelta(days=1), acting_user=leader)
    talk = talk_record(pulse_round=closed_round, held_on=timezone.localdate(), acting_user=leader)
    assert talk.round == closed_round and talk.recorded_by == leader


def test_the_previous_round_is_the_last_one_closed_before_this_opened(closed_round, pulse_round):
    assert previous_closed_round(pulse_round) == closed_round
    assert previous_closed_round(closed_round) is None
