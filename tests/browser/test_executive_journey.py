"""An executive reads the organization, as JOURNEYS.md tells it, in a real browser."""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_executive_reads_the_org_drills_down_opens_a_team_and_exports(
    demo_with_history, new_page, log_in, screenshot
):
    page = new_page()
    log_in(page, "exec@demo.example")

    # Home: the organization at a glance.
    glance = page.locator("section", has=page.get_by_role("heading", name="Brightwell at a glance"))
    expect(glance).to_contain_text("Alignment")
    expect(glance).to_contain_text("Response rate")
    expect(glance).to_contain_text("Lowest alignment")
    screenshot(page, "executive-home")

    # The org dashboard: the hierarchy as a heatmap.
    glance.get_by_role("link", name="Open the alignment dashboard").click()
    expect(page.get_by_role("heading", name="Alignment across Brightwell")).to_be_visible()
    table = page.locator("table.heatmap")
    expect(table.get_by_role("link", name="Product & Engineering", exact=True)).to_be_visible()
    expect(table.get_by_role("link", name="Money Movement", exact=True)).to_have_count(0)

    # Drill into a division: its departments expand in place, without a page load.
    url_before = page.url
    page.get_by_label("Show the units in Product & Engineering").click()
    expect(table.get_by_role("link", name="Money Movement", exact=True)).to_be_visible()
    assert page.url == url_before
    page.get_by_label("Show the units in Money Movement").click()
    expect(table.get_by_role("link", name="Payments", exact=True)).to_be_visible()
    screenshot(page, "executive-dashboard")

    # Sort by biggest drop: a flat list, worst first.
    page.get_by_label("View", exact=True).select_option("drop")
    expect(page).to_have_url(re.compile(r"sort=drop"))
    first_change = table.locator("tbody tr").first.locator("td[data-label=Change]")
    expect(first_change).to_contain_text("▼")
    # Teams whose answers sit between two situations name the runner-up beside the first.
    expect(table.locator(".close-call-note").first).to_contain_text("a close call: could also be")
    # A team's drop its few answers can't tell from noise says so.
    expect(table.locator(".noise-note").first).to_have_text("could be noise")

    # Open a team: the view explains the number.
    page.get_by_label("View", exact=True).select_option("")
    page.goto(page.url.split("?")[0])
    page.get_by_label("Show the units in Product & Engineering").click()
    page.get_by_label("Show the units in Money Movement").click()
    table.get_by_role("link", name="Payments", exact=True).click()
    expect(page.get_by_role("heading", name="Which ideas of the purpose the team names")).to_be_visible()
    expect(page.locator(".ideas li")).to_have_count(2)
    expect(page.get_by_role("heading", name="Alignment over time")).to_be_visible()
    expect(page.locator("svg.chart title", has_text="Alignment of Payments over time")).to_have_count(1)
    expect(page.get_by_role("heading", name="In members' own words")).to_be_visible()
    screenshot(page, "executive-team-view")

    # Export what they see as CSV.
    page.goto("/dashboard/")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("alignment-brightwell-")
    rows = list(csv.DictReader(io.StringIO(open(download.path(), encoding="utf-8").read())))
    assert {"unit", "alignment", "agreement", "response_rate_pct"} <= set(rows[0])
    assert any(r["unit"] == "Payments" for r in rows)
    assert any(r["situation_close_call"] for r in rows) and all(
        r["situation"] for r in rows if r["situation_close_call"]
    )


def test_dashboard_reads_on_a_phone(demo_with_history, new_page, log_in, screenshot):
    page = new_page(phone=True)
    log_in(page, "exec@demo.example")
    page.goto("/dashboard/")
    expect(page.get_by_role("heading", name="Alignment across Brightwell")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page scrolls sideways on a phone ({width}px)"
    screenshot(page, "executive-dashboard-phone")
    # Every team listed, close calls included: still no sideways scrolling.
    page.goto("/dashboard/?sort=lowest")
    expect(page.locator(".close-call-note").first).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the team list scrolls sideways on a phone ({width}px)"


def test_dashboard_toggles_sort_menu_and_legend_work_from_the_keyboard(demo_with_history, new_page, log_in):
    page = new_page()
    log_in(page, "exec@demo.example")
    page.goto("/dashboard/")
    table = page.locator("table.heatmap")

    # The expand toggles are buttons: Space opens a division in place.
    toggle = page.get_by_role("button", name="Show the units in Product & Engineering")
    toggle.focus()
    page.keyboard.press("Space")
    expect(table.get_by_role("link", name="Money Movement", exact=True)).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")

    # A legend explains the shades.
    legend = page.get_by_role("group", name="What the shades mean (alignment, 0–100)")
    expect(legend).to_contain_text("under 25: something else")

    # Arrowing through the view menu is one request and no history entry per key.
    history = page.evaluate("history.length")
    requests = []
    page.on("request", lambda r: requests.append(r.url) if "/dashboard/?" in r.url else None)
    view = page.get_by_label("View", exact=True)
    view.focus()
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    expect(page).to_have_url(re.compile(r"sort=\w"))
    page.wait_for_timeout(800)
    assert len(requests) == 1, requests
    assert page.evaluate("history.length") == history


def test_a_leaders_dashboard_is_titled_by_their_unit_and_keeps_the_hierarchy_on_a_phone(
    demo_with_history, new_page, log_in
):
    page = new_page(phone=True)
    log_in(page, "exec@demo.example")
    page.goto("/dashboard/")
    page.get_by_label("Show the units in Product & Engineering").click()
    division = page.locator("table.heatmap tbody th", has_text="Product & Engineering")
    department = page.locator("table.heatmap tbody th", has_text="Money Movement")
    expect(department).to_be_visible()
    indent = "el => parseFloat(getComputedStyle(el).paddingLeft)"
    assert department.evaluate(indent) > division.evaluate(indent) + 8  # the hierarchy still shows

    leader = new_page()
    log_in(leader, "lead@demo.example")
    leader.goto("/dashboard/")
    expect(leader.get_by_role("heading", level=1)).to_have_text("Alignment in Payments")
