"""Issue 14, the team view and the org table: one count, dates in the organization's zone,
words for the person reading, answers shown the way they were written. Each failed before its fix."""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from tests.factories import AnswerScoreFactory, ResponseFactory, closed_round_with_summary

pytestmark = pytest.mark.django_db

# Midnight UTC on 1 September is still 31 August in Los Angeles.
CLOSED = datetime(2026, 9, 1, 3, 0, tzinfo=UTC)
ARABIC = "نحن نساعد المتاجر الصغيرة على قبول المدفوعات"
ANSWERS = {
    "We get every small shop paid for every sale, simply.": (88.0, []),
    "Shops can take any card and the sale goes through.": (79.0, []),
    "We handle card payments for shops.": (61.0, []),
    "I write the payment code and review pull requests.": (40.0, []),
    ARABIC: (55.0, ["non_english"]),
    "idk": (None, ["too_short"]),
}


@pytest.fixture
def closed_pulse(org, team, leader):
    """Payments' latest pulse: 6 saved answers of 7 invited, 5 the engine could read."""
    org.time_zone = "America/Los_Angeles"
    org.save()
    summary = closed_round_with_summary(
        team, closes_at=CLOSED, respondents=5, alignment=60, invited=7, situation="shared_other"
    )
    summary.answered = 6
    summary.save()
    for text, (alignment, flags) in ANSWERS.items():
        AnswerScoreFactory(
            response=ResponseFactory(round=summary.round, purpose_text=text), alignment=alignment, flags=flags
        )
    return summary


def test_the_team_view_counts_every_saved_answer_as_the_pulses_page_does(login, team, leader, closed_pulse):
    html = login(leader).get(reverse("team_dashboard", args=[team.pk])).content.decode()
    assert "6 of 7 answered" in html
    assert "86%" in html  # 6 of 7, not 5 of 7


def test_the_csv_counts_the_same_answers(login, team, executive, closed_pulse):
    response = login(executive).get(reverse("org_dashboard_csv"))
    rows = {r["unit"]: r for r in csv.DictReader(io.StringIO(response.content.decode()))}
    assert (rows["Payments"]["respondents"], rows["Payments"]["response_rate_pct"]) == ("6", "86")
    assert rows["Payments"]["answers_read"] == "5"


def test_the_team_view_dates_a_round_in_the_organizations_time_zone(login, team, leader, closed_pulse):
    html = login(leader).get(reverse("team_dashboard", args=[team.pk])).content.decode()
    assert "Latest pulse, closed 31 Aug 2026" in html
    assert "1 Sep 2026" not in html


def test_answers_are_shown_with_their_own_direction_and_a_word_on_other_languages(
    login, team, leader, closed_pulse
):
    html = login(leader).get(reverse("team_dashboard", args=[team.pk])).content.decode()
    item = html.split(ARABIC)[0].rsplit("<li", 1)[1] + html.split(ARABIC)[1].split("</li>")[0]
    assert 'dir="auto"' in item
    assert "read with care: written in another language" in item


def test_an_executive_reads_the_situation_about_the_leader_not_addressed_to_them(
    login, team, leader, executive, closed_pulse
):
    url = reverse("team_dashboard", args=[team.pk])
    as_executive = login(executive).get(url).content.decode()
    assert "not the one you wrote" not in as_executive
    assert "not the one its leader wrote" in as_executive
    as_leader = login(leader).get(url).content.decode()
    assert "not the one you wrote" in as_leader


def test_the_two_fit_figures_are_named_apart(login, team, leader, closed_pulse):
    html = login(leader).get(reverse("team_dashboard", args=[team.pk])).content.decode()
    assert "Fit, told back" in html and "against the leader's fit statement" in html
