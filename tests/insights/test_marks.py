"""Leader judgement as data: marks on shown answers, beside the engine's reading, and what they change."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from insights.marks import (
    Agreement,
    adjusted_band_shares,
    band_shares,
    mark_agrees,
    marked_band,
    marks_agreement,
)
from insights.models import LeaderMark
from insights.team_view import answer_key
from teams.models import Membership
from tests.factories import AnswerScoreFactory, MembershipFactory, ResponseFactory, closed_round_with_summary

pytestmark = pytest.mark.django_db
CLOSED = datetime(2026, 9, 1, tzinfo=UTC)

# Answers and the engine's reading of each: two tell it back, one is part of it, two on topic,
# one something else, and one the engine couldn't judge.
ANSWERS = {
    "We get every small shop paid for every sale, simply.": 88.0,
    "Shops can take any card and the sale goes through.": 79.0,
    "We handle card payments for shops.": 61.0,
    "I write the payment code and review pull requests.": 40.0,
    "We run the payments platform.": 30.0,
    "Making the quarterly numbers.": 12.0,
    "idk": None,
}


@pytest.fixture
def answered(team, leader):
    """Payments' latest pulse: closed, shown (6 readable answers, verbatims from 5), scored."""
    summary = closed_round_with_summary(team, closes_at=CLOSED, respondents=6, alignment=52)
    responses = {}
    for text, alignment in ANSWERS.items():
        response = ResponseFactory(round=summary.round, purpose_text=text)
        AnswerScoreFactory(
            response=response, alignment=alignment, flags=["too_short"] if alignment is None else []
        )
        responses[text] = response
    return responses


def dashboard(unit):
    return reverse("team_dashboard", args=[unit.pk])


def mark_url(unit, response):
    return reverse("answer_mark", args=[unit.pk, answer_key(response.pk)])


def mark(client, unit, response, value="yes", **headers):
    return client.post(mark_url(unit, response), {"mark": value}, **headers)


def item(html: str, response) -> str:
    return html.split(f'id="answer-{answer_key(response.pk)}"')[1].split("</li>")[0]


# --- The rules --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "agreeing"),
    [("yes", {"tells_it_back"}), ("part", {"part"}), ("not_it", {"on_topic", "something_else"})],
)
def test_a_mark_agrees_with_the_bands_it_names(value, agreeing):
    bands = {"tells_it_back", "part", "on_topic", "something_else"}
    assert {band for band in bands if mark_agrees(value, band)} == agreeing
    assert not mark_agrees(value, None)


def test_a_mark_moves_an_answer_to_the_nearest_band_it_allows():
    assert marked_band("yes", "something_else") == "tells_it_back"
    assert marked_band("part", "tells_it_back") == "part"
    assert marked_band("not_it", "tells_it_back") == "on_topic"
    assert marked_band("not_it", "part") == "on_topic"
    assert marked_band("not_it", "something_else") == "something_else"  # already "not it": kept


def test_marks_take_the_place_of_the_engines_band_for_the_answers_marked():
    engine = {"a": "tells_it_back", "b": "tells_it_back", "c": "part", "d": "on_topic"}
    marks = {"a": "not_it", "c": "yes", "unread": "yes"}
    assert band_shares(list(engine.values())) == {
        "something_else": 0.0,
        "on_topic": 0.25,
        "part": 0.25,
        "tells_it_back": 0.5,
    }
    # a → on topic, c → tells it back; the mark on an answer the engine didn't read is left out.
    assert adjusted_band_shares(engine, marks) == {
        "something_else": 0.0,
        "on_topic": 0.5,
        "part": 0.0,
        "tells_it_back": 0.5,
    }
    assert marks_agreement(engine, marks) == Agreement(agree=0, marked=2)
    assert marks_agreement(engine, {"a": "yes", "d": "not_it", "c": "yes"}) == Agreement(agree=2, marked=3)


def test_no_answers_no_shares():
    assert set(band_shares([]).values()) == {0.0}


# --- The team view ---------------------------------------------------------------------------


def test_the_leader_sees_the_engines_band_and_three_buttons_beside_each_answer(login, team, leader, answered):
    html = login(leader).get(dashboard(team)).content.decode()
    good = item(html, answered["We get every small shop paid for every sale, simply."])
    assert "Engine: Tells it back" in good
    assert (
        f'action="{mark_url(team, answered["We get every small shop paid for every sale, simply."])}"' in good
    )
    for label in ("Yes, that&#x27;s it", "Part of it", "Not it"):
        assert label in good
    assert "Engine: Something else" in item(html, answered["Making the quarterly numbers."])
    idk = item(html, answered["idk"])
    assert "Engine: no reading (too short to judge)" in idk and "<form" not in idk
    assert html.count('class="mark-form"') == 6


def test_the_page_carries_no_answer_ids(login, team, leader, answered):
    """Answers are named on the page by a keyed hash, not by the rows' ids."""
    html = login(leader).get(dashboard(team)).content.decode()
    for response in answered.values():
        assert str(response.pk) not in html and response.pk.hex not in html


def test_marking_without_javascript_stores_the_mark_and_returns_to_the_answer(login, team, leader, answered):
    response = answered["We handle card payments for shops."]
    reply = mark(login(leader), team, response, "part")
    assert reply.status_code == 302
    assert reply.url == dashboard(team) + f"#answer-{answer_key(response.pk)}"
    stored = LeaderMark.objects.get()
    assert (stored.response, stored.round, stored.marked_by, stored.mark) == (
        response,
        response.round,
        leader,
        LeaderMark.Mark.PART,
    )


def test_marking_again_replaces_the_mark(login, team, leader, answered):
    client = login(leader)
    response = answered["We handle card payments for shops."]
    mark(client, team, response, "part")
    mark(client, team, response, "not_it")
    assert list(LeaderMark.objects.values_list("mark", flat=True)) == ["not_it"]


def test_htmx_updates_the_answer_in_place_and_the_agreement_beside_it(login, team, leader, answered):
    response = answered["We get every small shop paid for every sale, simply."]
    reply = mark(login(leader), team, response, "yes", HTTP_HX_REQUEST="true")
    html = reply.content.decode()
    assert reply.status_code == 200 and "<html" not in html
    assert html.strip().startswith(f'<li class="verbatim" id="answer-{answer_key(response.pk)}">')
    assert 'value="yes" aria-pressed="true"' in html and 'value="part" aria-pressed="false"' in html
    assert 'id="marks-summary" hx-swap-oob="true"' in html
    assert "You and the engine agree on 1 of 1 answer you marked." in html


def test_agreement_and_the_team_reading_with_the_leaders_marks(login, team, leader, answered):
    client = login(leader)
    mark(client, team, answered["We get every small shop paid for every sale, simply."], "yes")  # agrees
    html = client.get(dashboard(team)).content.decode()
    assert "Mark at least 3 answers" in html and "With your marks" not in html
    mark(client, team, answered["We handle card payments for shops."], "yes")  # part → tells it back
    mark(client, team, answered["We run the payments platform."], "part")  # on topic → part
    mark(client, team, answered["idk"], "not_it")  # no reading: refused, counts nowhere
    html = client.get(dashboard(team)).content.decode()
    assert "You and the engine agree on 1 of 3 answers you marked." in html
    table = html.split('class="compact band-shares"')[1].split("</table>")[0]
    rows = [r.split("</tr>")[0] for r in table.split("<tr>")[2:]]
    # Of 6 readable answers, the engine: 2 / 1 / 2 / 1; with the marks: 3 / 1 / 1 / 1.
    assert rows == [
        '<th scope="row">Tells it back</th><td class="num">33%</td><td class="num">50%</td>',
        '<th scope="row">Part of it</th><td class="num">17%</td><td class="num">17%</td>',
        '<th scope="row">On topic, not the purpose</th><td class="num">33%</td><td class="num">17%</td>',
        '<th scope="row">Something else</th><td class="num">17%</td><td class="num">17%</td>',
    ]


def test_each_leader_sees_their_own_marks(login, team, leader, org_admin, answered):
    response = answered["We handle card payments for shops."]
    mark(login(org_admin), team, response, "not_it")
    html = login(leader).get(dashboard(team)).content.decode()
    assert 'aria-pressed="true"' not in item(html, response)
    assert "You and the engine agree" not in html


def test_an_org_admin_may_mark(login, team, org_admin, answered):
    assert (
        mark(login(org_admin), team, answered["Making the quarterly numbers."], "not_it").status_code == 302
    )
    assert LeaderMark.objects.get().marked_by == org_admin


def test_an_executive_sees_the_leaders_marks_and_agreement_but_cannot_mark(
    login, team, leader, executive, answered
):
    client = login(leader)
    for text in list(ANSWERS)[:3]:
        mark(client, team, answered[text], "yes")
    html = login(executive).get(dashboard(team)).content.decode()
    assert 'class="mark-form"' not in html
    assert "Lee Leader and the engine agree on 2 of 3 answers Lee Leader marked." in html
    assert "Lee Leader: Yes, that&#x27;s it" in item(html, answered["We handle card payments for shops."])
    assert "band-shares" in html
    reply = mark(login(executive), team, answered["Making the quarterly numbers."], "not_it")
    assert reply.status_code == 403
    assert LeaderMark.objects.count() == 3


def test_a_leader_above_may_read_but_not_mark(login, team, division, answered):
    director = MembershipFactory(unit=division, role=Membership.Role.LEADER).user
    client = login(director)
    assert client.get(dashboard(team)).status_code == 200
    assert mark(client, team, answered["Making the quarterly numbers."]).status_code == 403
    assert not LeaderMark.objects.exists()


def test_a_member_cannot_mark(login, team, member, answered):
    assert mark(login(member), team, answered["Making the quarterly numbers."]).status_code == 403
    assert not LeaderMark.objects.exists()


def test_an_outsider_gets_404(login, team, outsider, answered):
    assert mark(login(outsider), team, answered["Making the quarterly numbers."]).status_code == 404
    assert not LeaderMark.objects.exists()


def test_anonymous_is_sent_to_login(client, team, answered):
    reply = mark(client, team, answered["Making the quarterly numbers."])
    assert reply.status_code == 302 and reply.url.startswith(reverse("login"))
    assert not LeaderMark.objects.exists()


def test_wrong_method_is_refused(login, team, leader, answered):
    assert login(leader).get(mark_url(team, answered["Making the quarterly numbers."])).status_code == 405


def test_an_unknown_answer_or_mark_is_refused(login, team, leader, answered):
    client = login(leader)
    assert client.post(reverse("answer_mark", args=[team.pk, "0" * 20]), {"mark": "yes"}).status_code == 404
    assert mark(client, team, answered["idk"], "yes").status_code == 404  # the engine couldn't read it
    assert mark(client, team, answered["Making the quarterly numbers."], "maybe").status_code == 400
    assert not LeaderMark.objects.exists()


def test_below_the_verbatim_threshold_nothing_can_be_marked(login, org, team, leader, answered):
    org.min_verbatim_size = 8
    org.save()
    client = login(leader)
    html = client.get(dashboard(team)).content.decode()
    assert "Answers in members' own words show from 8 answers" in html
    assert 'class="mark-form"' not in html and "marks-summary" not in html
    assert mark(client, team, answered["Making the quarterly numbers."]).status_code == 403
    assert not LeaderMark.objects.exists()


def test_marks_go_with_their_answer(login, team, leader, answered):
    response = answered["Making the quarterly numbers."]
    mark(login(leader), team, response, "not_it")
    response.delete()
    assert not LeaderMark.objects.exists()


def test_a_removed_leaders_marks_stay_stored_but_unshown(login, team, executive, answered):
    former = MembershipFactory(unit=team, role=Membership.Role.LEADER, user__name="Fay Former").user
    mark(login(former), team, answered["Making the quarterly numbers."], "not_it")
    former.delete()
    stored = LeaderMark.objects.get()
    assert stored.marked_by is None and stored.mark == "not_it"
    html = login(executive).get(dashboard(team)).content.decode()
    assert "Not it" not in html and "No leader has marked these answers yet." in html
