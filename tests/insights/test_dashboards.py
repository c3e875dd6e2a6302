import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from surveys.models import Response
from teams.models import Membership
from tests.factories import MembershipFactory, UnitFactory, closed_round_with_summary

pytestmark = pytest.mark.django_db
T1 = datetime(2026, 9, 1, tzinfo=UTC)
T2 = T1 + timedelta(weeks=4)


@pytest.fixture
def org_tree(org, division, team):
    """Product (division) with Payments (7 answers), Payouts (6) and Risk (2)."""
    payouts = UnitFactory(organization=org, parent=division, name="Payouts")
    risk = UnitFactory(organization=org, parent=division, name="Risk")
    for unit, n, before, now in ((team, 7, 60, 50), (payouts, 6, 40, 45), (risk, 2, 30, 20)):
        closed_round_with_summary(unit, closes_at=T1, respondents=n, alignment=before)
        closed_round_with_summary(unit, closes_at=T2, respondents=n, alignment=now, invited=n + 2)
    return {"division": division, "payments": team, "payouts": payouts, "risk": risk}


def test_anonymous_goes_to_login(client):
    assert client.get(reverse("org_dashboard")).status_code == 302


def test_member_without_a_led_unit_is_refused(login, member, org_tree):
    assert login(member).get(reverse("org_dashboard")).status_code == 403
    assert login(member).get(reverse("team_dashboard", args=[org_tree["payments"].pk])).status_code == 403


def test_wrong_method_is_refused(login, executive):
    assert login(executive).post(reverse("org_dashboard")).status_code == 405


def test_outsider_sees_nothing_of_another_organization(login, outsider, org_tree):
    client = login(outsider)
    assert client.get(reverse("team_dashboard", args=[org_tree["payments"].pk])).status_code == 404
    assert client.get(reverse("org_dashboard_children", args=[org_tree["division"].pk])).status_code == 404
    page = client.get(reverse("org_dashboard"))
    own_unit = outsider.memberships.get().unit
    assert page.status_code == 200 and f'id="dash-row-{own_unit.pk}"' in page.content.decode()
    assert "Payments" not in page.content.decode()


def test_executive_sees_the_hierarchy_with_weighted_roll_ups(login, executive, org_tree):
    html = login(executive).get(reverse("org_dashboard")).content.decode()
    assert "Product" in html
    # Payments 7×50 + Payouts 6×45 + Risk 2×20 over 15 → 44; 15 of 21 invited.
    assert "<strong>44</strong>" in html
    assert "71%" in html


def test_small_team_and_the_next_smallest_sibling_are_hidden(login, executive, org_tree):
    html = (
        login(executive)
        .get(reverse("org_dashboard_children", args=[org_tree["division"].pk]), HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert "<html" not in html
    assert "<strong>50</strong>" in html  # Payments shows
    assert "<strong>45</strong>" not in html  # Payouts would let anyone compute Risk: hidden
    assert "<strong>20</strong>" not in html
    assert html.count("not enough answers") == 2


def test_sorting_by_biggest_drop_lists_visible_units_flat(login, executive, org_tree):
    html = (
        login(executive)
        .get(reverse("org_dashboard"), {"sort": "drop"}, HTTP_HX_REQUEST="true")
        .content.decode()
    )
    assert html.index("Payments") < html.index("Payouts")
    assert "▼ -10" in html


def test_filter_within_a_division(login, executive, org, org_tree):
    other = UnitFactory(organization=org, name="Sales", kind="division")
    closed_round_with_summary(other, closes_at=T2, respondents=9, alignment=33)
    html = (
        login(executive).get(reverse("org_dashboard"), {"within": org_tree["division"].pk}).content.decode()
    )
    assert f'id="dash-row-{org_tree["division"].pk}"' in html
    assert f'id="dash-row-{other.pk}"' not in html


def test_csv_export_has_the_same_privacy(login, executive, org_tree):
    response = login(executive).get(reverse("org_dashboard_csv"), {"within": org_tree["division"].pk})
    assert response["Content-Type"].startswith("text/csv")
    rows = {r["unit"]: r for r in csv.DictReader(io.StringIO(response.content.decode()))}
    assert rows["Payments"]["alignment"] == "50.0"
    assert rows["Payouts"]["alignment"] == "" and rows["Risk"]["alignment"] == ""
    assert rows["Risk"]["respondents"] == "fewer than 5"
    assert rows["Product"]["alignment"] == "44.0"


def test_leader_sees_only_their_subtree(login, org, org_tree, leader):
    html = login(leader).get(reverse("org_dashboard")).content.decode()
    assert "Payments" in html and "Payouts" not in html
    assert (
        login(leader).get(reverse("org_dashboard_children", args=[org_tree["division"].pk])).status_code
        == 404
    )
    assert login(leader).get(reverse("team_dashboard", args=[org_tree["payouts"].pk])).status_code == 403


def test_leader_of_a_division_opens_a_team_dashboard(login, org_tree):
    director = MembershipFactory(unit=org_tree["division"], role=Membership.Role.LEADER).user
    response = login(director).get(reverse("team_dashboard", args=[org_tree["payments"].pk]))
    assert response.status_code == 200
    assert "Latest pulse" in response.content.decode()


def test_team_dashboard_explains_the_number(login, leader, team, org_tree):
    summary = team.round_summaries.order_by("-closes_at").first()
    summary.ideas, summary.idea_shares = (
        ["accept card payments", "so the money is never in doubt"],
        [0.86, 0.14],
    )
    summary.scores = [30.0, 45.0, 52.0, 55.0, 61.0, 62.0, 70.0]
    summary.save()
    html = login(leader).get(reverse("team_dashboard", args=[team.pk])).content.decode()
    assert "accept card payments" in html and "86%" in html
    assert "✗ so the money is never in doubt" in html
    assert "<svg" in html and "<title>Alignment of Payments over time</title>" in html
    assert "Spread of answers" in html


def test_team_dashboard_of_a_small_team_shows_no_numbers(login, org_tree, executive):
    html = login(executive).get(reverse("team_dashboard", args=[org_tree["risk"].pk])).content.decode()
    assert "Not enough answers to show safely" in html
    assert ">20<" not in html and ">30<" not in html


def test_verbatims_need_the_verbatim_threshold(login, org, leader, team, org_tree):
    latest = team.round_summaries.order_by("-closes_at").first()
    for i in range(7):
        Response.objects.create(
            round=latest.round,
            purpose_text=f"Answer number {i}",
            fit_text="fit",
            understands_purpose=4,
            sees_contribution=4,
            shapes_direction=3,
            question_for_leader="Why now?" if i == 0 else "",
            needs_scoring=False,
        )
    html = login(leader).get(reverse("team_dashboard", args=[team.pk])).content.decode()
    assert "Answer number 3" in html and "Why now?" in html
    org.min_verbatim_size = 8
    org.save()
    html = login(leader).get(reverse("team_dashboard", args=[team.pk])).content.decode()
    assert "Answer number 3" not in html and "Answers in members' own words show from 8 answers" in html


def test_dashboard_queries_do_not_grow_with_the_organization(
    login, executive, org, division, django_assert_max_num_queries
):
    client = login(executive)

    def grow(n):
        for i in range(n):
            unit = UnitFactory(organization=org, parent=division)
            closed_round_with_summary(unit, closes_at=T2, respondents=5 + i % 4, alignment=40 + i)

    grow(3)
    client.get(reverse("org_dashboard"))  # the first read gathers the new rounds into a cohort, once
    with django_assert_max_num_queries(12):
        client.get(reverse("org_dashboard"))
    grow(30)
    client.get(reverse("org_dashboard"))
    # One request per block: each also refreshes its session (SESSION_SAVE_EVERY_REQUEST).
    with django_assert_max_num_queries(12):
        client.get(reverse("org_dashboard"))
    with django_assert_max_num_queries(12):
        client.get(reverse("org_dashboard"), {"sort": "lowest"})


def test_a_teams_previous_round_hidden_in_the_org_view_stays_hidden_in_its_trend(login, executive, org_tree):
    """Payouts' previous round (6 answers) is hidden beside Risk's 2: its own trend must not show it."""
    html = login(executive).get(reverse("team_dashboard", args=[org_tree["payouts"].pk])).content.decode()
    assert ">40<" not in html
    assert "not enough answers" in html
