from datetime import timedelta
from unittest import mock

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import DateTimeField

from insights.models import AnswerScore
from purpose.models import PurposeStatement
from purpose.services import purpose_update
from surveys.answering import response_submit
from surveys.models import Invitation, PulseRound, PulseSchedule, Response, link_token_hash
from surveys.rounds import (
    RoundBlocked,
    _invitations_bulk_create,
    round_blockers,
    round_close,
    round_send_now,
    rounds_close_due,
    rounds_open_due,
    rounds_remind_due,
)
from surveys.scheduling import schedule_save
from teams.models import Membership
from tests.factories import MembershipFactory, PurposeStatementFactory, UnitFactory
from tests.surveys.conftest import answers, queued_ids

pytestmark = pytest.mark.django_db


# --- Opening ------------------------------------------------------------------------


def test_opening_pins_the_purpose_and_invites_members_not_leaders(
    make_round, team, leader, members, statement, queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        pulse_round = make_round()
    assert pulse_round.purpose_statement == statement
    invited = set(pulse_round.invitations.values_list("user_id", flat=True))
    assert invited == {m.pk for m in members}
    assert leader.pk not in invited
    assert pulse_round.invited_count == len(members)
    assert sorted(queued_ids(queued.invitations)) == sorted(
        pulse_round.invitations.values_list("pk", flat=True)
    )


def test_the_pinned_version_stays_when_the_leader_edits_later(pulse_round, team, leader, statement):
    purpose_update(unit=team, purpose="Something new", fit="", author=leader, base_version=1)
    pulse_round.refresh_from_db()
    assert pulse_round.purpose_statement == statement


def test_inactive_members_are_not_invited(make_round, members):
    members[1].is_active = False
    members[1].save()
    pulse_round = make_round()
    assert not pulse_round.invitations.filter(user=members[1]).exists()


def test_emails_are_queued_only_after_commit(make_round, queued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_round()
    assert queued.invitations.call_count == 0
    assert len(callbacks) == 1


def test_emails_are_queued_in_chunks(make_round, team, queued, django_capture_on_commit_callbacks):
    with mock.patch("surveys.emails.QUEUE_CHUNK", 4), django_capture_on_commit_callbacks(execute=True):
        pulse_round = make_round()
    assert [len(call.args[0]) for call in queued.invitations.call_args_list] == [4, 2]
    assert len(set(queued_ids(queued.invitations))) == pulse_round.invited_count


def test_no_purpose_no_round(team, members, t0):
    assert round_blockers(team) and "no purpose" in round_blockers(team)[0]
    schedule_save(schedule=PulseSchedule(organization=team.organization, unit=team), acting_user=None, now=t0)
    assert rounds_open_due(now=t0 + timedelta(days=8)) == 0
    assert not PulseRound.objects.exists()


def test_no_members_no_round(team, leader, statement, t0):
    assert any("no members" in reason for reason in round_blockers(team))
    schedule_save(schedule=PulseSchedule(organization=team.organization, unit=team), acting_user=None, now=t0)
    assert rounds_open_due(now=t0 + timedelta(days=8)) == 0
    assert not PulseRound.objects.exists()


def test_a_ready_unit_has_no_blockers(team, statement, members):
    assert round_blockers(team) == []


# --- Idempotency of opening ---------------------------------------------------------------


def test_beat_firing_twice_makes_one_round(
    unit_schedule, members, t0, queued, django_capture_on_commit_callbacks
):
    slot = unit_schedule.next_slot_at
    with django_capture_on_commit_callbacks(execute=True):
        assert rounds_open_due(now=slot) == 1
        assert rounds_open_due(now=slot) == 0
        assert rounds_open_due(now=slot + timedelta(seconds=30)) == 0
    assert PulseRound.objects.count() == 1
    assert Invitation.objects.count() == len(members)
    assert len(queued_ids(queued.invitations)) == len(members)


def test_a_stale_schedule_copy_cannot_open_a_second_round(unit_schedule, members, t0):
    """Two beats that both read the schedule before either advanced it: one round for the slot."""
    from surveys.rounds import schedule_open_slot

    slot = unit_schedule.next_slot_at
    first, second = (
        PulseSchedule.objects.get(pk=unit_schedule.pk),
        PulseSchedule.objects.get(pk=unit_schedule.pk),
    )
    assert schedule_open_slot(schedule=first, now=slot) == 1
    assert schedule_open_slot(schedule=second, now=slot) == 0
    assert PulseRound.objects.filter(unit=unit_schedule.unit, scheduled_for=slot).count() == 1
    unit_schedule.refresh_from_db()
    assert unit_schedule.next_slot_at == slot + timedelta(days=7)


def test_a_run_killed_mid_slot_is_finished_by_the_next_beat(org, unit_schedule, members, t0):
    """If the worker dies after opening some units but before advancing the schedule,
    the next beat opens the rest and none twice."""
    other = UnitFactory(organization=org, name="Payouts")
    PurposeStatementFactory(unit=other, version=1)
    MembershipFactory(unit=other)
    unit_schedule.delete()
    default = schedule_save(
        schedule=PulseSchedule(organization=org), acting_user=None, now=t0 - timedelta(hours=1)
    )
    slot = default.next_slot_at
    with mock.patch("surveys.rounds.schedule_advance", side_effect=SystemExit("worker killed")):
        with pytest.raises(SystemExit):
            rounds_open_due(now=slot)
    opened_first = PulseRound.objects.count()
    assert opened_first == 2  # both opened, the schedule not moved on
    assert rounds_open_due(now=slot + timedelta(minutes=1)) == 0
    assert PulseRound.objects.count() == 2
    assert Invitation.objects.count() == len(members) + 1


def test_a_crash_while_inviting_leaves_no_half_round(make_round, members):
    """The invitations go in by one COPY: a failure after some rows were written undoes them all."""
    derived = []

    def dies_at_the_fourth(round_id, user_id):
        if len(derived) == 3:
            raise RuntimeError("killed")
        derived.append(user_id)
        return link_token_hash(round_id, user_id)

    with mock.patch("surveys.rounds.link_token_hash", side_effect=dies_at_the_fourth):
        with pytest.raises(RuntimeError):
            make_round()
    assert len(derived) == 3  # three rows were on their way when it died
    assert not PulseRound.objects.exists()
    assert not Invitation.objects.exists()
    assert make_round() is not None
    assert Invitation.objects.count() == len(members)


def test_invitations_written_by_copy_are_those_bulk_create_writes(make_round, team, members, t0):
    """PostgreSQL takes a round's invitations by COPY, SQLite by bulk_create: the same rows.

    Compared column by column, so a field added to Invitation with a default that COPY
    does not write fails here."""
    assert connection.vendor == "postgresql"
    copied = make_round()
    other = PulseRound.objects.create(
        unit=team,
        purpose_statement=copied.purpose_statement,
        scheduled_for=t0 - timedelta(days=7),
        status=PulseRound.Status.CLOSED,
        opens_at=t0 - timedelta(days=7),
        closes_at=t0 - timedelta(days=2),
    )
    created_ids = _invitations_bulk_create(round_id=other.pk, user_ids=[m.pk for m in members], queued_at=t0)
    columns = [
        f.attname for f in Invitation._meta.concrete_fields if f.name not in ("id", "round", "token_hash")
    ]

    def rows(pulse_round):
        invitations = Invitation.objects.filter(round=pulse_round).order_by("user_id")
        for invitation in invitations:
            assert invitation.token_hash == link_token_hash(pulse_round.pk, invitation.user_id)
        return list(invitations.values_list(*columns))

    assert rows(copied) == rows(other)
    assert rows(copied)[0][columns.index("queued_at")] == t0
    assert sorted(created_ids) == sorted(other.invitations.values_list("pk", flat=True))


def test_unique_constraints_back_the_rules(pulse_round, member, team, statement, t0):
    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.create(round=pulse_round, user=member)
    with pytest.raises(IntegrityError), transaction.atomic():
        PulseRound.objects.create(
            unit=team,
            purpose_statement=statement,
            scheduled_for=pulse_round.scheduled_for,
            opens_at=t0,
            closes_at=t0 + timedelta(days=1),
            status="closed",
        )
    with pytest.raises(IntegrityError), transaction.atomic():  # a second open round, another slot
        PulseRound.objects.create(
            unit=team,
            purpose_statement=statement,
            scheduled_for=t0 + timedelta(hours=1),
            opens_at=t0,
            closes_at=t0 + timedelta(days=1),
        )


def test_a_missed_slot_is_skipped_not_opened_late(unit_schedule, members):
    slot = unit_schedule.next_slot_at
    assert rounds_open_due(now=slot + timedelta(days=6)) == 0  # beat was down past its closing time
    unit_schedule.refresh_from_db()
    assert unit_schedule.next_slot_at == slot + timedelta(days=7)


def test_a_paused_schedule_opens_nothing(unit_schedule, members):
    slot = unit_schedule.next_slot_at
    PulseSchedule.objects.filter(pk=unit_schedule.pk).update(is_active=False)
    assert rounds_open_due(now=slot) == 0


def test_the_org_default_covers_units_without_their_own(org, team, statement, members, t0):
    own = UnitFactory(organization=org, name="Own schedule")
    PurposeStatementFactory(unit=own, version=1)
    MembershipFactory(unit=own)
    schedule_save(
        schedule=PulseSchedule(organization=org, unit=own, weekday=3),
        acting_user=None,
        now=t0 - timedelta(hours=1),
    )
    default = schedule_save(
        schedule=PulseSchedule(organization=org), acting_user=None, now=t0 - timedelta(hours=1)
    )
    assert rounds_open_due(now=default.next_slot_at) == 1
    assert list(PulseRound.objects.values_list("unit", flat=True)) == [team.pk]


# --- Send now ---------------------------------------------------------------------------


def test_send_now_opens_a_round_and_refuses_a_second(team, leader, statement, members, t0):
    pulse_round = round_send_now(unit=team, acting_user=leader, now=t0)
    assert pulse_round.trigger == PulseRound.Trigger.MANUAL
    assert pulse_round.closes_at == t0 + timedelta(days=5)
    with pytest.raises(RoundBlocked, match="already open"):
        round_send_now(unit=team, acting_user=leader, now=t0 + timedelta(seconds=1))
    assert PulseRound.objects.count() == 1


def test_send_now_uses_the_schedule_length(team, leader, statement, members, t0):
    schedule_save(
        schedule=PulseSchedule(
            organization=team.organization, unit=team, open_days=3, remind_after_days=None
        ),
        acting_user=None,
    )
    pulse_round = round_send_now(unit=team, acting_user=leader, now=t0)
    assert pulse_round.closes_at == t0 + timedelta(days=3)
    assert pulse_round.remind_at is None


def test_send_now_says_why_it_cannot(team, leader, members):
    with pytest.raises(RoundBlocked, match="no purpose"):
        round_send_now(unit=team, acting_user=leader)


def test_a_scheduled_slot_skips_a_unit_with_a_manual_round_open(team, leader, unit_schedule, members, t0):
    round_send_now(unit=team, acting_user=leader, now=unit_schedule.next_slot_at - timedelta(hours=1))
    assert rounds_open_due(now=unit_schedule.next_slot_at) == 0
    assert PulseRound.objects.count() == 1


# --- Closing ----------------------------------------------------------------------------


def test_closing_cuts_the_link_between_people_and_answers(pulse_round, invitation, t0):
    response = response_submit(invitation=invitation, answers=answers(), seen_revision=0, now=t0)
    assert rounds_close_due(now=t0 + timedelta(days=5)) == 1
    response.refresh_from_db()
    pulse_round.refresh_from_db()
    assert pulse_round.status == PulseRound.Status.CLOSED
    assert pulse_round.closed_at == t0 + timedelta(days=5)
    assert response.invitation_id is None
    assert not Response.objects.filter(invitation__isnull=False).exists()
    # Nothing on the response, or its score, to match against the invitation's answer time.
    for model in (Response, AnswerScore):
        assert not any(isinstance(f, DateTimeField) for f in model._meta.fields), model


def test_closing_twice_closes_once(pulse_round, t0):
    assert round_close(round_id=pulse_round.pk, now=t0 + timedelta(days=5)) is True
    assert round_close(round_id=pulse_round.pk, now=t0 + timedelta(days=6)) is False
    pulse_round.refresh_from_db()
    assert pulse_round.closed_at == t0 + timedelta(days=5)


def test_rounds_close_on_time_not_before(pulse_round, t0):
    assert rounds_close_due(now=pulse_round.closes_at - timedelta(seconds=1)) == 0
    assert rounds_close_due(now=pulse_round.closes_at) == 1


def test_closing_rolls_back_whole(pulse_round, invitation, t0):
    """If cutting the links fails, the round stays open: it is never closed with links intact."""
    response_submit(invitation=invitation, answers=answers(), seen_revision=0, now=t0)
    with mock.patch("surveys.rounds.Response.objects.filter", side_effect=RuntimeError("killed")):
        with pytest.raises(RuntimeError):
            round_close(round_id=pulse_round.pk, now=t0 + timedelta(days=5))
    pulse_round.refresh_from_db()
    assert pulse_round.status == PulseRound.Status.OPEN


# --- Reminders --------------------------------------------------------------------------


def test_reminders_go_once_and_only_to_those_who_have_not_answered(
    pulse_round, invitation, members, t0, queued, django_capture_on_commit_callbacks
):
    Invitation.objects.filter(round=pulse_round).update(sent_at=t0)
    response_submit(invitation=invitation, answers=answers(), seen_revision=0, now=t0)
    remind_at = pulse_round.remind_at
    with django_capture_on_commit_callbacks(execute=True):
        assert rounds_remind_due(now=remind_at - timedelta(seconds=1)) == 0
        assert rounds_remind_due(now=remind_at) == len(members) - 1
        assert rounds_remind_due(now=remind_at + timedelta(minutes=1)) == 0
    reminded = queued_ids(queued.reminders)
    assert len(reminded) == len(members) - 1
    assert invitation.pk not in reminded


def test_no_reminders_when_the_schedule_has_none(make_round, t0):
    pulse_round = make_round(remind_days=None)
    assert pulse_round.remind_at is None
    assert rounds_remind_due(now=t0 + timedelta(days=4)) == 0


def test_statements_are_protected_while_rounds_use_them(pulse_round, statement):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        PurposeStatement.objects.filter(pk=statement.pk).delete()


def test_leaders_are_never_invited_even_if_also_listed_elsewhere(make_round, team, leader, org):
    """A leader of this team who is a member of another unit is invited there, not here."""
    other = UnitFactory(organization=org)
    Membership.objects.create(unit=other, user=leader, role=Membership.Role.MEMBER)
    pulse_round = make_round()
    assert not pulse_round.invitations.filter(user=leader).exists()
