"""Results come back to the team: the results page, the emailed link, and the results email."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse

from insights.dashboard import org_figures
from insights.results_mail import results_due_rounds, round_results_send
from surveys.models import Invitation, LeaderReply, ResultsEmail, TeamAction
from teams.models import Membership
from tests.factories import MembershipFactory, ResponseFactory, closed_round_with_summary

pytestmark = pytest.mark.django_db
CLOSED = datetime(2026, 9, 1, tzinfo=UTC)
QUESTIONS = [
    "Why did we drop the refunds project?",
    "What happened to the refunds roadmap?",
    "When do we get a second on-call engineer?",
    "Can on-call be shared with the Risk team?",
    "Will we hire another engineer for on-call?",
]


def payments_round(team, *, respondents=6, questions=QUESTIONS, closes_at=CLOSED, **fields):
    """Payments' pulse, closed and summed up, with one answer per respondent and the questions asked."""
    summary = closed_round_with_summary(
        team,
        closes_at=closes_at,
        respondents=respondents,
        alignment=62,
        ideas=["small shops", "card payments", "trust"],
        idea_shares=[0.83, 0.5, 0.0],
        interpretations=[
            {"size": 4, "text": "We let small shops take cards without fuss."},
            {"size": 2, "text": "We keep the payment platform running."},
        ],
        agree_means=[4.2, 3.9, 2.8],
        **fields,
    )
    for i in range(respondents):
        question = questions[i] if i < len(questions) else ""
        ResponseFactory(round=summary.round, question_for_leader=question)
    return summary


@pytest.fixture
def team_people(team, member):
    """Payments has six members in all: the `member` fixture first."""
    others = [MembershipFactory(unit=team, role=Membership.Role.MEMBER).user for _ in range(5)]
    return [member, *others]


@pytest.fixture
def closed(team, leader, team_people):
    summary = payments_round(team)
    for person in team_people:
        Invitation.objects.create(round=summary.round, user=person)
    return summary


def results_url(unit, pulse_round=None):
    url = reverse("team_results", args=[unit.pk])
    return f"{url}?round={pulse_round.pk}" if pulse_round else url


def test_a_member_reads_the_teams_reading_the_leaders_words_and_replies(closed, team, leader, member, login):
    """Band, ideas named and missed, one example per reading, the statement, the published replies."""
    LeaderReply.objects.create(
        round=closed.round,
        theme=None,
        text="Refunds come back in spring.",
        published_at=CLOSED,
        author=leader,
    )
    LeaderReply.objects.create(round=closed.round, theme=0, text="A draft nobody sees yet.", author=leader)
    page = login(member).get(results_url(team))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Part of it".lower() in html  # the band of 62
    assert "small shops" in html and "trust" in html
    assert "We let small shops take cards without fuss." in html
    assert closed.round.purpose_statement.purpose in html
    assert "Refunds come back in spring." in html
    assert "A draft nobody sees yet." not in html
    # No count of a reading's group, no question quoted without a reply to it.
    assert "4 answers" not in html and QUESTIONS[0] not in html


def test_others_cant_read_a_teams_results(closed, team, colleague, outsider, client, login):
    """Someone of another team gets a 403, another organization a 404, a visitor the login page."""
    assert client.get(results_url(team)).status_code == 302
    assert login(colleague).get(results_url(team)).status_code == 403
    assert login(outsider).get(results_url(team)).status_code == 404


def test_below_the_threshold_the_page_says_so_and_shows_no_reading(team, leader, member, login):
    summary = payments_round(team, respondents=3)
    LeaderReply.objects.create(round=summary.round, text="Thanks for the questions.", published_at=CLOSED)
    html = login(member).get(results_url(team)).content.decode()
    assert "Not enough answers to show the team" in html
    assert "small shops" not in html and "We let small shops" not in html
    assert "Thanks for the questions." in html  # the leader's own words are not about the group


def test_questions_are_quoted_beside_a_reply_only_above_the_verbatim_threshold(team, leader, member, login):
    team.organization.min_verbatim_size = 8
    team.organization.save()
    summary = payments_round(team, respondents=6)
    LeaderReply.objects.create(round=summary.round, theme=0, text="About on-call.", published_at=CLOSED)
    html = login(member).get(results_url(team)).content.decode()
    assert "About on-call." in html
    assert not any(q in html for q in QUESTIONS)
    assert "We let small shops take cards without fuss." not in html  # no example answer either
    team.organization.min_verbatim_size = 5
    team.organization.save()
    html = login(member).get(results_url(team)).content.decode()
    assert sum(q in html for q in QUESTIONS) >= 1  # the theme's questions, beside the reply


def test_past_results_are_listed_and_open(closed, team, member, login):
    older = payments_round(team, closes_at=CLOSED - timedelta(days=30))
    html = login(member).get(results_url(team)).content.decode()
    assert f"?round={older.round_id}" in html
    assert login(member).get(results_url(team, older.round)).status_code == 200
    assert login(member).get(results_url(team) + "?round=999999").status_code == 404


def test_results_email_goes_once_to_every_invited_member_and_its_link_opens_without_password(
    closed, team, team_people, client
):
    sent, failed = round_results_send(round_id=closed.round_id)
    assert (sent, failed) == (6, [])
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in team_people)
    message = mail.outbox[0]
    assert message.subject == "Here is how Payments describes its purpose"
    assert "small shops" in message.body
    assert round_results_send(round_id=closed.round_id) == (0, [])  # claimed: never twice
    assert len(mail.outbox) == 6

    link = next(line for line in message.body.splitlines() if "/r/" in line).strip()
    page = client.get(link.replace("http://127.0.0.1:8000", ""))
    assert page.status_code == 200
    assert "How Payments describes its purpose" in page.content.decode()


def test_a_results_link_is_the_invitees_alone(closed, team, team_people, login):
    round_results_send(round_id=closed.round_id)
    message = next(m for m in mail.outbox if m.to == [team_people[0].email])
    path = (
        next(line for line in message.body.splitlines() if "/r/" in line)
        .strip()
        .replace("http://127.0.0.1:8000", "")
    )
    assert login(team_people[1]).get(path).status_code == 403  # someone else signed in
    assert login(team_people[0]).get(path[:-3] + "xyz/").status_code == 404  # tampered
    Membership.objects.filter(user=team_people[0], unit=team).delete()
    assert login(team_people[0]).get(path).status_code == 404  # left the team


def test_no_results_email_for_a_round_below_the_threshold(team, leader, member):
    summary = payments_round(team, respondents=3)
    Invitation.objects.create(round=summary.round, user=member)
    assert round_results_send(round_id=summary.round_id) == (0, [])
    assert mail.outbox == []
    assert summary.round_id not in results_due_rounds(now=CLOSED + timedelta(hours=1))


def test_a_failed_send_gives_the_claim_back_for_the_retry(closed):
    with mock.patch("django.core.mail.EmailMultiAlternatives.send", side_effect=OSError("SMTP down")):
        sent, failed = round_results_send(round_id=closed.round_id)
    assert sent == 0 and len(failed) == 6
    assert not ResultsEmail.objects.exists()
    assert round_results_send(round_id=closed.round_id)[0] == 6


def test_the_results_sweep_finds_a_decided_round_until_its_emails_are_sent(closed, team):
    # The team view decides the cohort on its first read, as the final summary's task does.
    org_figures(team.organization)
    now = CLOSED + timedelta(hours=1)
    assert results_due_rounds(now=now) == [closed.round_id]
    round_results_send(round_id=closed.round_id)
    assert results_due_rounds(now=now) == []
    assert results_due_rounds(now=CLOSED + timedelta(days=30)) == []


def test_actions_of_the_round_show_on_the_results_page(closed, team, leader, member, login):
    TeamAction.objects.create(
        unit=team, round=closed.round, title="Explain trust at onboarding", owner=member, due_on=CLOSED.date()
    )
    html = login(member).get(results_url(team)).content.decode()
    assert "Explain trust at onboarding" in html
    assert "overdue" in html
