"""A new leader's invitation, in a real browser: the admin sends it from the Invitations page, the
leader opens the emailed link, chooses a password and arrives signed in on their home page."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import expect

from teams.models import Membership, Unit, User
from tests.browser.pagecheck import page_is_sound

pytestmark = pytest.mark.browser

LINK = re.compile(r"https?://\S+/account/set-password/\S+/")


def test_an_invited_leader_sets_a_password_and_lands_signed_in_on_home(demo, new_page, log_in, screenshot):
    payments = Unit.objects.get(name="Payments")
    # As the import leaves a new leader: no password, and (in bulk) no invitation yet.
    nia = User.objects.create_user(
        "nia.new@demo.example", organization=payments.organization, name="Nia Novak"
    )
    Membership.objects.bulk_create([Membership(unit=payments, user=nia, role=Membership.Role.LEADER)])

    admin = new_page()
    log_in(admin, "admin@demo.example")
    admin.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    admin.get_by_role("navigation", name="Settings").get_by_role("link", name="Invitations").click()
    row = admin.get_by_role("row").filter(has_text="nia.new@demo.example")
    expect(row).to_contain_text("Not sent yet")
    page_is_sound(admin, "the invitations page")
    row.get_by_role("button", name="Send invitation").click()
    expect(
        admin.get_by_text("A new link to set a password is on its way to nia.new@demo.example.")
    ).to_be_visible()
    expect(admin.get_by_role("row").filter(has_text="nia.new@demo.example")).to_contain_text("works until")
    screenshot(admin, "admin-invitations")

    (message,) = [m for m in mail.outbox if m.to == ["nia.new@demo.example"]]
    assert "the leader of Payments" in message.body and "Arjun Mehta invited you" in message.body
    path = urlsplit(LINK.search(message.body).group(0)).path

    leader = new_page(phone=True)
    leader.goto(path)
    expect(leader.get_by_role("heading", name="Choose your password")).to_be_visible()
    page_is_sound(leader, "the set-password page")
    screenshot(leader, "invitation-set-password")
    # A mismatch is refused with its reason; then the real thing.
    leader.get_by_label("Password", exact=True).fill("Quiet-harbour-58")
    leader.get_by_label("The same password again").fill("Quiet-harbour-59")
    leader.get_by_role("button", name="Set my password and sign in").click()
    expect(leader.get_by_role("alert")).to_contain_text("didn’t match")
    leader.get_by_label("Password", exact=True).fill("Quiet-harbour-58")
    leader.get_by_label("The same password again").fill("Quiet-harbour-58")
    leader.get_by_role("button", name="Set my password and sign in").click()
    leader.wait_for_url("**/")
    assert urlsplit(leader.url).path == "/"
    expect(leader.get_by_text("Your password is set, and you are signed in.")).to_be_visible()
    expect(leader.locator(".signout .who")).to_contain_text("Nia")
    page_is_sound(leader, "the new leader's home page")

    # The link works once: opened again elsewhere, it says so and offers to log in.
    elsewhere = new_page()
    elsewhere.goto(path)
    expect(elsewhere.get_by_role("heading", name="This link has already been used")).to_be_visible()
    page_is_sound(elsewhere, "a used invitation link")
    elsewhere.get_by_role("link", name="Log in").click()
    log_in(elsewhere, "NIA.New@Demo.Example", "Quiet-harbour-58")  # any case of the address
    expect(elsewhere.locator(".signout .who")).to_contain_text("Nia")
