"""The answer path at the framework's pace (issue 13): what a member's visit and answer cost the
database, and that the shortcuts taken for it read and write what the ORM would."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from surveys.answering import response_submit
from surveys.models import Invitation, PulseRound, Response, token_hash
from surveys.selectors import _invitation_page, invitation_by_token
from tests.surveys.conftest import answers
from tests.surveys.test_answer_concurrency import WAIT, Held, Running, insights_not_told  # noqa: F401
from tests.surveys.test_answer_views import form_data, url


@pytest.fixture(autouse=True)
def during_the_round(time_machine, t0):
    time_machine.move_to(t0 + timedelta(hours=1))


@pytest.mark.django_db
def test_opening_the_pulse_is_one_query_and_answering_two(client, invitation):
    with CaptureQueriesContext(connection) as opened:
        page = client.get(url(invitation))
    assert page.status_code == 200 and "Send my answer" in page.content.decode()
    assert len(opened) == 1, [q["sql"] for q in opened]

    with CaptureQueriesContext(connection) as sent:
        thanks = client.post(url(invitation), form_data(), HTTP_HX_REQUEST="true")
    assert thanks.status_code == 200 and "Your answer is saved." in thanks.content.decode()
    # The page's lookup, then one statement that marks the invitation and inserts the answer
    # (insights' scoring claim comes after the commit, which this test's transaction never makes).
    assert len(sent) == 2, [q["sql"] for q in sent]
    response = Response.objects.get(invitation=invitation)
    assert response.revision == 1 and response.needs_scoring
    assert response.purpose_text == form_data()["purpose_text"] and response.shapes_direction == 3
    assert Invitation.objects.get(pk=invitation.pk).answered_at is not None


@pytest.mark.django_db
def test_the_compiled_lookup_reads_what_the_orm_reads(invitation, pulse_round, unit_schedule, t0):
    unit_schedule.asks_purpose_proposal = True
    unit_schedule.save()
    PulseRound.objects.create(
        unit=pulse_round.unit,
        purpose_statement=pulse_round.purpose_statement,
        scheduled_for=t0 - timedelta(days=14),
        opens_at=t0 - timedelta(days=14),
        closes_at=t0 - timedelta(days=9),
        status=PulseRound.Status.CLOSED,
    )
    Response.objects.create(round=pulse_round, invitation=invitation, revision=1, **answers())
    expected = _invitation_page().get(pk=invitation.pk)

    found = invitation_by_token(invitation.token)

    with CaptureQueriesContext(connection) as further:
        pairs = [
            (found, expected),
            (found.round, expected.round),
            (found.round.unit, expected.round.unit),
            (found.round.unit.organization, expected.round.unit.organization),
            (found.round.purpose_statement, expected.round.purpose_statement),
            (found.response, expected.response),
        ]
    assert len(further) == 0, "everything the page shows came with the invitation"
    for ours, orm in pairs:
        assert type(ours) is type(orm) and model_to_dict(ours) == model_to_dict(orm)
    assert (found.still_member, found.asks_proposal, found.follows_a_round) == (True, True, True)
    assert invitation_by_token("not-a-link") is None


@pytest.mark.django_db
def test_the_lookup_is_prepared_once_per_connection_and_still_logged(invitation, members):
    others = list(Invitation.objects.exclude(pk=invitation.pk)[:3])
    for other in others:
        invitation_by_token(other.token)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('"surveys_invitation"."token_hash" = $' in sql for sql in prepared), prepared

    with CaptureQueriesContext(connection) as logged:
        invitation_by_token(invitation.token)
    [query] = logged.captured_queries
    assert token_hash(invitation.token) in query["sql"], "the log says which invitation was read"


@pytest.mark.django_db(transaction=True)
def test_an_answer_sent_from_the_page_does_not_wait_for_another_answer_in_flight(
    client, pulse_round, members, t0
):
    first, second = Invitation.objects.filter(round=pulse_round).order_by("pk")[:2]
    holding = Held(lambda: _answer(first, t0 + timedelta(hours=1)))
    holding.start()
    assert holding.inside.wait(WAIT)
    sending = Running(lambda: client.post(url(second), form_data(), HTTP_HX_REQUEST="true").status_code)
    sending.start()
    sending.join(5)
    finished_while_held = not sending.is_alive()
    holding.release.set()
    holding.join(WAIT)
    sending.join(WAIT)
    assert finished_while_held, "the page's answer waited for the other answer's transaction"
    assert holding.error is None and sending.error is None and sending.result == 200
    assert Response.objects.filter(round=pulse_round).count() == 2


def _answer(invitation, now):
    return response_submit(invitation=invitation, answers=answers(), seen_revision=0, now=now)


@pytest.mark.django_db
def test_the_agree_scales_keep_what_was_chosen(client, invitation):
    def chosen(html: str) -> set[str]:
        return set(re.findall(r'value="(\d)" id="(id_\w+_\d)"\s+checked', html))

    refused = client.post(url(invitation), form_data(purpose_text="."), HTTP_HX_REQUEST="true")
    assert refused.status_code == 422
    # Sent back with the text refused: the three picks are still picked, nothing else is.
    picked = {
        ("4", "id_understands_purpose_3"),
        ("5", "id_sees_contribution_4"),
        ("3", "id_shapes_direction_2"),
    }
    assert chosen(refused.content.decode()) == picked
    assert client.post(url(invitation), form_data(), HTTP_HX_REQUEST="true").status_code == 200
    # Changing the saved answer starts from it.
    assert chosen(client.get(url(invitation, edit=1)).content.decode()) == picked
    assert chosen(client.get(url(invitation)).content.decode()) == set()  # the thanks page has no form
