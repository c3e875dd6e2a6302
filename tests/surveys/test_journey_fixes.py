"""Issue 14, the member's and the leader's pulse pages: each test failed before its fix."""

from datetime import timedelta

import pytest
from django.urls import reverse

from surveys.answering import response_submit
from surveys.models import PulseRound, Response
from surveys.rounds import round_close
from surveys.signals import round_closed
from teams.models import AuditEvent
from tests.surveys.conftest import answers
from tests.surveys.test_answer_views import form_data, url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def during_the_round(time_machine, t0):
    """The test round opens at t0; the clock stands an hour later."""
    time_machine.move_to(t0 + timedelta(hours=1))


# --- The member's home page ----------------------------------------------------------------------


def test_a_member_with_an_unanswered_pulse_doesnt_see_the_purpose_on_the_home_page(
    login, member, invitation, statement
):
    """The leader's words show only after answering: not under "Answer the Payments pulse"."""
    client = login(member)
    html = client.get(reverse("home")).content.decode()
    assert "Answer the Payments pulse" in html
    assert statement.purpose not in html
    assert "shows here once you have answered the pulse" in html
    response_submit(invitation=invitation, answers=answers(), seen_revision=0)
    assert statement.purpose in client.get(reverse("home")).content.decode()


# --- What counts as an answer ------------------------------------------------------------------


@pytest.mark.parametrize("text", [".", "-", "a", "?!", "12", " . . "])
def test_an_answer_too_short_to_be_one_is_refused_with_a_clear_message(client, invitation, text):
    page = client.post(url(invitation), form_data(purpose_text=text))
    assert page.status_code == 422
    assert "too short to count as an answer" in page.content.decode()
    assert not Response.objects.exists()
    invitation.refresh_from_db()
    assert invitation.answered_at is None  # so the pulses page doesn't count it either


def test_a_short_answer_with_words_is_saved_and_counted(client, invitation):
    """ "idk" is an answer (the engine says it is too short to judge, but it is counted)."""
    assert client.post(url(invitation), form_data(purpose_text="idk", fit_text="no idea")).status_code == 302
    assert Response.objects.get().purpose_text == "idk"


def test_pasting_5000_characters_keeps_the_text_and_says_the_limit(client, invitation):
    pasted = "We make payments simple. " * 200  # 5,000 characters
    page = client.post(url(invitation), form_data(purpose_text=pasted))
    html = page.content.decode()
    assert page.status_code == 422
    assert "Please keep this to 2,000 characters: it is 4999 now" in html  # stripped of its last space
    assert pasted.strip() in html  # kept whole, for the member to shorten
    assert not Response.objects.exists()


def test_the_answer_fields_show_their_limit_and_dont_cut_a_paste(client, invitation):
    html = client.get(url(invitation)).content.decode()
    assert "At most 2000 characters." in html
    assert 'data-max="2000"' in html
    assert 'maxlength="2000"' not in html  # the browser would cut a long paste silently


# --- Dates and the old link -----------------------------------------------------------------------


def test_the_pulse_page_names_the_time_zone_of_its_closing_time(client, invitation, org):
    org.time_zone = "Europe/Berlin"
    org.save()
    html = client.get(url(invitation)).content.decode()
    assert "Open until Saturday 7 March, 10:00 CET" in html


def test_an_old_link_points_to_the_newer_pulse_open_for_that_person(
    login, member, invitation, pulse_round, make_round, t0, time_machine
):
    round_close(round_id=pulse_round.pk, now=t0 + timedelta(days=1))
    newer = make_round(now=t0 + timedelta(days=2))
    time_machine.move_to(t0 + timedelta(days=2, hours=1))
    client = login(member)
    html = client.get(url(invitation)).content.decode()
    assert "the next pulse will come by email" not in html
    assert "A newer Payments pulse is open for you now" in html
    new_link = reverse("pulse_answer", args=[newer.invitations.get(user=member).token])
    assert f'href="{new_link}"' in html


def test_an_old_link_without_signing_in_says_a_newer_pulse_is_open_but_gives_no_link(
    client, member, invitation, pulse_round, make_round, t0, time_machine
):
    """The old link is no credential for the new pulse: it says where to find it instead."""
    round_close(round_id=pulse_round.pk, now=t0 + timedelta(days=1))
    newer = make_round(now=t0 + timedelta(days=2))
    time_machine.move_to(t0 + timedelta(days=2, hours=1))
    html = client.get(url(invitation)).content.decode()
    assert "A newer Payments pulse is open for you now" in html
    assert newer.invitations.get(user=member).token not in html


# --- Closing a pulse early ------------------------------------------------------------------------


def close_url(unit):
    return reverse("unit_pulse_close", args=[unit.pk])


def test_a_leader_closes_a_pulse_early_after_confirming_and_results_follow(
    login, leader, team, pulse_round, invitation, django_capture_on_commit_callbacks
):
    response_submit(invitation=invitation, answers=answers(), seen_revision=0)
    client = login(leader)
    page = client.get(reverse("unit_pulses", args=[team.pk])).content.decode()
    assert close_url(team) in page
    confirm = client.get(close_url(team)).content.decode()
    assert "Close the Payments pulse now?" in confirm and "can't be undone" in confirm
    pulse_round.refresh_from_db()
    assert pulse_round.status == PulseRound.Status.OPEN  # asking closes nothing

    announced = []
    round_closed.connect(
        lambda sender, round_id, **kw: announced.append(round_id), weak=False, dispatch_uid="t14"
    )
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(close_url(team), {"close": ""})
    finally:
        round_closed.disconnect(dispatch_uid="t14")
    assert response.status_code == 302
    pulse_round.refresh_from_db()
    assert pulse_round.status == PulseRound.Status.CLOSED and pulse_round.closed_at is not None
    assert announced == [pulse_round.pk]  # the close path that makes the final summary
    assert AuditEvent.objects.filter(action="pulse.close_early", actor=leader).exists()
    assert "Pulse closed." in client.get(reverse("unit_pulses", args=[team.pk])).content.decode()


def test_only_the_units_managers_may_close_a_pulse(login, member, outsider, team, pulse_round):
    assert login(member).post(close_url(team)).status_code == 403
    assert login(outsider).post(close_url(team)).status_code == 404
    pulse_round.refresh_from_db()
    assert pulse_round.status == PulseRound.Status.OPEN


def test_closing_when_nothing_is_open_says_so(login, leader, team, pulse_round):
    round_close(round_id=pulse_round.pk)
    client = login(leader)
    response = client.post(close_url(team), follow=True)
    assert "already closed; nothing changed" in response.content.decode()
    assert client.put(close_url(team)).status_code == 405
