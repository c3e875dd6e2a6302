"""One round, one situation: every page reads the team's situation from its round summary.

The summary decides the situation once (insights.summaries, with the share of
members who get the purpose); no page may work it out again from the
alignment and agreement figures, which is how the team view once said
"aligned" while the org table, the home page and the CSV said "split".
"""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils.html import escape

from alignment import SITUATIONS, situation
from teams.models import Membership, User
from tests.factories import MembershipFactory, closed_round_with_summary

pytestmark = pytest.mark.django_db
WHEN = datetime(2026, 10, 1, tzinfo=UTC)
STORED = "split"
TITLE = SITUATIONS[STORED].title


@pytest.fixture
def summary(team):
    """Payments' latest round: figures the old threshold rule reads otherwise, stored as split."""
    summary = closed_round_with_summary(
        team, closes_at=WHEN, respondents=6, alignment=80.0, agreement=80.0, situation=STORED
    )
    # Without this the test could not tell the stored situation from a recomputed one.
    assert situation(summary.alignment, summary.agreement).code != STORED
    return summary


def shows_only_the_stored_situation(html: str) -> bool:
    others = [s.title for code, s in SITUATIONS.items() if code != STORED]
    return escape(TITLE) in html and not any(escape(title) in html for title in others)


def test_the_team_view_shows_the_stored_situation(login, leader, team, summary):
    page = login(leader).get(reverse("team_dashboard", args=[team.pk]))
    assert page.status_code == 200
    assert shows_only_the_stored_situation(page.content.decode())


def test_the_org_table_and_its_fragments_show_the_stored_situation(login, executive, division, team, summary):
    client = login(executive)
    pages = {
        "page": client.get(reverse("org_dashboard")),
        "table fragment": client.get(reverse("org_dashboard"), HTTP_HX_REQUEST="true"),
        "sorted fragment": client.get(reverse("org_dashboard"), {"sort": "lowest"}, HTTP_HX_REQUEST="true"),
        "children fragment": client.get(
            reverse("org_dashboard_children", args=[division.pk]), HTTP_HX_REQUEST="true"
        ),
    }
    for name, page in pages.items():
        html = page.content.decode()
        assert page.status_code == 200, name
        assert f'id="dash-row-{team.pk}"' in html, name
        assert shows_only_the_stored_situation(html), name


def test_the_home_page_shows_the_stored_situation_to_the_leader(login, leader, summary):
    html = login(leader).get(reverse("home")).content.decode()
    assert "Last result" in html
    assert shows_only_the_stored_situation(html)


def test_the_home_page_shows_the_stored_situation_to_an_executive_who_leads_the_team(login, team, summary):
    executive = MembershipFactory(
        unit=team, role=Membership.Role.LEADER, user__org_role=User.OrgRole.EXECUTIVE
    ).user
    html = login(executive).get(reverse("home")).content.decode()
    assert "at a glance" in html and "Last result" in html
    assert shows_only_the_stored_situation(html)


def test_the_executive_home_never_contradicts_the_stored_situation(login, executive, team, summary):
    """The glance names teams by alignment only; whatever it says of Payments, it says no other situation."""
    html = login(executive).get(reverse("home")).content.decode()
    assert f'{reverse("team_dashboard", args=[team.pk])}">Payments</a> (80)' in html
    assert not any(escape(s.title) in html for code, s in SITUATIONS.items() if code != STORED)


def test_the_csv_export_shows_the_stored_situation(login, executive, summary):
    export = login(executive).get(reverse("org_dashboard_csv"))
    rows = {row["unit"]: row for row in csv.DictReader(io.StringIO(export.content.decode()))}
    assert rows["Payments"]["situation"] == TITLE
    assert rows["Product"]["situation"] == ""  # a roll-up of teams has no single situation
