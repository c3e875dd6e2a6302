"""An organization admin connects an identity provider: makes a token in a real browser, the
provider (real HTTP requests with that token) pushes a person and a group, and the admin maps
the group to a unit; the person is then a member there."""

import json
import urllib.request

import pytest
from playwright.sync_api import expect

from teams.models import Membership, Unit, User
from tests.browser.pagecheck import page_is_sound

pytestmark = pytest.mark.browser


def push(base: str, secret: str, method: str, path: str, body: dict) -> dict:
    request = urllib.request.Request(
        f"{base}/scim/v2{path}",
        data=json.dumps(body).encode(),
        method=method,
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/scim+json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@pytest.mark.parametrize("phone", [False, True], ids=["laptop", "phone"])
def test_admin_makes_a_token_and_maps_the_pushed_group(
    demo, live_server, new_page, log_in, screenshot, phone
):
    page = new_page(phone=phone)
    log_in(page, "admin@demo.example")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Provisioning").click()
    expect(page.get_by_role("heading", name="Provisioning from your identity provider")).to_be_visible()
    page_is_sound(page, "the SCIM page, empty")

    page.get_by_label("Name of a new token").fill("Okta production")
    page.get_by_role("button", name="Make a token").click()
    expect(page.get_by_text("shown only this once")).to_be_visible()
    secret = page.locator("code.secret").inner_text()
    page_is_sound(page, "the SCIM page with a new token")

    person = push(
        live_server.url,
        secret,
        "POST",
        "/Users",
        {"userName": "Nia.New@demo.example", "name": {"givenName": "Nia", "familyName": "New"}},
    )
    push(
        live_server.url,
        secret,
        "POST",
        "/Groups",
        {"displayName": "Payments (Okta)", "members": [{"value": person["id"]}]},
    )
    payments = Unit.objects.get(name="Payments")
    nia = User.objects.get(email="nia.new@demo.example")
    assert not Membership.objects.filter(user=nia).exists()

    page.reload()
    expect(page.get_by_text(secret)).to_have_count(0)  # shown once
    row = page.get_by_role("row").filter(has_text="Payments (Okta)")
    expect(row).to_contain_text("1")
    page.get_by_label("Unit for Payments (Okta)").select_option(label="Payments")
    row.get_by_role("button", name="Save").click()
    expect(page.get_by_text("“Payments (Okta)” now stands for Payments")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Okta production")).not_to_contain_text("never")
    page_is_sound(page, "the SCIM page with a mapped group")
    screenshot(page, f"admin-scim-{'phone' if phone else 'laptop'}")
    assert Membership.objects.get(user=nia).unit == payments
