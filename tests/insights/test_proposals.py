"""Shaping the purpose together: the optional proposals question, the leader reading the proposals
grouped by meaning, starting a new version from them, and the history that says so."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from purpose.models import PurposeStatement
from purpose.suggestions import SESSION_KEY
from surveys.models import Invitation, PulseSchedule, Response
from surveys.rounds import round_close, round_open
from teams.models import AuditEvent, Membership
from tests.factories import MembershipFactory, PurposeStatementFactory
from tests.insights.test_results import payments_round

pytestmark = pytest.mark.django_db

PROPOSALS = [
    "Say merchants instead of small businesses.",
    "Call them merchants, nobody here says small businesses.",
    "Add refunds: getting money back is part of payments too.",
    "Mention refunds and disputes, not only the first sale.",
    "Shorter, please: keep only the part about the money never being in doubt.",
]
QUESTION = "What would you change in how we describe our purpose?"


def with_proposals(summary, proposals=PROPOSALS):
    for response, text in zip(
        Response.objects.filter(round=summary.round).order_by("pk"), proposals, strict=False
    ):
        response.purpose_proposal = text
        response.save(update_fields=["purpose_proposal"])
    return summary


@pytest.fixture
def closed(team, leader, member):
    for _ in range(5):
        MembershipFactory(unit=team, role=Membership.Role.MEMBER)
    return with_proposals(payments_round(team))


def talk_url(team):
    return reverse("talk_it_through", args=[team.pk])


def use_url(team):
    return reverse("talk_proposals_use", args=[team.pk])


def html_of(response) -> str:
    return response.content.decode().replace("&#x27;", "'")


# --- The question in the pulse ------------------------------------------------------------------


def open_pulse(team, leader, member, *, asks: bool):
    PurposeStatementFactory(unit=team, purpose="We help small shops take card payments.")
    PulseSchedule.objects.create(organization=team.organization, unit=team, asks_purpose_proposal=asks)
    now = timezone.now()
    pulse_round = round_open(unit=team, scheduled_for=now, closes_at=now + timedelta(days=5), remind_at=None)
    invitation = Invitation.objects.get(round=pulse_round, user=member)
    return reverse("pulse_answer", args=[invitation.token])


ANSWER = {
    "purpose_text": "We let small shops take cards.",
    "fit_text": "Money Movement counts on us.",
    "understands_purpose": "4",
    "sees_contribution": "4",
    "shapes_direction": "3",
    "question_for_leader": "",
    "revision": "0",
}


def test_the_pulse_asks_for_proposals_only_when_the_leader_turned_the_question_on(
    team, leader, member, client
):
    url = open_pulse(team, leader, member, asks=False)
    assert QUESTION not in html_of(client.get(url))
    # Sent anyway, it is not stored.
    client.post(url, {**ANSWER, "purpose_proposal": "Sneaked in"})
    assert Response.objects.get().purpose_proposal == ""


def test_a_member_proposes_wording_and_it_is_saved_with_the_answer(team, leader, member, client):
    url = open_pulse(team, leader, member, asks=True)
    page = html_of(client.get(url))
    assert QUESTION + " (optional)" in page
    saved = client.post(url, {**ANSWER, "purpose_proposal": "Say merchants."})
    assert saved.status_code == 302
    assert Response.objects.get().purpose_proposal == "Say merchants."
    assert "Say merchants." in html_of(client.get(url))  # the member sees what they proposed
    too_long = client.post(url, {**ANSWER, "revision": "1", "purpose_proposal": "x" * 1001})
    assert too_long.status_code == 422 and "x" * 1001 in html_of(too_long)  # refused, the text kept
    assert Response.objects.get().purpose_proposal == "Say merchants."
    # The leader turns the question off meanwhile: a revision keeps the proposal already given.
    PulseSchedule.objects.filter(unit=team).update(asks_purpose_proposal=False)
    assert client.post(url, {**ANSWER, "revision": "1", "fit_text": "Changed."}).status_code == 302
    assert Response.objects.get().purpose_proposal == "Say merchants."
    assert Response.objects.get().fit_text == "Changed."


def test_the_leader_sets_the_suggestions_aside(closed, team, leader, login):
    client = login(leader)
    client.post(use_url(team), {"round": closed.round_id, "proposal": [PROPOSALS[0]]})
    edit = reverse("purpose_edit", args=[team.pk])
    typed = {
        "purpose": "Typed, not saved.",
        "fit": "",
        "key_ideas": "",
        "base_version": "1",
        "set_suggestions_aside": "1",
    }
    fragment = client.post(edit, typed, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "Typed, not saved." in html_of(fragment)
    assert "The team's suggestions to draw on" not in html_of(fragment)
    assert "The team's suggestions to draw on" not in html_of(client.get(edit))
    assert PurposeStatement.objects.filter(unit=team).count() == 1


def test_only_the_teams_managers_turn_the_question_on(team, leader, member, login):
    PurposeStatementFactory(unit=team)
    data = {
        "is_active": "on",
        "asks_purpose_proposal": "on",
        "cadence": "monthly",
        "weekday": "0",
        "day_of_month": "3",
        "local_time": "09:00",
        "open_days": "5",
        "remind_after_days": "2",
    }
    url = reverse("unit_schedule", args=[team.pk])
    pulses = html_of(login(leader).get(reverse("unit_pulses", args=[team.pk])))
    assert "Ask “" + QUESTION + "”" in pulses and 'name="asks_purpose_proposal"' in pulses
    assert login(member).post(url, data).status_code == 403
    assert not PulseSchedule.objects.filter(unit=team).exists()
    assert login(leader).post(url, data).status_code == 302
    assert PulseSchedule.objects.get(unit=team).asks_purpose_proposal


def test_a_proposal_stays_with_its_answer_through_the_close_and_nothing_links_it_to_a_person(
    team, leader, member, client
):
    url = open_pulse(team, leader, member, asks=True)
    client.post(url, {**ANSWER, "purpose_proposal": "Say merchants."})
    pulse_round = Response.objects.get().round
    round_close(round_id=pulse_round.pk, now=pulse_round.closes_at + timedelta(minutes=1))
    response = Response.objects.get()
    assert response.purpose_proposal == "Say merchants." and response.invitation_id is None


# --- The leader reads them and starts a new version ---------------------------------------------


def test_the_leader_sees_the_proposals_grouped_by_meaning_without_names(closed, team, leader, login):
    html = html_of(login(leader).get(talk_url(team)))
    assert all(text in html for text in PROPOSALS)
    assert "along the lines of" in html
    assert "Start a new version from these" in html


def test_below_the_verbatim_minimum_no_proposal_is_shown_nor_counted(team, leader, login):
    team.organization.min_verbatim_size = 8
    team.organization.save()
    summary = with_proposals(payments_round(team, respondents=6))
    client = login(leader)
    html = html_of(client.get(talk_url(team)))
    assert not any(text in html for text in PROPOSALS)
    assert "Proposals can't be shown" in html and "proposal along" not in html
    # Posting a proposal's text by hand hands nothing to the editor.
    refused = client.post(use_url(team), {"round": summary.round_id, "proposal": PROPOSALS[0]})
    assert refused.status_code == 422 and SESSION_KEY not in client.session
    assert "no proposals that may be shown" in html_of(refused)


def test_starting_a_new_version_from_proposals_marks_it_shaped_by_the_team(
    closed, team, leader, member, colleague, login
):
    client = login(leader)
    chosen = [PROPOSALS[0], PROPOSALS[2], "A text nobody proposed"]
    handed = client.post(use_url(team), {"round": closed.round_id, "proposal": chosen})
    assert handed.status_code == 302 and handed["Location"] == reverse("purpose_edit", args=[team.pk])
    editor = html_of(client.get(handed["Location"]))
    assert "The team's suggestions to draw on" in editor
    assert PROPOSALS[0] in editor and PROPOSALS[2] in editor and "A text nobody proposed" not in editor
    current = closed.round.purpose_statement
    saved = client.post(
        handed["Location"],
        {
            "purpose": "We help merchants take card payments and refund them.",
            "fit": current.fit,
            "key_ideas": "merchants\nrefunds",
            "ideas_for": "We help merchants take card payments and refund them.",
            "base_version": current.version,
            "shaped_with_suggestions": "1",
            "save": "1",
        },
    )
    assert saved.status_code == 302
    version = PurposeStatement.objects.filter(unit=team).latest()
    assert sorted(version.shaped_from) == sorted([PROPOSALS[0], PROPOSALS[2]])  # in the page's order
    assert SESSION_KEY not in client.session or not client.session[SESSION_KEY].get(str(team.pk))
    assert AuditEvent.objects.filter(action="purpose.suggestions_offered", unit=team).exists()
    history_url = reverse("purpose_history", args=[team.pk])
    # The team reads which proposals it drew on; the rest of the organization only that there were some.
    for reader in (leader, member):
        history = html_of(login(reader).get(history_url))
        assert "Shaped with the team's suggestions." in history and PROPOSALS[2] in history
    elsewhere = html_of(login(colleague).get(history_url))
    assert "Shaped with the team's suggestions." in elsewhere and PROPOSALS[2] not in elsewhere


def test_a_version_saved_without_the_box_ticked_is_not_marked_shaped(closed, team, leader, login):
    client = login(leader)
    client.post(use_url(team), {"round": closed.round_id, "proposal": [PROPOSALS[0]]})
    current = closed.round.purpose_statement
    client.post(
        reverse("purpose_edit", args=[team.pk]),
        {
            "purpose": "We help merchants take card payments.",
            "fit": current.fit,
            "key_ideas": "merchants",
            "ideas_for": "We help merchants take card payments.",
            "base_version": current.version,
            "save": "1",
        },
    )
    assert PurposeStatement.objects.filter(unit=team).latest().shaped_from == []


def test_nothing_chosen_says_so_and_only_managers_may_hand_proposals_over(
    closed, team, leader, member, login
):
    empty = login(leader).post(use_url(team), {"round": closed.round_id})
    assert empty.status_code == 422 and "Tick at least one proposal" in html_of(empty)
    client = login(member)
    assert client.post(use_url(team), {"round": closed.round_id, "proposal": PROPOSALS[0]}).status_code == 403
    assert SESSION_KEY not in client.session
    assert client.get(reverse("purpose_edit", args=[team.pk])).status_code == 403
