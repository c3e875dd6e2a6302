from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from surveys.emails import SEND_INVITATIONS, SEND_REMINDERS
from surveys.models import Invitation, PulseRound, PulseSchedule
from surveys.rounds import round_open
from surveys.scheduling import schedule_save
from teams.models import Membership
from tests.factories import MembershipFactory, PurposeStatementFactory

UTC = ZoneInfo("UTC")
# A fixed, ordinary Monday morning; tests move time by passing `now`.
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def t0():
    return T0


@pytest.fixture
def statement(team, leader):
    return PurposeStatementFactory(
        unit=team,
        version=1,
        author=leader,
        purpose="We make it effortless for small businesses to accept card payments.",
        fit="We own the payment flow the rest of Product builds on.",
    )


@pytest.fixture
def members(team, member):
    """Six members in all (the `member` fixture first), so counts can cross a threshold of 5."""
    others = [MembershipFactory(unit=team, role=Membership.Role.MEMBER).user for _ in range(5)]
    return [member, *others]


@pytest.fixture
def make_round(team, statement, members, t0):
    def _make(*, now=None, open_days=5, remind_days=2, unit=None):
        now = now or t0
        return round_open(
            unit=unit or team,
            scheduled_for=now,
            closes_at=now + timedelta(days=open_days),
            remind_at=now + timedelta(days=remind_days) if remind_days else None,
            now=now,
        )

    return _make


@pytest.fixture
def pulse_round(make_round) -> PulseRound:
    # Its email callbacks never run: the test's transaction never commits.
    return make_round()


@pytest.fixture
def invitation(pulse_round, member) -> Invitation:
    return Invitation.objects.get(round=pulse_round, user=member)


@pytest.fixture
def unit_schedule(team, statement, t0):
    schedule = PulseSchedule(
        organization=team.organization, unit=team, cadence="weekly", weekday=0, local_time=T0.time()
    )
    return schedule_save(schedule=schedule, acting_user=None, now=t0 - timedelta(hours=1))


def answers(**overrides) -> dict:
    data = {
        "purpose_text": "We help shops take card payments without any fuss.",
        "fit_text": "Everything else in Product builds on the payments we capture.",
        "understands_purpose": 4,
        "sees_contribution": 5,
        "shapes_direction": 3,
        "question_for_leader": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def queued():
    """What opening, reminding and the sweep put on the queue (the broker itself is for test_worker).

    `queued.invitations` and `queued.reminders` are called once per queued chunk of invitation ids.
    """
    spies = mock.Mock()
    by_name = {SEND_INVITATIONS: spies.invitations, SEND_REMINDERS: spies.reminders}

    def send_task(name, args=(), **options):
        by_name[name](*args)

    with mock.patch("surveys.emails.current_app.send_task", side_effect=send_task):
        yield spies


def queued_ids(spy) -> list[int]:
    return [i for call in spy.call_args_list for i in call.args[0]]
