"""An organization admin changes a privacy threshold and moves a person, in a real browser; and
every settings page fits a phone and a laptop and passes axe."""

import re

import pytest
from playwright.sync_api import expect

from teams.models import AuditEvent, Membership, Organization, SsoIdentity, Unit, User
from tests.browser.pagecheck import page_is_sound, page_problems

pytestmark = pytest.mark.browser

ADMIN = "admin@demo.example"


def test_admin_changes_a_threshold_and_moves_a_person(demo, new_page, log_in, screenshot):
    page = new_page()
    log_in(page, ADMIN)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Organization settings")).to_be_visible()
    expect(page.get_by_text("What the thresholds protect")).to_be_visible()
    page_is_sound(page, "the organization settings")

    # A quoting threshold below the group threshold is refused next to its field, as typed.
    page.get_by_label("Smallest group shown").fill("6")
    page.get_by_label("Smallest group whose answers are quoted").fill("4")
    page.get_by_role("button", name="Save settings").click()
    quoted = page.get_by_label("Smallest group whose answers are quoted")
    expect(quoted).to_have_attribute("aria-invalid", "true")
    expect(quoted).to_have_accessible_description(re.compile("at least as many people"))
    expect(page.get_by_label("Smallest group shown")).to_have_value("6")
    page_is_sound(page, "the refused settings")
    assert Organization.objects.get(slug="brightwell").min_group_size == 5

    quoted.fill("6")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    organization = Organization.objects.get(slug="brightwell")
    assert (organization.min_group_size, organization.min_verbatim_size) == (6, 6)
    row = AuditEvent.objects.get(action="organization.change")
    assert row.actor.email == ADMIN and row.details["before"]["min_group_size"] == 5
    screenshot(page, "admin-settings-organization")

    # People: found by typing (htmx swaps the results), opened, moved to Payouts.
    page.locator("nav.settings-tabs").get_by_role("link", name="People").click()
    page.get_by_label("Name or email").fill("max kel")
    results = page.locator("#people-results")
    expect(results.get_by_role("row")).to_have_count(2)  # the header and Max
    assert re.search(r"q=max(\+|%20)kel", page.url)  # the search is in the address, for the back button
    results.get_by_role("link", name="Max Keller", exact=True).click()
    expect(page.get_by_role("heading", name="Max Keller")).to_be_visible()
    unit = page.get_by_label("Unit", exact=True)
    expect(unit).to_have_value(re.compile(r"/ Payments$"))  # its path
    # Typing offers the units whose name holds the text (htmx fills the field's datalist).
    unit.fill("Payo")
    expect(page.locator("#unit-options option")).to_have_count(1)
    expect(page.locator("#unit-options option")).to_have_attribute("value", re.compile(r"/ Payouts$"))
    unit.fill("Payouts")
    page.get_by_role("button", name="Move or change role").click()
    expect(page.get_by_text("Max Keller moved.")).to_be_visible()
    expect(
        page.get_by_role("main").get_by_role("listitem").filter(has_text="Member of Payouts")
    ).to_be_visible()
    page_is_sound(page, "the person page")
    screenshot(page, "admin-settings-person")
    max_keller = User.objects.get(email="member@demo.example")
    assert set(Membership.objects.filter(user=max_keller).values_list("unit__name", flat=True)) == {"Payouts"}
    assert AuditEvent.objects.get(action="person.move").details["before"]["places"][0]["unit"] == "Payments"


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "laptop"])
def test_every_settings_page_fits_reads_and_passes_axe(demo, new_page, log_in, phone):
    payments = Unit.objects.get(name="Payments")
    person = User.objects.get(email="member@demo.example")
    # Linked to a company account, with an issuer as long as Entra ID's: it must wrap on a phone.
    SsoIdentity.objects.create(
        user=person,
        issuer="https://login.microsoftonline.com/0f3c9b2e-5d41-4c8a-9f7e-3b2a1c0d9e8f/v2.0",
        subject="x",
    )
    page = new_page(phone=phone)
    log_in(page, ADMIN)
    problems = []
    for path in (
        "/org/settings/",
        "/org/settings/units/",
        f"/org/settings/units/{payments.pk}/",
        f"/org/settings/units/{payments.parent_id}/",
        "/org/settings/people/",
        "/org/settings/people/?unit=Payments&status=active",
        "/org/settings/people/add/",
        f"/org/settings/people/{person.pk}/",
        "/org/settings/schedule/",
    ):
        page.goto(path)
        problems += page_problems(page, f"admin {path}")
        if path.startswith("/org/settings/people/") and path.endswith(f"/{person.pk}/"):
            expect(page.get_by_role("button", name="Unlink the company account")).to_be_visible()
    assert not problems, "\n".join(problems)
