"""The organization's figures each web process keeps (insights.figures_cache): every page shows
exactly what it shows computed afresh, for every viewer, and each kind of change is seen at once."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from insights import figures_cache
from insights.dashboard import cohorts_in_view, latest_two_by_index, latest_two_ranked, org_figures
from insights.figures_cache import figures_forget, figures_kept, figures_version
from insights.models import Cohort, RoundSummary
from insights.summaries import round_summarize
from surveys.models import PulseRound
from teams.importing.applying import job_run
from teams.importing.jobs import import_confirm, import_upload
from teams.models import Membership, Unit
from tests.factories import MembershipFactory, UnitFactory, UserFactory, closed_round_with_summary

pytestmark = pytest.mark.django_db
T1 = datetime(2026, 9, 1, tzinfo=UTC)
T2 = T1 + timedelta(weeks=4)
T3 = T2 + timedelta(weeks=4)
TOKENS = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]*"')


@pytest.fixture
def world(org, division, team, leader, executive):
    """Product (Payments 7, Payouts 6, Risk 2) and Sales (Deals 8, Renewals 9), two rounds each;
    a leader for each division and for Payments."""
    sales = UnitFactory(organization=org, name="Sales", kind="division")
    units = {
        "product": division,
        "sales": sales,
        "payments": team,
        "payouts": UnitFactory(organization=org, parent=division, name="Payouts"),
        "risk": UnitFactory(organization=org, parent=division, name="Risk"),
        "deals": UnitFactory(organization=org, parent=sales, name="Deals"),
        "renewals": UnitFactory(organization=org, parent=sales, name="Renewals"),
    }
    for name, n, before, now in (
        ("payments", 7, 60, 50),
        ("payouts", 6, 40, 45),
        ("risk", 2, 30, 20),
        ("deals", 8, 70, 71),
        ("renewals", 9, 80, 83),
    ):
        closed_round_with_summary(units[name], closes_at=T1, respondents=n, alignment=before)
        closed_round_with_summary(units[name], closes_at=T2, respondents=n, alignment=now, invited=n + 2)
    viewers = {
        "executive": executive,
        "payments leader": leader,
        "product leader": MembershipFactory(unit=division, role=Membership.Role.LEADER).user,
        "sales leader": MembershipFactory(unit=sales, role=Membership.Role.LEADER).user,
    }
    return units, viewers


def page(client, url: str, *, htmx: bool = False, **params) -> str:
    response = client.get(url, params, **({"HTTP_HX_REQUEST": "true"} if htmx else {}))
    assert response.status_code == 200, (url, response.status_code)
    return TOKENS.sub(r'\1"', response.content.decode())  # the only part two renders differ in


def pages_of(client, units) -> dict[str, str]:
    """Everything a viewer reads the organization's figures on."""
    out = {
        "home": page(client, reverse("home")),
        "dashboard": page(client, reverse("org_dashboard")),
        "sorted": page(client, reverse("org_dashboard"), sort="drop", htmx=True),
        "csv": page(client, reverse("org_dashboard_csv")),
    }
    for name, unit in units.items():
        response = client.get(reverse("org_dashboard_children", args=[unit.pk]), HTTP_HX_REQUEST="true")
        out[f"children of {name}"] = TOKENS.sub(r'\1"', response.content.decode()) + str(response.status_code)
        response = client.get(reverse("team_dashboard", args=[unit.pk]))
        out[f"team view of {name}"] = TOKENS.sub(r'\1"', response.content.decode()) + str(
            response.status_code
        )
    return out


def assert_cached_equals_fresh(login, world) -> None:
    """Every viewer's pages, from the kept figures, are the pages computed afresh."""
    units, viewers = world
    for who, user in viewers.items():
        client = login(user)
        figures_forget()
        fresh = pages_of(client, units)
        assert figures_kept(user.organization_id)  # kept by the first page
        cached = pages_of(client, units)
        assert cached == fresh, who


def shows_row(html: str, unit) -> bool:
    return f'id="dash-row-{unit.pk}"' in html


def test_a_second_page_reads_the_kept_figures(login, world):
    units, viewers = world
    client = login(viewers["executive"])
    page(client, reverse("org_dashboard"))
    with CaptureQueriesContext(connection) as queries:
        html = page(client, reverse("org_dashboard"))
    assert "<strong>44</strong>" in html  # Product: (7×50 + 6×45 + 2×20) / 15
    assert not [q for q in queries.captured_queries if "insights_cohort" in q["sql"]]
    assert org_figures(units["product"].organization) == org_figures(
        units["product"].organization, cached=False
    )


def test_every_viewer_sees_from_the_kept_figures_exactly_what_is_computed_afresh(login, world):
    assert_cached_equals_fresh(login, world)


def test_a_leader_never_sees_another_subtree_through_the_kept_figures(login, world):
    units, viewers = world
    page(login(viewers["executive"]), reverse("org_dashboard"))  # the whole organization, kept
    client = login(viewers["sales leader"])
    html = page(client, reverse("org_dashboard"))
    assert shows_row(html, units["sales"]) and shows_row(html, units["deals"])
    assert not any(shows_row(html, units[name]) for name in ("product", "payments", "payouts", "risk"))
    assert "Product" not in html and "<strong>44</strong>" not in html
    for name in ("product", "payments"):
        response = client.get(
            reverse("org_dashboard_children", args=[units[name].pk]), HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 404
    csv = page(client, reverse("org_dashboard_csv"))
    assert "Deals" in csv and "Payments" not in csv and "Product" not in csv
    narrowed = page(client, reverse("org_dashboard"), within=str(units["product"].pk))
    assert not any(shows_row(narrowed, units[name]) for name in ("product", "payments", "payouts", "risk"))


def test_a_new_round_is_shown_at_once(login, world):
    units, viewers = world
    client = login(viewers["executive"])
    before = page(client, reverse("org_dashboard"))
    assert "<strong>44</strong>" in before
    for name, n, alignment in (("payments", 7, 80), ("payouts", 6, 80), ("risk", 2, 80)):
        closed_round_with_summary(units[name], closes_at=T3, respondents=n, alignment=alignment)
    assert "<strong>80</strong>" in page(client, reverse("org_dashboard"))
    assert_cached_equals_fresh(login, world)


def test_a_recomputed_summary_of_a_decided_round_is_shown_at_once(login, world):
    """A summary already in an organization round recomputed (a late score, a person erased):
    here Payments' latest round has lost most of its invitations."""
    units, viewers = world
    client = login(viewers["executive"])
    assert "71%" in page(client, reverse("org_dashboard"))  # Product: 15 answered of 21 invited
    latest = PulseRound.objects.filter(unit=units["payments"]).order_by("-closes_at").first()
    old_key = figures_version(units["product"].organization_id)
    PulseRound.objects.filter(pk=latest.pk).update(invited_count=3)
    summary = round_summarize(round_id=latest.pk)  # what the stale summary's task runs
    assert summary.cohort_id is not None and summary.invited == 3
    assert figures_version(units["product"].organization_id) != old_key
    assert org_figures(units["product"].organization) == org_figures(
        units["product"].organization, cached=False
    )
    assert "71%" not in page(client, reverse("org_dashboard"))
    assert_cached_equals_fresh(login, world)


def test_a_moved_unit_leaves_its_old_leaders_view_at_once(login, world):
    units, viewers = world
    product_leader = login(viewers["product leader"])
    assert shows_row(
        page(product_leader, reverse("org_dashboard_children", args=[units["product"].pk]), htmx=True),
        units["payouts"],
    )
    page(login(viewers["sales leader"]), reverse("org_dashboard"))
    units["payouts"].parent = units["sales"]
    units["payouts"].save()

    product_leader = login(viewers["product leader"])
    children = page(product_leader, reverse("org_dashboard_children", args=[units["product"].pk]), htmx=True)
    assert not shows_row(children, units["payouts"])
    response = product_leader.get(reverse("org_dashboard_children", args=[units["payouts"].pk]))
    assert response.status_code == 404
    assert "Payouts" not in page(product_leader, reverse("org_dashboard_csv"))
    sales_leader = login(viewers["sales leader"])
    children = page(sales_leader, reverse("org_dashboard_children", args=[units["sales"].pk]), htmx=True)
    assert shows_row(children, units["payouts"])
    assert_cached_equals_fresh(login, world)


def test_a_renamed_or_new_unit_is_seen_at_once(login, world):
    units, viewers = world
    client = login(viewers["executive"])
    assert "Renewals" in page(client, reverse("org_dashboard_csv"))
    units["renewals"].name = "Retention"
    units["renewals"].save()
    csv = page(client, reverse("org_dashboard_csv"))
    assert "Retention" in csv and "Renewals" not in csv
    Unit.objects.create(organization=units["sales"].organization, parent=units["sales"], name="Upsell")
    assert "Upsell" in page(client, reverse("org_dashboard_csv"))


def test_a_threshold_change_is_seen_at_once(login, world):
    units, viewers = world
    client = login(viewers["executive"])
    children = page(client, reverse("org_dashboard_children", args=[units["product"].pk]), htmx=True)
    assert "<strong>50</strong>" in children  # Payments, 7 answers, over the threshold of 5
    organization = units["product"].organization
    organization.min_group_size = 8
    organization.min_verbatim_size = max(organization.min_verbatim_size, 8)
    organization.save()
    children = page(client, reverse("org_dashboard_children", args=[units["product"].pk]), htmx=True)
    assert "<strong>50</strong>" not in children
    assert_cached_equals_fresh(login, world)


def test_a_membership_change_is_seen_at_once(login, world):
    units, viewers = world
    newcomer = UserFactory(organization=units["product"].organization)
    client = login(newcomer)
    assert client.get(reverse("org_dashboard")).status_code == 403
    key = figures_version(newcomer.organization_id)
    membership = MembershipFactory(unit=units["deals"], user=newcomer, role=Membership.Role.LEADER)
    assert figures_version(newcomer.organization_id) != key
    client = login(newcomer)
    html = page(client, reverse("org_dashboard"))
    assert shows_row(html, units["deals"]) and not shows_row(html, units["renewals"])
    key = figures_version(newcomer.organization_id)
    membership.delete()
    assert figures_version(newcomer.organization_id) != key
    client = login(newcomer)
    assert client.get(reverse("org_dashboard")).status_code == 403
    assert_cached_equals_fresh(login, world)


def test_units_and_people_the_import_writes_in_bulk_are_seen_at_once(login, world, org_admin):
    units, viewers = world
    client = login(viewers["executive"])
    assert "Onboarding" not in page(client, reverse("org_dashboard_csv"))
    # An HR file holds everyone (whoever it leaves out leaves), and two newcomers in a new unit.
    lines = [
        f"{m.user.email},{m.user.name},{m.unit.name},{m.unit.parent.name if m.unit.parent else ''},{m.role}"
        for m in Membership.objects.filter(unit__organization=org_admin.organization).select_related(
            "user", "unit__parent"
        )
    ]
    lines += ["olga@acme.test,Olga,Onboarding,Sales,leader", "otto@acme.test,Otto,Onboarding,Sales,member"]
    data = ("email,name,unit,parent,role\n" + "\n".join(lines) + "\n").encode()
    job = import_upload(
        organization=org_admin.organization, file_name="people.csv", data=data, acting_user=org_admin
    )
    import_confirm(job=job, skip_errors=False, acting_user=org_admin, queue=False)
    job_run(job.pk)
    onboarding = Unit.objects.get(name="Onboarding")
    children = page(client, reverse("org_dashboard_children", args=[units["sales"].pk]), htmx=True)
    assert shows_row(children, onboarding)
    assert_cached_equals_fresh(login, world)


def test_each_units_latest_two_rounds_are_found_alike_by_index_and_by_rank(team):
    """A round whose figures were stuck joins a later organization round than one that closed
    after it: the latest two are the two highest numbers, not the latest closes."""
    organization = team.organization
    summaries = [
        closed_round_with_summary(team, closes_at=T1 + timedelta(weeks=4 * i), respondents=6, alignment=50)
        for i in range(4)
    ]
    cohorts = []
    for number, summary in enumerate([summaries[0], summaries[2], summaries[3], summaries[1]], start=1):
        cohort = Cohort.objects.create(organization=organization, number=number, basis="", shown=[], alone=[])
        RoundSummary.objects.filter(pk=summary.pk).update(cohort=cohort)
        cohorts.append(cohort)
    latest = {cohorts[2].pk, cohorts[3].pk}  # rounds 4 and 2 (the stuck one), not 4 and 3
    assert latest_two_by_index(organization) == latest_two_ranked(organization) == latest
    assert [c.number for c in cohorts_in_view(organization)] == [4, 3]


def test_cohorts_numbered_out_of_their_ids_order_are_ranked_by_number(team):
    organization = team.organization
    first, second = (
        closed_round_with_summary(team, closes_at=closes_at, respondents=6, alignment=50)
        for closes_at in (T1, T2)
    )
    for number, summary in ((2, second), (1, first), (3, None)):  # ids no longer rise with numbers
        cohort = Cohort.objects.create(organization=organization, number=number, basis="", shown=[], alone=[])
        if summary:
            RoundSummary.objects.filter(pk=summary.pk).update(cohort=cohort)
    assert [c.number for c in cohorts_in_view(organization)] == [2, 1]
    third = closed_round_with_summary(team, closes_at=T3, respondents=6, alignment=50)
    RoundSummary.objects.filter(pk=third.pk).update(
        cohort=Cohort.objects.get(organization=organization, number=3)
    )
    assert [c.number for c in cohorts_in_view(organization)] == [3, 2]
    assert latest_two_by_index(organization) != latest_two_ranked(organization)  # the index alone would err


def test_a_process_keeps_a_bounded_number_of_rows(login, world, outsider, monkeypatch):
    units, viewers = world
    monkeypatch.setattr(figures_cache, "KEPT_ROWS", len(units))  # room for one organization of these
    figures_forget()
    organization, other = units["product"].organization, outsider.organization
    org_figures(organization)
    assert figures_kept(organization.pk)
    org_figures(other)  # small, but the two together are over the bound: the older one goes
    assert figures_kept(other.pk) and not figures_kept(organization.pk)
    monkeypatch.setattr(figures_cache, "KEPT_ROWS", 1)
    org_figures(organization)  # the latest always stays, whatever its size
    assert figures_kept(organization.pk) and not figures_kept(other.pk)


def test_an_organization_with_units_and_rounds_can_be_deleted(world, org):
    # Its units' and summaries' deletes replace its version; none may be made for it while it goes.
    from insights.models import FiguresVersion
    from teams.models import Organization, User

    assert FiguresVersion.objects.filter(organization=org).exists()  # made with the organization
    PulseRound.objects.filter(unit__organization=org).delete()
    User.objects.filter(organization=org).delete()
    Organization.objects.filter(pk=org.pk).delete()

    assert not Unit.objects.filter(organization_id=org.pk).exists()
    assert not FiguresVersion.objects.filter(organization_id=org.pk).exists()
