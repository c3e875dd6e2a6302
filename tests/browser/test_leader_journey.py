"""The leader revises the team's purpose, as JOURNEYS.md tells it, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from purpose.models import PurposeStatement
from purpose.services import purpose_update
from teams.models import Unit, User

pytestmark = pytest.mark.browser

NEW_PURPOSE = (
    "We make it effortless for small businesses to accept every kind of payment, "
    "so that each sale goes through on the first try and the money is never in doubt."
)


def test_leader_edits_the_purpose_in_place_and_reads_the_history(demo, new_page, log_in, screenshot):
    page = new_page()
    log_in(page, "lead@demo.example")

    # Home shows the team they lead first, with its purpose.
    first_card = page.locator("main section.card").first
    expect(first_card).to_contain_text("Payments")
    expect(first_card).to_contain_text("You lead this team")
    page.get_by_role("link", name="Open Payments").click()

    # The editor opens in place, with the parent's purpose alongside.
    page.get_by_role("link", name="Edit purpose").click()
    expect(page.get_by_role("heading", name="Edit purpose")).to_be_visible()
    expect(page.locator("aside.context")).to_contain_text("How your team fits into Money Movement")
    assert "/purpose/edit/" not in page.url  # htmx swapped the card, no page load
    ideas = page.get_by_label("Key ideas")
    expect(ideas).to_have_value(re.compile(r"\w"))  # at least one idea, to check answers against
    page.get_by_label("Why we exist").fill(NEW_PURPOSE)
    page.get_by_role("button", name="Suggest ideas from the purpose").click()
    expect(ideas).to_have_value(re.compile("every kind of payment"))
    screenshot(page, "leader-editor")
    page.get_by_role("button", name="Save as new version").click()

    card = page.locator("#purpose-card")
    expect(card).to_contain_text("version 3")
    expect(card).to_contain_text("Saved just now")
    expect(card).to_contain_text("every kind of payment")
    expect(card).to_contain_text("Key ideas")
    assert PurposeStatement.objects.filter(unit__name="Payments").count() == 3

    # "What changed" shows the words added and removed.
    card.get_by_role("link", name="what changed").click()
    expect(page.get_by_role("heading", name="What changed in version 3")).to_be_visible()
    expect(page.locator("ins").first).to_be_visible()
    expect(page.locator(".diff").first).to_contain_text("every kind of")
    screenshot(page, "leader-diff")

    # The history lists every version with who and when.
    page.get_by_role("link", name="All versions").click()
    for number in (3, 2, 1):
        expect(page.locator(f"#v{number}")).to_contain_text("Lena Ortiz")


def test_unsaved_text_is_restored_after_leaving_the_editor(demo, new_page, log_in):
    page = new_page()
    log_in(page, "lead@demo.example")
    page.get_by_role("link", name="Edit purpose").first.click()  # the home page's link: a full page
    page.get_by_label("Why we exist").fill("Half-written thought that must not be lost")
    page.goto("/org/")  # leaves by mistake
    page.go_back()
    page.reload()
    expect(page.get_by_label("Why we exist")).to_have_value("Half-written thought that must not be lost")
    expect(page.locator("[data-draft-note]")).to_contain_text("We restored text you had not saved")


def test_saving_after_a_colleague_keeps_both_texts(demo, new_page, log_in, screenshot):
    mine, theirs = new_page(), new_page()
    log_in(mine, "lead@demo.example")
    log_in(theirs, "admin@demo.example")
    payments_edit = re.compile(r".*/units/\d+/purpose/edit/")
    mine.get_by_role("link", name="Edit purpose").first.click()
    mine.wait_for_url(payments_edit)
    theirs.goto(mine.url)

    theirs.get_by_label("Why we exist").fill("The admin's wording, saved first.")
    theirs.get_by_role("button", name="Save as new version").click()
    # New wording, ideas untouched: they are suggested again for the new wording, and confirmed.
    expect(theirs.locator("#ideas-left-behind")).to_contain_text("written for the previous wording")
    theirs.get_by_role("button", name="Save as new version").click()
    expect(theirs.locator("#purpose-card")).to_contain_text("version 3")

    mine.get_by_label("Why we exist").fill("My wording, typed on the older page.")
    mine.get_by_role("button", name="Save as new version").click()
    alert = mine.get_by_role("alert")
    expect(alert).to_contain_text("saved version 3 while you were editing")
    expect(alert).to_contain_text("The admin's wording, saved first.")
    expect(mine.get_by_label("Why we exist")).to_have_value("My wording, typed on the older page.")
    screenshot(mine, "leader-conflict")

    mine.get_by_role("button", name="Save as new version").click()
    expect(mine.locator("#purpose-card")).to_contain_text("version 4")


def test_editor_works_on_a_phone(demo, new_page, log_in, screenshot):
    page = new_page(phone=True)
    log_in(page, "lead@demo.example")
    page.get_by_role("link", name="Edit purpose").first.click()
    page.wait_for_url("**/purpose/edit/")  # the editor, loaded: not the page being left
    expect(page.get_by_label("Why we exist")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"page scrolls sideways on a phone ({width}px)"
    screenshot(page, "leader-editor-phone")


def test_leader_tries_sample_answers_against_the_wording_typed(demo, new_page, log_in):
    page = new_page()
    log_in(page, "lead@demo.example")
    page.get_by_role("link", name="Edit purpose").first.click()
    versions = PurposeStatement.objects.filter(unit__name="Payments").count()
    page.get_by_label("Why we exist").fill(NEW_PURPOSE)
    page.get_by_label("Sample answers").fill("We help small shops take every kind of card payment.\nidk")
    page.get_by_role("button", name="Read these answers").click()
    result = page.locator("#samples-result")
    expect(result).to_contain_text("No reading: too short to judge.")
    expect(result).to_contain_text("/ 100")
    expect(page.get_by_label("Why we exist")).to_have_value(NEW_PURPOSE)  # swapped in place, text kept
    assert PurposeStatement.objects.filter(unit__name="Payments").count() == versions


def test_a_restored_draft_shows_the_colleagues_newer_version_beside_it(demo, new_page, log_in):
    """The leader types, leaves; an admin saves a newer version; the leader comes back."""
    page = new_page()
    log_in(page, "lead@demo.example")
    page.get_by_role("link", name="Edit purpose").first.click()
    editor_url = page.url
    page.get_by_label("Why we exist").fill("My wording, typed before the admin saved.")
    page.goto("/org/")  # leaves, the text unsaved

    payments = Unit.objects.get(name="Payments")
    current = PurposeStatement.objects.filter(unit=payments).order_by("-version").first()
    purpose_update(
        unit=payments,
        purpose="The admin's wording, saved meanwhile.",
        fit=current.fit,
        author=User.objects.get(email="admin@demo.example"),
        base_version=current.version,
        key_ideas=current.key_ideas,
    )

    page.goto(editor_url)
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(f"saved version {current.version + 1} while you were editing")
    expect(alert).to_contain_text("The admin's wording, saved meanwhile.")
    expect(page.get_by_label("Why we exist")).to_have_value("My wording, typed before the admin saved.")
    expect(page.locator("[data-draft-note]")).to_contain_text("We restored text you had not saved")
    assert PurposeStatement.objects.filter(unit=payments).count() == current.version + 1  # nothing saved

    page.get_by_role("button", name="Save as new version").click()
    expect(page.locator("#purpose-card")).to_contain_text("Saved just now")
    expect(page.locator("#purpose-card")).to_contain_text(f"version {current.version + 2}")
    assert PurposeStatement.objects.get(unit=payments, version=current.version + 2).purpose == (
        "My wording, typed before the admin saved."
    )


def test_saving_with_nothing_changed_says_so_and_makes_no_version(demo, new_page, log_in):
    page = new_page()
    log_in(page, "lead@demo.example")
    page.get_by_role("link", name="Edit purpose").first.click()
    versions = PurposeStatement.objects.filter(unit__name="Payments").count()
    page.get_by_role("button", name="Save as new version").click()
    expect(page.locator("main")).to_contain_text("Nothing changed, so no new version was made")
    assert PurposeStatement.objects.filter(unit__name="Payments").count() == versions
