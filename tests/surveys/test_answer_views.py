from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse

from surveys.models import PulseRound, Response
from surveys.rounds import round_close
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

QUESTIONS = [
    "In your own words, what is our team&#x27;s purpose?",
    "How does our team&#x27;s work fit into the larger organization?",
    "I understand our team&#x27;s purpose.",
    "I see how my work contributes to the larger organization.",
    "I take part in shaping our team&#x27;s direction.",
    "A question or suggestion for your leader (optional)",
]


def url(invitation, **query) -> str:
    base = reverse("pulse_answer", args=[invitation.token])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def form_data(**overrides) -> dict:
    data = {
        "purpose_text": "We help shops take card payments without fuss.",
        "fit_text": "Everything else in Product builds on what we capture.",
        "understands_purpose": "4",
        "sees_contribution": "5",
        "shapes_direction": "3",
        "question_for_leader": "Could we meet merchants more often?",
        "revision": "0",
    }
    data.update(overrides)
    return data


@pytest.fixture(autouse=True)
def during_the_round(time_machine, t0):
    """The test round opens at t0; the clock stands an hour later."""
    time_machine.move_to(t0 + timedelta(hours=1))


# --- Opening the link ---------------------------------------------------------------------


def test_the_link_opens_the_pulse_without_a_password(client, invitation, statement):
    """The questions come in order, and nothing shows the leader's statement before answering."""
    page = client.get(url(invitation))
    assert page.status_code == 200
    html = page.content.decode()
    positions = [html.index(q) for q in QUESTIONS]
    assert positions == sorted(positions)
    assert "Strongly disagree" in html and "Strongly agree" in html
    assert statement.purpose not in html and statement.fit not in html
    assert "no-store" in page["Cache-Control"] or "no-cache" in page["Cache-Control"]


def test_the_invitee_signed_in_can_open_it_too(login, invitation, member):
    assert login(member).get(url(invitation)).status_code == 200


def test_an_unknown_or_tampered_link_gets_a_clear_page(client, invitation):
    for token in ["nope", invitation.token[:-1] + ("A" if invitation.token[-1] != "A" else "B")]:
        page = client.get(reverse("pulse_answer", args=[token]))
        assert page.status_code == 404
        assert "This link doesn't open a pulse" in page.content.decode()


def test_someone_elses_link_is_refused_to_a_signed_in_colleague(login, invitation, members):
    """Signed in as B with A's link: B can't read or answer as A."""
    client = login(members[1])
    page = client.get(url(invitation))
    assert page.status_code == 403
    assert "This link was sent to someone else" in page.content.decode()
    assert client.post(url(invitation), form_data()).status_code == 403
    assert not Response.objects.exists()


def test_a_closed_pulse_says_when_it_closed(client, invitation, pulse_round, t0):
    round_close(round_id=pulse_round.pk, now=t0 + timedelta(days=1))
    page = client.get(url(invitation))
    assert page.status_code == 410
    assert "This pulse closed on Tuesday 3 March 2026, 09:00" in page.content.decode()


def test_a_pulse_past_its_closing_time_is_closed_before_the_close_task_runs(client, invitation, pulse_round):
    PulseRound.objects.filter(pk=pulse_round.pk).update(closes_at=pulse_round.opens_at + timedelta(seconds=1))
    assert client.get(url(invitation)).status_code == 410
    response = client.post(url(invitation), form_data())
    assert response.status_code == 409
    assert not Response.objects.exists()


def test_wrong_method(client, invitation):
    assert client.put(url(invitation)).status_code == 405
    assert client.delete(url(invitation)).status_code == 405


# --- Answering ------------------------------------------------------------------------------


def test_answering_saves_and_then_shows_the_leaders_words_beside_the_members(client, invitation, statement):
    response = client.post(url(invitation), form_data())
    assert response.status_code == 302 and response["Location"] == url(invitation)
    saved = Response.objects.get()
    assert saved.invitation == invitation
    assert (saved.understands_purpose, saved.sees_contribution, saved.shapes_direction) == (4, 5, 3)
    assert saved.needs_scoring is True
    invitation.refresh_from_db()
    assert invitation.answered_at is not None
    page = client.get(url(invitation)).content.decode()
    assert "Thanks — here is how your leader describes it" in page
    assert statement.purpose in page and "We help shops take card payments without fuss." in page
    assert "You can change your answer until Saturday 7 March, 09:00" in page
    assert "Change my answer" in page


def test_htmx_gets_only_the_fragment(client, invitation, statement):
    response = client.post(url(invitation), form_data(), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and 'id="pulse"' in html
    assert statement.purpose in html
    bad = client.post(url(invitation), form_data(purpose_text="", revision="1"), HTTP_HX_REQUEST="true")
    assert bad.status_code == 422 and "<html" not in bad.content.decode()


def test_a_member_may_revise_until_close_keeping_one_response(client, invitation, t0):
    client.post(url(invitation), form_data())
    Response.objects.update(needs_scoring=False)  # as if scored
    edit = client.get(url(invitation, edit=1)).content.decode()
    assert "We help shops take card payments without fuss." in edit and 'name="revision" value="1"' in edit
    assert (
        client.post(url(invitation), form_data(purpose_text="We keep shops paid.", revision="1")).status_code
        == 302
    )
    saved = Response.objects.get()
    assert saved.purpose_text == "We keep shops paid." and saved.revision == 2
    # A revision is scored afresh.
    assert saved.needs_scoring is True


def test_a_double_submit_saves_once(client, invitation):
    first = client.post(url(invitation), form_data())
    second = client.post(url(invitation), form_data())
    assert first.status_code == second.status_code == 302
    assert Response.objects.count() == 1 and Response.objects.get().revision == 1


def test_an_answer_changed_elsewhere_is_not_overwritten_silently(client, invitation):
    client.post(url(invitation), form_data())  # from a phone
    page = client.post(url(invitation), form_data(purpose_text="Typed on the laptop."))  # a stale laptop tab
    assert page.status_code == 409
    html = page.content.decode()
    assert "changed elsewhere" in html and "Typed on the laptop." in html
    assert 'name="revision" value="1"' in html
    assert Response.objects.get().purpose_text == "We help shops take card payments without fuss."
    assert (
        client.post(url(invitation), form_data(purpose_text="Typed on the laptop.", revision="1")).status_code
        == 302
    )
    assert Response.objects.get().purpose_text == "Typed on the laptop."


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"purpose_text": ""}, "Please describe the team&#x27;s purpose in your own words"),
        ({"purpose_text": "   \n  "}, "Please describe the team&#x27;s purpose in your own words"),
        ({"fit_text": ""}, "Please say how the team&#x27;s work fits"),
        ({"purpose_text": "x" * 2001}, "Please keep this to 2,000 characters: it is 2001 now."),
        ({"fit_text": "y" * 2500}, "Please keep this to 2,000 characters: it is 2500 now."),
        ({"question_for_leader": "z" * 1001}, "Please keep this to 1,000 characters: it is 1001 now."),
        ({"understands_purpose": ""}, "Please pick one of the five answers."),
        ({"sees_contribution": "7"}, "Please pick one of the five answers."),
        ({"shapes_direction": "agree"}, "Please pick one of the five answers."),
    ],
)
def test_bad_input_gets_a_clear_message_and_keeps_what_was_typed(client, invitation, overrides, message):
    data = form_data(**overrides)
    page = client.post(url(invitation), data)
    assert page.status_code == 422
    html = page.content.decode()
    assert message in html
    assert "Nothing was saved yet" in html
    for field in ("purpose_text", "fit_text", "question_for_leader"):
        if data[field].strip() and len(data[field]) < 200:
            assert data[field] in html
    assert 'aria-invalid="true"' in html
    assert not Response.objects.exists()


def test_a_missing_field_is_a_message_not_an_error(client, invitation):
    data = form_data()
    del data["fit_text"], data["revision"]
    page = client.post(url(invitation), data)
    assert page.status_code == 422
    assert "Please say how the team&#x27;s work fits" in page.content.decode()


def test_answering_a_closed_round_keeps_the_text_and_says_so(client, invitation, pulse_round, t0):
    page_before = client.get(url(invitation))
    assert page_before.status_code == 200
    round_close(round_id=pulse_round.pk, now=t0 + timedelta(hours=1))
    page = client.post(url(invitation), form_data(purpose_text="Typed before it closed."))
    assert page.status_code == 409
    html = page.content.decode()
    assert "This pulse closed on" in html and "was not saved" in html
    assert "Typed before it closed." in html
    assert not Response.objects.exists()


def test_the_answer_is_saved_even_with_the_broker_down(client, invitation):
    """Nothing in the request needs Redis or the worker; scoring is picked up later by a sweep."""
    from kombu.exceptions import OperationalError

    from config.celery import app

    with (
        mock.patch.object(app, "send_task", side_effect=OperationalError("broker down")),
        mock.patch("celery.app.task.Task.apply_async", side_effect=OperationalError("broker down")),
    ):
        response = client.post(url(invitation), form_data())
    assert response.status_code == 302
    assert Response.objects.get().needs_scoring is True


def test_a_deactivated_invitee_still_only_reaches_their_own_pulse(client, invitation):
    stranger = UserFactory(organization=invitation.user.organization)
    client.force_login(stranger)
    assert client.get(url(invitation)).status_code == 403
