"""An organization admin imports the sample file, as the README tells it, in a real browser."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from teams.models import Unit, User
from tests.browser.pagecheck import page_is_sound

pytestmark = [pytest.mark.browser, pytest.mark.worker]

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "samples" / "people.csv"


def test_admin_uploads_sees_the_error_fixes_it_and_applies_with_progress(
    demo, celery_worker, new_page, log_in, tmp_path, screenshot
):
    page = new_page()
    log_in(page, "admin@demo.example")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Import people").click()
    expect(page.get_by_role("heading", name="Import people and units")).to_be_visible()

    # The sample as shipped: one row names a parent unit that doesn't exist.
    page.get_by_label("People file (CSV or XLSX)").set_input_files(SAMPLE)
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", name="1 problem in 1 row")).to_be_visible()
    error = page.locator("tr.import-error")
    expect(error).to_contain_text("330")
    expect(error).to_contain_text("Unknown parent unit “Lendng”")
    expect(page.get_by_text("Columns ignored: “employee_id” (column F).")).to_be_visible()
    page_is_sound(page, "the import preview")
    screenshot(page, "admin-import-preview")
    assert not Unit.objects.filter(name="Lending").exists()  # nothing written yet

    # Fixed and uploaded again from the preview page: nothing left to fix.
    fixed = tmp_path / "people.csv"
    fixed.write_text(SAMPLE.read_text().replace(",Lendng,", ",Lending,"))
    page.get_by_label("Upload the corrected file").set_input_files(fixed)
    page.get_by_role("button", name="Upload and preview again").click()
    expect(page.get_by_role("heading", name=re.compile("problem"))).to_have_count(0)
    page.get_by_text(re.compile(r"^147 new people")).click()
    expect(page.get_by_text("amara.abbott.l0@demo.example", exact=False)).to_be_visible()

    # Applying: a progress bar that the page follows until it is done.
    page.get_by_role("button", name="Apply these changes").click()
    expect(page.locator("#import-bar")).to_be_visible()
    expect(page.get_by_text("Imported.")).to_be_visible(timeout=30_000)
    expect(page.locator("#import-bar")).to_have_attribute("value", "100")
    page_is_sound(page, "the finished import")
    screenshot(page, "admin-import-done")

    # The org chart shows the new division and its teams.
    page.get_by_role("link", name="See the org chart").click()
    page.get_by_label(re.compile(r"Show the \d+ units in Brightwell")).click()
    expect(page.get_by_role("link", name="Lending", exact=True)).to_be_visible()
    page.get_by_label(re.compile(r"Show the \d+ units in Lending")).click()
    expect(page.get_by_role("link", name="Lending Strategy", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Credit Decisions", exact=True)).to_be_visible()
    assert User.objects.get(email="tomas.brandt.l200@demo.example").is_active
