"""Single sign-on in Chromium: the login page, the company's provider (a real one, started here),
and back into Purpose Pulse signed in."""

import pytest

from teams.models import SingleSignOn, User
from tests.browser.pagecheck import page_problems
from tests.factories import PASSWORD, OrganizationFactory, UserFactory
from tests.oidc_provider.harness import PROVIDER_PASSWORD, running_provider

pytestmark = pytest.mark.browser

SECRET = "acme-client-Secret-123"


@pytest.fixture(scope="module")
def provider(tmp_path_factory, live_server):
    people = {"mia": {"email": "mia@acme.test", "email_verified": True, "name": "Mia Member"}}
    clients = [
        {
            "client_id": "acme",
            "client_secret": SECRET,
            "redirect_uris": [f"{live_server.url}/login/sso/callback/"],
            "post_logout_redirect_uris": [f"{live_server.url}/login/"],
        }
    ]
    with running_provider(tmp_path_factory.mktemp("provider"), people=people, clients=clients) as provider:
        yield provider


@pytest.fixture
def acme(provider, transactional_db):
    """Acme signs in through the provider, with passwords off; Ada is its admin."""
    acme = OrganizationFactory(name="Acme", slug="acme")
    SingleSignOn.objects.create(
        organization=acme,
        issuer=provider.issuer,
        client_id="acme",
        client_secret=SECRET,
        password_login=False,
    )
    UserFactory(organization=acme, email="mia@acme.test", name="Mia Member")
    UserFactory(organization=acme, email="ada@acme.test", name="Ada Admin", org_role=User.OrgRole.ADMIN)
    return acme


def test_a_person_signs_in_with_their_company_account(acme, provider, new_page, live_server, screenshot):
    page = new_page()
    page.goto("/login/")
    screenshot(page, "sso-login")
    page.get_by_label("Email").fill("Mia@Acme.test")
    page.get_by_role("button", name="Log in").click()
    # Passwords are off for Acme: the page says so and offers only the company account.
    assert page.get_by_role("alert").inner_text().startswith("Acme signs in with its company account")
    assert page.get_by_label("Password").count() == 0
    screenshot(page, "sso-login-company-account-only")
    page.get_by_role("button", name="Sign in with your company account").click()
    page.wait_for_url(f"{provider.base}/login/**")
    page.get_by_label("Username").fill("mia")
    page.get_by_label("Password").fill(PROVIDER_PASSWORD)
    page.get_by_role("button", name="Sign in to the provider").click()
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.locator(".who").inner_text() == "Mia · Acme"

    # Logging out here logs out at the provider too, and comes back to the login page.
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{live_server.url}/login/")
    page.goto("/")
    page.wait_for_url(f"{live_server.url}/login/**")
    page.get_by_label("Email").fill("mia@acme.test")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Sign in with your company account").click()
    page.wait_for_url(f"{provider.base}/login/**")  # the provider asks for the password again


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "laptop"])
def test_the_pages_of_single_sign_on_fit_read_and_pass_axe(acme, new_page, phone, screenshot):
    page = new_page(phone=phone)
    page.goto("/login/")
    problems = page_problems(page, "the login page")
    page.get_by_label("Email").fill("mia@acme.test")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("alert").wait_for()
    problems += page_problems(page, "the login page saying to use the company account")
    # The organization's admin keeps a password (the way back in if the provider fails).
    page.get_by_role("link", name="Sign in with another address").click()
    page.get_by_label("Email").fill("ada@acme.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/")
    page.goto("/org/sso/")
    assert page.get_by_label("Issuer URL").input_value().endswith("/o")
    assert page.get_by_label("Client secret").input_value() == ""  # never shown back
    problems += page_problems(page, "/org/sso/")
    screenshot(page, f"sso-settings{'-phone' if phone else ''}")
    assert not problems, "\n".join(problems)
