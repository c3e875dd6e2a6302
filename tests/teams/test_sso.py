"""Single sign-on against a real OpenID Connect provider started here (tests/oidc_provider): the whole
round trip with real HTTP, the login page's email first, the provider's login and consent, the
code exchange with PKCE, and the ID token verified against the provider's keys. Then who may sign
in: a verified email of an active account of that organization, and nobody else."""

import html
import time
from unittest.mock import ANY
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth import authenticate
from django.test import Client, RequestFactory
from django.urls import reverse

from teams.models import AuditEvent, SingleSignOn, SsoIdentity, User
from teams.person import person_export
from tests.factories import OrganizationFactory, UserFactory
from tests.oidc_provider.harness import running_provider, through_provider
from tests.teams.test_invitations import wait_for_mail

pytestmark = pytest.mark.django_db

CALLBACK = "http://testserver/login/sso/callback/"
SECRET = "acme-client-Secret-123"
PEOPLE = {
    "mia": {"email": "Mia@Acme.test", "email_verified": True, "name": "Mia Member"},
    "una": {"email": "una@acme.test", "email_verified": False},
    "olga": {"email": "olga@other.test", "email_verified": True},
    "ian": {"email": "ian@acme.test", "email_verified": True},
    "ada": {"email": "ada@acme.test", "email_verified": True},
    "stranger": {"email": "stranger@acme.test", "email_verified": True},
    "eve": {"email": "eve@acme.test"},  # as Entra ID sends it: no email_verified at all
    # Another account at the provider with Mia's verified address (a new account of hers, or her
    # address given to someone else there):
    "mia-again": {"email": "mia@acme.test", "email_verified": True},
    # Mia's claims in ID tokens a misconfigured or hostile provider would sign:
    "mia-other-issuer": {
        "email": "mia@acme.test",
        "email_verified": True,
        "token": {"iss": "http://127.0.0.1:1/o"},
    },
    "mia-other-audience": {"email": "mia@acme.test", "email_verified": True, "token": {"aud": "other"}},
    "mia-expired": {"email": "mia@acme.test", "email_verified": True, "token": {"exp": 1_000_000_000}},
}


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    clients = [
        {
            "client_id": "acme",
            "client_secret": SECRET,
            "redirect_uris": [CALLBACK],
            "post_logout_redirect_uris": ["http://testserver/login/"],
        },
        {"client_id": "other", "client_secret": "other-Secret-456", "redirect_uris": [CALLBACK]},
    ]
    with running_provider(tmp_path_factory.mktemp("provider"), people=PEOPLE, clients=clients) as provider:
        yield provider


@pytest.fixture
def sso(org, provider):
    return SingleSignOn.objects.create(
        organization=org, issuer=provider.issuer, client_id="acme", client_secret=SECRET
    )


@pytest.fixture
def people(org):
    other = OrganizationFactory(name="Other Co", slug="other-co")
    return {
        "mia": UserFactory(organization=org, email="mia@acme.test", name="Mia Member"),
        "una": UserFactory(organization=org, email="una@acme.test"),
        "olga": UserFactory(organization=other, email="olga@other.test"),
        "ian": UserFactory(organization=org, email="ian@acme.test", is_active=False),
        "ada": UserFactory(organization=org, email="ada@acme.test", org_role=User.OrgRole.ADMIN),
        "eve": UserFactory(organization=org, email="eve@acme.test"),
    }


def start(client, email: str, **extra):
    return client.post(reverse("sso_start"), {"username": email, **extra})


def provider_url(leaving) -> str:
    """Where the page after "Sign in with your company account" takes the browser: its link, and
    its Refresh header (not a redirect: the login form's policy, form-action 'self', would block it)."""
    assert leaving.status_code == 200, leaving.content.decode()[:1000]
    url = leaving["Refresh"].removeprefix("0;url=")
    assert f'href="{html.escape(url)}"' in leaving.content.decode()
    return url


def sign_in(client, email: str, username: str, *, next_url: str = "", allow: bool = True):
    """Email first on our login page, then the provider, then back: our callback's response."""
    leaving = start(client, email, next=next_url)
    back = urlsplit(through_provider(provider_url(leaving), username, allow=allow))
    assert f"{back.scheme}://{back.netloc}{back.path}" == CALLBACK
    return client.get(back.path, {k: v[0] for k, v in parse_qs(back.query).items()})


def signed_in_as(client) -> int | None:
    user_id = client.session.get("_auth_user_id")
    return int(user_id) if user_id else None


def refusal(page) -> str:
    return page.context["sso_problem"]


# --- Signing in --------------------------------------------------------------------------------


def test_a_verified_email_of_the_organization_signs_in(client, sso, people):
    page = sign_in(client, "MIA@acme.test", "mia")
    assert page.status_code == 302 and page.url == reverse("home")
    assert signed_in_as(client) == people["mia"].pk
    assert client.get(reverse("home")).status_code == 200
    event = AuditEvent.objects.filter(action="login", actor=people["mia"]).get()
    assert event.organization_id == sso.organization_id and event.details["via"] == "sso"


def test_the_request_to_the_provider_carries_pkce_state_and_nonce(client, sso, people):
    url = provider_url(start(client, "mia@acme.test"))
    query = parse_qs(urlsplit(url).query)
    assert url.startswith(f"{sso.issuer}/authorize/")
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0] and query["client_id"] == ["acme"]
    assert query["login_hint"] == ["mia@acme.test"] and "email" in query["scope"][0].split()


def test_after_signing_in_the_person_lands_where_they_were_going(client, sso, people, team):
    target = reverse("org_chart")
    page = sign_in(client, "mia@acme.test", "mia", next_url=target)
    assert page.status_code == 302 and page.url == target


@pytest.mark.parametrize("next_url", ["https://evil.example/steal", "org_chart", "//evil.example/"])
def test_a_next_address_not_on_this_site_is_ignored(client, sso, people, next_url):
    page = sign_in(client, "mia@acme.test", "mia", next_url=next_url)
    assert page.status_code == 302 and page.url == reverse("home")


def test_an_address_whose_person_has_no_account_yet_finds_its_provider_by_domain(client, sso, people):
    sso.email_domains = "acme.test"
    sso.save()
    page = sign_in(client, "stranger@acme.test", "stranger")
    assert page.status_code == 403 and signed_in_as(client) is None
    assert "There is no account for stranger@acme.test in Acme" in refusal(page)
    assert not User.objects.filter(email="stranger@acme.test").exists()  # nobody is created


# --- Refused -------------------------------------------------------------------------------------


def test_an_unverified_email_is_refused(client, sso, people):
    page = sign_in(client, "una@acme.test", "una")
    assert page.status_code == 403 and signed_in_as(client) is None
    assert "hasn't verified the address una@acme.test" in refusal(page)
    event = AuditEvent.objects.get(action="login.failed")
    assert event.organization_id == sso.organization_id
    assert event.details | {"ip": None} == {
        "ip": None,
        "via": "sso",
        "reason": "email not verified",
        "account": "una@acme.test",
    }


def test_an_address_without_a_verification_claim_needs_the_organization_to_trust_its_provider(
    client, sso, people
):
    page = sign_in(client, "eve@acme.test", "eve")
    assert page.status_code == 403 and signed_in_as(client) is None
    assert "hasn't verified the address eve@acme.test" in refusal(page)

    sso.emails_vouched = True  # Entra ID: it sends only addresses it manages, and no such claim
    sso.save()
    page = sign_in(client, "eve@acme.test", "eve")
    assert page.status_code == 302 and signed_in_as(client) == people["eve"].pk
    client.logout()
    # An address the provider marks unverified is refused all the same.
    page = sign_in(client, "una@acme.test", "una")
    assert page.status_code == 403 and signed_in_as(client) is None


def test_the_same_email_in_another_organization_is_refused(client, sso, people):
    """Acme's provider vouches for olga@other.test, whose account is in Other Co: no sign-in."""
    people["mia"].email = "mia-old@acme.test"  # so that start() finds Acme by another account
    people["mia"].save()
    sso.email_domains = ""
    sso.save()
    leaving = start(client, "mia-old@acme.test")
    back = urlsplit(through_provider(provider_url(leaving), "olga"))
    page = client.get(back.path, {k: v[0] for k, v in parse_qs(back.query).items()})
    assert page.status_code == 403 and signed_in_as(client) is None
    assert "There is no account for olga@other.test in Acme" in refusal(page)
    event = AuditEvent.objects.get(action="login.failed")
    assert event.organization_id == sso.organization_id and "account" not in event.details


def test_an_email_outside_the_allowed_domains_is_refused(client, sso, people):
    sso.email_domains = "acme.example"
    sso.save()
    page = sign_in(client, "mia@acme.test", "mia")
    assert page.status_code == 403 and signed_in_as(client) is None
    assert "not an address Acme signs in with here (acme.example)" in refusal(page)


def test_an_inactive_account_is_refused(client, sso, people):
    page = sign_in(client, "ian@acme.test", "ian")
    assert page.status_code == 403 and signed_in_as(client) is None
    assert "switched off" in refusal(page)


def test_signing_out_here_signs_out_of_the_provider_too(client, sso, people, provider):
    at_provider = requests.Session()  # the browser's cookies at the provider
    leaving = start(client, "mia@acme.test")
    back = urlsplit(through_provider(provider_url(leaving), "mia", browser=at_provider))
    client.get(back.path, {k: v[0] for k, v in parse_qs(back.query).items()})
    assert signed_in_as(client) == people["mia"].pk

    out = client.post(reverse("logout"))
    assert signed_in_as(client) is None
    assert "You are logged out of Purpose Pulse" in out.content.decode()
    to_provider = provider_url(out)
    assert to_provider.startswith(provider.issuer) and "id_token_hint=" in to_provider
    ended = at_provider.get(to_provider, allow_redirects=False, timeout=30)
    assert ended.status_code == 302 and ended.headers["Location"] == "http://testserver/login/"
    # Signed out there too: signing in again asks for the password at the provider.
    again = at_provider.get(provider_url(start(client, "mia@acme.test")), timeout=30)
    assert "/login/" in urlsplit(again.url).path


def test_signing_out_when_the_provider_cant_be_reached_signs_out_here(client, sso, people):
    assert sign_in(client, "mia@acme.test", "mia").status_code == 302
    SingleSignOn.objects.filter(pk=sso.pk).update(issuer="http://127.0.0.1:1/o")
    out = client.post(reverse("logout"))
    assert out.status_code == 302 and out.url == reverse("login") and signed_in_as(client) is None


def test_signing_out_after_a_password_sign_in_is_as_before(client, people, password):
    people["ada"].set_password(password)
    people["ada"].save()
    client.force_login(people["ada"])
    out = client.post(reverse("logout"))
    assert out.status_code == 302 and out.url == reverse("login") and signed_in_as(client) is None


def test_the_first_sign_in_links_the_provider_account_which_then_signs_in_whatever_its_email(
    client, sso, people, provider
):
    assert sign_in(client, "mia@acme.test", "mia").status_code == 302
    link = SsoIdentity.objects.get(user=people["mia"])
    assert link.issuer == provider.issuer and link.subject
    exported = person_export(user=people["mia"], acting_user=None)["company_accounts"]
    assert exported == [{"provider": provider.issuer, "account": link.subject, "linked": ANY}]
    client.logout()
    # Her address here changes (an admin, SCIM); the provider still sends the old one: the
    # linked account still signs her in, and nobody else's.
    User.objects.filter(pk=people["mia"].pk).update(email="mia.jones@acme.test")
    assert sign_in(client, "mia.jones@acme.test", "mia").status_code == 302
    assert signed_in_as(client) == people["mia"].pk
    assert SsoIdentity.objects.count() == 1


def test_another_provider_account_with_the_same_email_is_refused_until_an_admin_unlinks(
    client, sso, people, provider
):
    mia = people["mia"]
    assert sign_in(client, "mia@acme.test", "mia").status_code == 302
    client.logout()

    page = sign_in(client, "mia@acme.test", "mia-again")
    assert page.status_code == 403 and signed_in_as(client) is None
    assert "linked to another account at Acme's sign-in service" in html.unescape(refusal(page))
    event = AuditEvent.objects.get(action="login.failed")
    assert event.details["reason"] == "linked to another provider account"
    assert event.details["account"] == "mia@acme.test"

    # Her admin sees the link on her page and unlinks it.
    admin = Client()
    admin.force_login(people["ada"])
    person_page = admin.get(reverse("settings_person", args=[mia.pk])).content.decode()
    assert "Company sign-in" in person_page and provider.issuer in person_page
    unlinked = admin.post(reverse("settings_person_sso_unlink", args=[mia.pk]), follow=True)
    assert "company account is unlinked" in unlinked.content.decode()
    assert "Company sign-in" not in unlinked.content.decode()
    unlink = AuditEvent.objects.get(action="person.sso_unlink")
    assert unlink.actor == people["ada"] and unlink.details["before"] == {"linked": [provider.issuer]}

    # Now the new account signs her in and is linked; the old one is the refused one.
    assert sign_in(client, "mia@acme.test", "mia-again").status_code == 302
    assert signed_in_as(client) == mia.pk
    client.logout()
    assert sign_in(client, "mia@acme.test", "mia").status_code == 403


@pytest.mark.parametrize("username", ["mia-other-issuer", "mia-other-audience", "mia-expired"])
def test_an_id_token_from_another_issuer_for_another_client_or_expired_is_refused(
    client, sso, people, username
):
    """Signed by the provider's real key, but not for this sign-in: refused, and said so."""
    page = sign_in(client, "mia@acme.test", username)
    assert page.status_code == 403 and signed_in_as(client) is None
    assert "couldn't verify the answer of Acme's sign-in service" in html.unescape(refusal(page))
    event = AuditEvent.objects.get(action="login.failed")
    assert event.details["reason"].startswith("unverified answer")


def test_a_refusal_at_the_provider_signs_nobody_in(client, sso, people):
    page = sign_in(client, "mia@acme.test", "mia", allow=False)
    assert page.status_code == 403 and signed_in_as(client) is None
    assert "Acme's sign-in service didn't sign you in" in refusal(page)


def test_a_state_this_browser_did_not_start_is_refused(client, sso, people):
    leaving = start(client, "mia@acme.test")
    back = urlsplit(through_provider(provider_url(leaving), "mia"))
    answer = {k: v[0] for k, v in parse_qs(back.query).items()}
    forged = client.get(back.path, answer | {"state": "made-up"})
    assert forged.status_code == 400 and signed_in_as(client) is None
    assert "expired or was started in another browser" in refusal(forged)
    # The same answer in another browser (another session) is refused too.
    other_browser = Client()
    assert other_browser.get(back.path, answer).status_code == 400
    # And the genuine one, used once, works once.
    assert client.get(back.path, answer).status_code == 302 and signed_in_as(client) == people["mia"].pk
    client.logout()
    assert client.get(back.path, answer).status_code == 400


def test_a_wrong_client_secret_signs_nobody_in(client, sso, people):
    sso.client_secret = "not-the-secret"
    sso.save()
    page = sign_in(client, "mia@acme.test", "mia")
    assert page.status_code == 403 and signed_in_as(client) is None
    assert "Acme's sign-in service didn't sign you in" in refusal(page)
    assert "not-the-secret" not in page.content.decode()


def test_the_providers_settings_and_keys_are_read_once_for_many_sign_ins(sso, people, monkeypatch):
    """Discovery and the signing keys are kept (teams.sso.METADATA_SECONDS), not fetched for every
    sign-in; after that time, or when the settings are saved, they are read again."""
    import requests

    from teams import sso as sso_module

    sso_module._metadata.clear()
    fetched = []
    send = requests.Session.send

    def counting_send(session, request, **kwargs):  # a spy: every request still goes out
        fetched.append(request.url)
        return send(session, request, **kwargs)

    monkeypatch.setattr(requests.Session, "send", counting_send)
    for _ in range(3):
        client = Client()
        assert sign_in(client, "mia@acme.test", "mia").status_code == 302
        assert signed_in_as(client) == people["mia"].pk
    discovery = sso_module.discovery_url(sso.issuer)
    reads = lambda: sum(url == discovery for url in fetched)  # noqa: E731
    assert reads() == 1
    assert sum("jwks" in url for url in fetched) == 1
    assert sum("/token" in url for url in fetched) == 3  # each sign-in still redeems its own code

    monkeypatch.setattr(sso_module, "METADATA_SECONDS", 0)  # kept for no time: the start and
    assert sign_in(Client(), "mia@acme.test", "mia").status_code == 302  # the callback each read it
    assert reads() == 3
    monkeypatch.setattr(sso_module, "METADATA_SECONDS", 600)
    sso_module.provider_check(sso.issuer)  # what saving the settings does: one read, then forgotten
    assert reads() == 4
    assert sign_in(Client(), "mia@acme.test", "mia").status_code == 302
    assert sign_in(Client(), "mia@acme.test", "mia").status_code == 302
    assert reads() == 5


def test_an_address_without_single_sign_on_is_sent_back_to_the_password(client, org, people):
    page = start(client, "mia@acme.test")
    assert page.status_code == 400
    assert "No company sign-in is set up for mia@acme.test" in refusal(page)
    assert 'value="mia@acme.test"' in page.content.decode()  # what was typed stays


def test_an_unreachable_provider_is_said_plainly(client, sso, people):
    sso.issuer = "http://127.0.0.1:9/o"  # nothing listens on the discard port
    sso.save()
    page = start(client, "mia@acme.test")
    assert page.status_code == 502 and "can't be reached just now" in refusal(page)


# --- Passwords turned off ---------------------------------------------------------------------


@pytest.fixture
def passwords_off(sso):
    sso.password_login = False
    sso.save()
    return sso


def test_with_passwords_off_the_password_form_is_refused_and_hidden(client, passwords_off, people, password):
    page = client.post(reverse("login"), {"username": "mia@acme.test", "password": password})
    assert page.status_code == 200 and signed_in_as(client) is None
    body = page.content.decode()
    assert "Acme signs in with its company account" in body
    assert 'name="password"' not in body and "Sign in with your company account" in body
    # The Django admin's login, and any other, goes through the backends: refused there too.
    assert authenticate(RequestFactory().post("/"), username="mia@acme.test", password=password) is None
    # Their company account still works.
    assert sign_in(client, "mia@acme.test", "mia").status_code == 302
    assert signed_in_as(client) == people["mia"].pk


def test_with_passwords_off_admins_and_superusers_keep_their_password(
    client, passwords_off, people, password
):
    page = client.post(reverse("login"), {"username": "ada@acme.test", "password": password})
    assert page.status_code == 302 and signed_in_as(client) == people["ada"].pk
    client.logout()
    root = User.objects.create_superuser("root@acme.test", password, organization=passwords_off.organization)
    page = client.post(reverse("login"), {"username": "root@acme.test", "password": password})
    assert page.status_code == 302 and signed_in_as(client) == root.pk


def test_other_organizations_keep_their_passwords(client, passwords_off, people, password):
    page = client.post(reverse("login"), {"username": "olga@other.test", "password": password})
    assert page.status_code == 302 and signed_in_as(client) == people["olga"].pk


def test_with_passwords_off_a_password_reset_says_to_use_the_company_account(
    celery_worker, client, passwords_off, people
):
    """No reset link for someone a password would not let in: one email saying how they sign in
    (sent from the queue, like every answer to an account request). An admin still gets the link."""
    for email in ("mia@acme.test", "ada@acme.test"):
        page = client.post(reverse("password_reset"), {"email": email})
        assert page.status_code == 302 and page["Location"] == reverse("password_reset_done")
    outbox = wait_for_mail(2)
    time.sleep(0.5)  # nothing more comes
    by_address = {message.to[0]: message for message in outbox}
    assert len(outbox) == 2 and set(by_address) == {"mia@acme.test", "ada@acme.test"}
    notice = by_address["mia@acme.test"]
    assert notice.subject == "Sign in to Purpose Pulse with your company account"
    assert "no password to set or reset" in notice.body and reverse("login") in notice.body
    assert "/password-reset/" not in notice.body
    assert "/password-reset/" in by_address["ada@acme.test"].body  # Django's own reset link


# --- Setting it up: /org/sso/ -------------------------------------------------------------------


def settings_form(provider, **changes):
    return {
        "enabled": "on",
        "issuer": provider.issuer,
        "client_id": "acme",
        "client_secret": SECRET,
        "email_domains": "Acme.test, @acme.example",
        "password_login": "on",
    } | changes


def test_an_admin_sets_up_single_sign_on_and_it_works(client, org, org_admin, provider, people):
    client.force_login(org_admin)
    page = client.get(reverse("sso_settings"))
    assert page.status_code == 200 and CALLBACK in page.content.decode()
    assert "sign-out redirect URI <code>http://testserver/login/</code>" in page.content.decode()
    saved = client.post(reverse("sso_settings"), settings_form(provider))
    assert saved.status_code == 302
    sso = SingleSignOn.objects.get(organization=org)
    assert (sso.issuer, sso.client_secret, sso.email_domains) == (
        provider.issuer,
        SECRET,
        "acme.test, acme.example",
    )
    event = AuditEvent.objects.get(action="sso.add")
    assert event.actor == org_admin and SECRET not in str(event.details)
    # The secret is never shown back; left empty, it stays.
    page = client.get(reverse("sso_settings"))
    assert SECRET not in page.content.decode() and "A secret is saved." in page.content.decode()
    assert client.post(reverse("sso_settings"), settings_form(provider, client_secret="")).status_code == 302
    assert SingleSignOn.objects.get(organization=org).client_secret == SECRET
    client.logout()
    assert sign_in(client, "mia@acme.test", "mia").status_code == 302


def test_a_wrong_issuer_is_refused_with_what_was_typed_kept(client, org, org_admin, provider):
    client.force_login(org_admin)
    page = client.post(reverse("sso_settings"), settings_form(provider, issuer=provider.base + "/wrong"))
    assert page.status_code == 400 and not SingleSignOn.objects.exists()
    assert "Couldn't read the provider's settings" in html.unescape(page.content.decode())
    assert 'value="acme.test, @acme.example"' not in page.content.decode()  # shown as typed:
    assert 'value="Acme.test, @acme.example"' in page.content.decode()
    assert SECRET not in page.content.decode()


def test_a_plain_http_issuer_is_refused_in_production(client, org, org_admin, provider, settings):
    settings.SSO_ALLOW_HTTP_ISSUER = False
    client.force_login(org_admin)
    page = client.post(reverse("sso_settings"), settings_form(provider))
    assert page.status_code == 400 and not SingleSignOn.objects.exists()
    assert "must start with https://" in page.content.decode()


def test_passwords_cannot_be_turned_off_without_single_sign_on(client, org, org_admin, provider):
    client.force_login(org_admin)
    data = settings_form(provider)
    del data["enabled"], data["password_login"]
    page = client.post(reverse("sso_settings"), data)
    assert (
        page.status_code == 400 and "only be turned off while single sign-on is on" in page.content.decode()
    )


def test_only_the_organizations_admins_set_it_up(client, member, executive):
    for person in (member, executive):
        client.force_login(person)
        assert client.get(reverse("sso_settings")).status_code == 403


def test_operators_set_it_up_in_the_django_admin_without_seeing_the_secret(client, org, provider, password):
    root = User.objects.create_superuser("root@example.com", password)
    client.force_login(root)
    data = settings_form(provider, organization=org.pk)
    added = client.post(reverse("admin:teams_singlesignon_add"), data)
    assert added.status_code == 302, html.unescape(added.content.decode())[:3000]
    sso = SingleSignOn.objects.get(organization=org)
    assert sso.client_secret == SECRET
    page = client.get(reverse("admin:teams_singlesignon_change", args=[sso.pk]))
    assert page.status_code == 200 and SECRET not in page.content.decode()
    event = AuditEvent.objects.get(action="sso.add")
    assert event.actor == root and event.organization == org and SECRET not in str(event.details)


def test_operators_see_and_remove_a_link_in_the_django_admin(client, sso, people, provider, password):
    assert sign_in(client, "mia@acme.test", "mia").status_code == 302
    link = SsoIdentity.objects.get(user=people["mia"])
    root = User.objects.create_superuser("root@example.com", password)
    operator = Client()
    operator.force_login(root)
    listing = operator.get(reverse("admin:teams_ssoidentity_changelist"), {"q": "mia@"}).content.decode()
    assert str(people["mia"]) in listing and provider.issuer in listing
    assert operator.get(reverse("admin:teams_ssoidentity_add")).status_code == 403
    gone = operator.post(reverse("admin:teams_ssoidentity_delete", args=[link.pk]), {"post": "yes"})
    assert gone.status_code == 302 and not SsoIdentity.objects.exists()
    event = AuditEvent.objects.get(action="ssoidentity.delete")
    assert event.actor == root and event.organization == people["mia"].organization
