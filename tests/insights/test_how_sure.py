"""How sure a reading is, on the pages. A close call on every page that shows a situation: when
the engine found the runner-up nearly as likely, the summary keeps it and the team view, the org
table, the home page, the agenda and the CSV name it beside the situation; where the situation is
hidden, so is the close call. And the team view's "likely between" range for the alignment."""

import csv
import io
import statistics
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from alignment import SITUATIONS
from alignment.graded import load_graded
from alignment.team import alignment_interval, situation_model_for
from insights import scoring, summaries
from insights.wording import situation_for
from surveys.answering import response_submit
from surveys.models import Invitation, Response
from surveys.rounds import round_open
from teams.models import Membership
from tests.factories import MembershipFactory, PurposeStatementFactory, closed_round_with_summary
from tests.insights.test_results import payments_round
from tests.insights.test_scoring import answers

pytestmark = pytest.mark.django_db
WHEN = datetime(2026, 10, 1, tzinfo=UTC)
GRADED = Path(__file__).resolve().parents[1] / "data" / "graded"
TO_THE_LEADER = SITUATIONS["aligned"].title
ABOUT_THE_TEAM = situation_for(SITUATIONS["aligned"], viewer_leads=False).title


@pytest.fixture
def close_call(team):
    """Payments' latest round, read as split with aligned nearly as likely."""
    return closed_round_with_summary(
        team, closes_at=WHEN, respondents=6, alignment=58.0, situation="split", situation_close_call="aligned"
    )


def test_the_team_view_names_the_close_call(login, leader, team, close_call):
    html = login(leader).get(reverse("team_dashboard", args=[team.pk])).content.decode()
    assert escape(SITUATIONS["split"].title) in html
    assert "A close call:" in html and f"could also be “{escape(TO_THE_LEADER)}”" in html


def test_the_org_table_names_the_close_call_in_the_third_person(login, executive, team, close_call):
    client = login(executive)
    for page in (
        client.get(reverse("org_dashboard")),
        client.get(reverse("org_dashboard"), HTTP_HX_REQUEST="true"),
    ):
        html = page.content.decode()
        assert f"a close call: could also be “{escape(ABOUT_THE_TEAM)}”" in html


def test_the_home_page_and_the_agenda_name_the_close_call_to_the_leader(login, leader, team, close_call):
    client = login(leader)
    home = client.get(reverse("home")).content.decode()
    assert f"(a close call: could also be “{escape(TO_THE_LEADER)}”)" in home
    talk = client.get(reverse("talk_it_through", args=[team.pk])).content.decode()
    assert f"it could also be “{escape(TO_THE_LEADER)}”" in talk


def test_the_csv_has_the_close_call_in_its_own_column(login, executive, close_call):
    export = login(executive).get(reverse("org_dashboard_csv"))
    rows = {row["unit"]: row for row in csv.DictReader(io.StringIO(export.content.decode()))}
    assert rows["Payments"]["situation"] == SITUATIONS["split"].title
    assert rows["Payments"]["situation_close_call"] == TO_THE_LEADER
    assert rows["Product"]["situation_close_call"] == ""  # a roll-up has no situation, nor a close call


def test_a_clear_reading_says_nothing_of_a_close_call(login, leader, executive, team):
    payments_round(team, situation="aligned")
    html = login(leader).get(reverse("team_dashboard", args=[team.pk])).content.decode()
    assert escape(TO_THE_LEADER) in html and "close call" not in html
    export = login(executive).get(reverse("org_dashboard_csv")).content.decode()
    assert {row["unit"]: row for row in csv.DictReader(io.StringIO(export))}["Payments"][
        "situation_close_call"
    ] == ""


def test_where_the_situation_is_hidden_so_is_the_close_call(login, executive, team):
    closed_round_with_summary(
        team, closes_at=WHEN, respondents=2, alignment=58.0, situation="split", situation_close_call="aligned"
    )
    client = login(executive)
    table = client.get(reverse("org_dashboard")).content.decode()
    assert "close call" not in table and escape(ABOUT_THE_TEAM) not in table
    export = client.get(reverse("org_dashboard_csv")).content.decode()
    payments = {row["unit"]: row for row in csv.DictReader(io.StringIO(export))}["Payments"]
    assert payments["alignment"] == "" and payments["situation"] == payments["situation_close_call"] == ""


def test_the_summary_keeps_the_close_call_the_engine_reads(team, leader):
    """Real answers through scoring and the summary: a graded team the engine reads as a close call
    (tests/engine/test_how_sure.py) keeps it on its round summary."""
    scattered = next(t for t in load_graded(GRADED) if t.id == "d-learning-development-norvik")
    PurposeStatementFactory(
        unit=team, version=1, author=leader, purpose=scattered.purpose, key_ideas=scattered.ideas
    )
    for _ in scattered.answers:
        MembershipFactory(unit=team, role=Membership.Role.MEMBER)
    now = timezone.now()
    pulse_round = round_open(
        unit=team, scheduled_for=now, closes_at=now + timedelta(days=5), remind_at=None, now=now
    )
    invitations = Invitation.objects.filter(round=pulse_round).order_by("pk")
    with mock.patch("insights.scoring.queue_round_scoring"):
        for invitation, answer in zip(invitations, scattered.answers, strict=False):
            response_submit(invitation=invitation, answers=answers(answer.text), seen_revision=0)
    scoring.response_score(response_id=Response.objects.filter(round=pulse_round).first().pk)
    summary = summaries.round_summarize(round_id=pulse_round.pk)
    # Nine answered; the "?" and the German answer are not judged, so seven are read.
    assert len(scattered.answers) == 9 and summary.respondents == 7
    assert (summary.situation, summary.situation_close_call) == ("no_shared", "shared_other")


def test_the_team_view_says_where_the_alignment_likely_lies(login, leader, team):
    scores = [22.0, 48.5, 61.0, 70.2, 88.0, 93.1]
    summary = payments_round(team, scores=scores, scored_model="minilm-l6-v2-int8")
    low, high = alignment_interval(scores, situation_model_for(summary.scored_model).interval_widen)
    html = login(leader).get(reverse("team_dashboard", args=[team.pk])).content.decode()
    assert f"likely {low:.0f}–{high:.0f}" in html
    assert "with 6 answers read this far apart" in html


def test_the_trend_draws_each_rounds_likely_range(login, leader, team):
    scores = [22.0, 48.5, 61.0, 70.2, 88.0, 93.1]
    summary = payments_round(team, scores=scores, scored_model="minilm-l6-v2-int8")
    low, high = alignment_interval(scores, situation_model_for(summary.scored_model).interval_widen)
    html = login(leader).get(reverse("team_dashboard", args=[team.pk])).content.decode()
    chart = html.split("Alignment of Payments over time")[1].split("</svg>")[0]
    assert '<line class="range"' in chart and f"likely {low:.0f}–{high:.0f}" in chart


@pytest.mark.parametrize(
    ("before", "after", "noise"),
    [
        ([20.0, 90.0, 45.0, 70.0, 30.0, 60.0], [12.0, 82.0, 37.0, 62.0, 22.0, 52.0], True),
        ([20.0, 25.0, 22.0, 30.0, 24.0, 28.0], [80.0, 85.0, 78.0, 90.0, 84.0, 88.0], False),
    ],
)
def test_a_change_the_answers_cant_tell_from_noise_says_so(
    login, leader, executive, team, before, after, noise
):
    for closes_at, scores in ((WHEN, before), (WHEN + timedelta(days=28), after)):
        closed_round_with_summary(
            team,
            closes_at=closes_at,
            respondents=6,
            alignment=statistics.mean(scores),
            alignment_sd=statistics.stdev(scores),
            scores=scores,
            scored_model="minilm-l6-v2-int8",
        )
    glance = login(leader).get(reverse("team_dashboard", args=[team.pk])).content.decode()
    glance = glance.split('id="glance-title"')[1].split("</section>")[0]
    assert ("▼" in glance) if noise else ("▲" in glance)
    assert ("could be noise" in glance) is noise
    client = login(executive)
    table = client.get(reverse("org_dashboard"), {"sort": "drop"}, HTTP_HX_REQUEST="true").content.decode()
    payments = table.split(f'id="dash-row-{team.pk}"')[1].split("</tr>")[0]
    assert ("could be noise" in payments) is noise
    export = client.get(reverse("org_dashboard_csv")).content.decode()
    rows = {row["unit"]: row for row in csv.DictReader(io.StringIO(export))}
    assert rows["Payments"]["change_could_be_noise"] == ("yes" if noise else "")
    assert rows["Product"]["change_could_be_noise"] == ""  # a roll-up says nothing either way
