from datetime import timedelta

import pytest
from django.urls import reverse

from surveys.answering import response_submit
from surveys.models import Invitation, PulseRound, PulseSchedule
from surveys.rounds import round_close
from surveys.scheduling import schedule_save
from teams.models import AuditEvent
from tests.surveys.conftest import answers

pytestmark = pytest.mark.django_db


def page_url(unit):
    return reverse("unit_pulses", args=[unit.pk])


def schedule_url(unit):
    return reverse("unit_schedule", args=[unit.pk])


def send_url(unit):
    return reverse("unit_pulse_send_now", args=[unit.pk])


def live_url(unit):
    return reverse("unit_pulse_live", args=[unit.pk])


SCHEDULE = {
    "is_active": "on",
    "cadence": "weekly",
    "weekday": "2",
    "day_of_month": "1",
    "local_time": "07:45",
    "open_days": "4",
    "remind_after_days": "2",
    "save": "",
}


# --- Who may do what ------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, team):
    for response in (
        client.get(page_url(team)),
        client.get(live_url(team)),
        client.post(schedule_url(team), SCHEDULE),
        client.post(send_url(team)),
    ):
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_an_outsider_cant_even_see_the_unit_exists(login, team, outsider):
    client = login(outsider)
    assert client.get(page_url(team)).status_code == 404
    assert client.get(live_url(team), HTTP_HX_REQUEST="true").status_code == 404
    assert client.post(schedule_url(team), SCHEDULE).status_code == 404
    assert client.post(send_url(team)).status_code == 404
    assert not PulseSchedule.objects.exists()


@pytest.mark.parametrize("who", ["member", "colleague"])
def test_members_and_colleagues_may_not_see_or_change_pulses(request, login, team, statement, members, who):
    client = login(request.getfixturevalue(who))
    assert client.get(page_url(team)).status_code == 403
    assert client.get(live_url(team), HTTP_HX_REQUEST="true").status_code == 403
    assert client.post(schedule_url(team), SCHEDULE).status_code == 403
    assert client.post(send_url(team)).status_code == 403
    assert not PulseSchedule.objects.exists() and not PulseRound.objects.exists()


def test_an_executive_reads_but_changes_nothing(login, team, statement, members, executive):
    client = login(executive)
    page = client.get(page_url(team))
    assert page.status_code == 200
    assert (
        "Send a pulse now" not in page.content.decode()
        and "<form" not in page.content.decode().split("<main")[1]
    )
    assert client.post(schedule_url(team), SCHEDULE).status_code == 403
    assert client.post(send_url(team)).status_code == 403


@pytest.mark.parametrize("who", ["leader", "org_admin"])
def test_leaders_and_admins_manage_pulses(request, login, team, statement, members, who):
    client = login(request.getfixturevalue(who))
    page = client.get(page_url(team))
    assert page.status_code == 200
    assert "Send a pulse now" in page.content.decode()
    assert client.post(schedule_url(team), SCHEDULE).status_code == 302


def test_wrong_methods(login, team, leader):
    client = login(leader)
    assert client.post(page_url(team)).status_code == 405
    assert client.get(schedule_url(team)).status_code == 405
    assert client.get(send_url(team)).status_code == 405
    assert client.post(live_url(team)).status_code == 405


# --- Schedule ------------------------------------------------------------------------------


def test_a_leader_gives_the_team_its_own_schedule(login, team, statement, leader):
    response = login(leader).post(schedule_url(team), SCHEDULE)
    assert response.status_code == 302
    schedule = PulseSchedule.objects.get(unit=team)
    assert (schedule.cadence, schedule.weekday, schedule.local_time.strftime("%H:%M")) == (
        "weekly",
        2,
        "07:45",
    )
    assert schedule.next_slot_at is not None and schedule.updated_by == leader
    assert AuditEvent.objects.filter(action="pulse_schedule.save", unit=team, actor=leader).exists()
    page = login(leader).get(page_url(team)).content.decode()
    assert "Schedule saved." in page and "has its own schedule" in page and "Next pulse:" in page


def test_the_form_starts_from_the_org_default(login, team, leader):
    schedule_save(
        schedule=PulseSchedule(organization=team.organization, cadence="monthly", day_of_month=15),
        acting_user=None,
    )
    html = login(leader).get(page_url(team)).content.decode()
    assert "follows the organization's default: every month on day 15" in html
    assert '<option value="monthly" selected>' in html


def test_schedule_errors_are_clear_and_keep_what_was_typed(login, team, leader):
    data = SCHEDULE | {"open_days": "9", "local_time": "06:15"}
    response = login(leader).post(schedule_url(team), data)
    assert response.status_code == 422
    html = response.content.decode()
    assert "The schedule was not saved" in html
    assert "can stay open at most 6 days" in html
    assert 'value="06:15"' in html and 'value="9"' in html
    assert not PulseSchedule.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"local_time": "25:00"}, "Please give a time such as 09:00."),
        ({"local_time": ""}, "Please give a time of day, such as 09:00."),
        ({"remind_after_days": "4"}, "Remind before the pulse closes"),
        ({"cadence": "daily"}, "Select a valid choice"),
        ({"day_of_month": "31"}, "less than or equal to 28"),
    ],
)
def test_bad_schedules(login, team, leader, overrides, message):
    response = login(leader).post(schedule_url(team), SCHEDULE | overrides)
    assert response.status_code == 422
    assert message in response.content.decode()


def test_htmx_schedule_save_returns_the_fragment(login, team, leader):
    response = login(leader).post(schedule_url(team), SCHEDULE, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and 'id="pulse-schedule"' in html and "Schedule saved." in html
    bad = login(leader).post(schedule_url(team), SCHEDULE | {"open_days": "0"}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 422 and "<html" not in bad.content.decode()


def test_going_back_to_the_org_default(login, team, leader):
    client = login(leader)
    client.post(schedule_url(team), SCHEDULE)
    assert client.post(schedule_url(team), {"use_default": ""}).status_code == 302
    assert not PulseSchedule.objects.filter(unit=team).exists()


def test_the_leader_is_told_why_no_pulse_opens(login, team, leader):
    html = login(leader).get(page_url(team)).content.decode()
    assert "No pulse will open for Payments yet." in html
    assert "has no purpose written yet" in html and "has no members to ask" in html
    assert "Send a pulse now" not in html


# --- Send now, live rate, past rounds ---------------------------------------------------------


def test_send_a_pulse_now(login, team, leader, statement, members):
    client = login(leader)
    response = client.post(send_url(team))
    assert response.status_code == 302
    pulse_round = PulseRound.objects.get(unit=team)
    assert pulse_round.trigger == "manual" and pulse_round.started_by == leader
    assert Invitation.objects.filter(round=pulse_round).count() == len(members)
    assert "Pulse sent to 6 members." in client.get(page_url(team)).content.decode()
    # A second click: a clear message, no second round.
    again = client.post(send_url(team), HTTP_HX_REQUEST="true")
    assert again.status_code == 409 and "already open" in again.content.decode()
    assert PulseRound.objects.count() == 1


def test_send_now_by_htmx_returns_the_live_fragment(login, team, leader, statement, members):
    response = login(leader).post(send_url(team), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'id="pulse-live"' in html and "Pulse sent to 6 members." in html and "every 30s" in html


def test_send_now_blocked_says_why(login, team, leader, members):
    client = login(leader)
    assert client.post(send_url(team)).status_code == 302
    assert "has no purpose written yet" in client.get(page_url(team)).content.decode()
    assert not PulseRound.objects.exists()


def test_the_live_rate_hides_counts_below_the_threshold(
    login, team, leader, pulse_round, members, t0, time_machine
):
    time_machine.move_to(t0 + timedelta(hours=1))
    invitations = list(Invitation.objects.filter(round=pulse_round).order_by("pk"))
    for invitation in invitations[:4]:
        response_submit(invitation=invitation, answers=answers(), seen_revision=0)
    client = login(leader)
    html = client.get(live_url(team), HTTP_HX_REQUEST="true").content.decode()
    assert "fewer than 5 of 6 answered" in html
    assert "4 of 6" not in html and "<progress" not in html
    response_submit(invitation=invitations[4], answers=answers(), seen_revision=0)
    html = client.get(live_url(team), HTTP_HX_REQUEST="true").content.decode()
    assert "5 of 6 answered (83%)" in html and "<html" not in html


def test_the_live_fragment_without_htmx_goes_to_the_page(login, team, leader):
    response = login(leader).get(live_url(team))
    assert response.status_code == 302 and response["Location"] == page_url(team)


def test_past_rounds_are_listed_with_safe_counts(login, team, leader, pulse_round, members, t0, time_machine):
    time_machine.move_to(t0 + timedelta(hours=1))
    invitation = Invitation.objects.filter(round=pulse_round).first()
    response_submit(invitation=invitation, answers=answers(), seen_revision=0)
    round_close(round_id=pulse_round.pk)
    html = login(leader).get(page_url(team)).content.decode()
    assert "Past pulses" in html and "fewer than 5 of 6 answered" in html and "1 of 6" not in html
    assert "No pulse open" in html


# --- Home and unit pages -------------------------------------------------------------------------


def test_members_see_their_open_pulses_on_the_home_page(login, member, invitation, t0, time_machine):
    time_machine.move_to(t0 + timedelta(hours=1))
    client = login(member)
    html = client.get(reverse("home")).content.decode()
    assert "Your open pulse" in html and reverse("pulse_answer", args=[invitation.token]) in html
    assert "Answer the Payments pulse" in html
    response_submit(invitation=invitation, answers=answers(), seen_revision=0)
    assert "Review or change your answer" in client.get(reverse("home")).content.decode()
    time_machine.move_to(t0 + timedelta(days=6))
    assert "Your open pulse" not in client.get(reverse("home")).content.decode()


def test_a_colleague_never_sees_another_members_link(login, members, invitation, t0, time_machine):
    time_machine.move_to(t0 + timedelta(hours=1))
    html = login(members[1]).get(reverse("home")).content.decode()
    own = Invitation.objects.get(round=invitation.round, user=members[1])
    assert reverse("pulse_answer", args=[own.token]) in html  # the home page does list pulse links
    assert invitation.token not in html


def test_leaders_see_the_next_pulse_and_the_open_one(
    login, team, leader, unit_schedule, members, t0, time_machine
):
    time_machine.move_to(t0 - timedelta(minutes=30))
    client = login(leader)
    assert "Next pulse: Mon 2 Mar, 09:00" in client.get(reverse("home")).content.decode()
    client.post(send_url(team))
    html = client.get(reverse("home")).content.decode()
    assert "Pulse open until" in html and "fewer than 5 of 6 answered" in html


def test_the_unit_page_links_to_pulses_for_those_who_may_see_them(login, team, leader, member):
    assert page_url(team) in login(leader).get(team.get_absolute_url()).content.decode()
    assert page_url(team) not in login(member).get(team.get_absolute_url()).content.decode()
