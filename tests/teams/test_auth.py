"""Signing in: any case of the address, a fresh session each time, signed out when idle,
locked out after too many wrong passwords, and password resets that can't flood a mailbox."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from teams.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

WRONG = "not-the-password"


def sign_in(client, username: str, password: str, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


@pytest.fixture
def lead(org, password):
    return UserFactory(organization=org, email="lead@demo.example")


# --- Email in any case ---------------------------------------------------------------


def test_email_login_ignores_case_and_spaces(client, lead, password):
    """`LEAD@Demo.Example` signs in as lead@demo.example."""
    page = sign_in(client, " LEAD@Demo.Example ", password)
    assert page.status_code == 302 and page.url == reverse("home")
    assert int(client.session["_auth_user_id"]) == lead.pk


def test_a_wrong_password_in_another_case_still_fails(client, lead):
    page = sign_in(client, "Lead@Demo.Example", WRONG)
    assert page.status_code == 200 and "_auth_user_id" not in client.session


def test_addresses_are_stored_lowercase_by_every_creation_path(client, org):
    assert User.objects.create_user("Mixed@Case.Example", "pw").email == "mixed@case.example"
    root = User.objects.create_superuser("Root@Example.COM", "pw")
    assert root.email == "root@example.com"
    client.force_login(root)
    added = client.post(
        reverse("admin:teams_user_add"),
        {
            "email": "New.Person@Example.COM",
            "name": "New Person",
            "organization": org.pk,
            "password1": "a-Long-pass-123",
            "password2": "a-Long-pass-123",
            "usable_password": "true",
        },
    )
    assert added.status_code == 302, added.content.decode()[:2000]
    person = User.objects.get(name="New Person")
    assert person.email == "new.person@example.com"
    edited = client.post(
        reverse("admin:teams_user_change", args=[person.pk]),
        {
            "email": "NEW.person@EXAMPLE.com",
            "name": "New Person",
            "organization": org.pk,
            "org_role": "",
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "09:00:00",
        },
    )
    assert edited.status_code == 302, edited.content.decode()[:2000]
    person.refresh_from_db()
    assert person.email == "new.person@example.com"


def test_the_admin_refuses_an_address_that_differs_only_in_case(client, org, lead):
    root = User.objects.create_superuser("root@example.com", "pw")
    client.force_login(root)
    page = client.post(
        reverse("admin:teams_user_add"),
        {
            "email": "Lead@DEMO.example",
            "name": "Copy",
            "organization": org.pk,
            "password1": "a-Long-pass-123",
            "password2": "a-Long-pass-123",
            "usable_password": "true",
        },
    )
    assert page.status_code == 200 and "already exists" in page.content.decode()
    assert User.objects.filter(email__iexact="lead@demo.example").count() == 1


# --- Sessions ------------------------------------------------------------------------


def test_signing_in_rotates_the_session_key(client, lead, password):
    client.get(reverse("login"))
    session = client.session
    session["before"] = "anonymous"
    session.save()
    before = session.session_key
    assert sign_in(client, lead.email, password).status_code == 302
    assert client.session.session_key != before


def test_a_session_idles_out_and_activity_keeps_it(client, lead, password, time_machine):
    """Eight hours idle sign you out; a request every seven hours keeps you in."""
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60 and settings.SESSION_SAVE_EVERY_REQUEST
    time_machine.move_to("2026-03-02 09:00:00+00:00", tick=False)
    sign_in(client, lead.email, password)
    for _ in range(3):
        time_machine.shift(timedelta(hours=7))
        assert client.get(reverse("home")).status_code == 200
    time_machine.shift(timedelta(hours=8, seconds=1))
    page = client.get(reverse("home"))
    assert page.status_code == 302 and page.url.startswith(reverse("login"))


# --- Lockout -------------------------------------------------------------------------


def test_twelve_wrong_passwords_then_the_right_one_is_refused(client, lead, password):
    pages = [sign_in(client, lead.email, WRONG) for _ in range(12)]
    assert [p.status_code for p in pages[:4]] == [200] * 4
    assert all(p.status_code == 429 for p in pages[5:])
    page = sign_in(client, lead.email, password)
    html = page.content.decode()
    assert page.status_code == 429 and "_auth_user_id" not in client.session
    assert "Too many wrong passwords" in html and "Try again after" in html and "15 minutes" in html


def test_changing_the_case_of_the_address_buys_no_extra_guesses(client, lead, password):
    for variant in ["lead@demo.example", "LEAD@demo.example", "Lead@Demo.Example", "lEAD@DEMO.EXAMPLE"] * 2:
        sign_in(client, variant, WRONG)
    assert sign_in(client, lead.email, password).status_code == 429


def test_the_lockout_ends_after_the_cool_off(client, lead, password, time_machine):
    time_machine.move_to("2026-03-02 09:00:00+00:00", tick=False)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, lead.email, WRONG)
    assert sign_in(client, lead.email, password).status_code == 429
    time_machine.shift(timedelta(minutes=16))
    assert sign_in(client, lead.email, password).status_code == 302


def test_a_lockout_holds_one_address_from_one_ip_only(client, lead, password, org):
    other = UserFactory(organization=org, email="other@demo.example")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, lead.email, WRONG)
    assert sign_in(client, other.email, password).status_code == 302
    client.post(reverse("logout"))
    assert sign_in(client, lead.email, password, REMOTE_ADDR="10.1.2.3").status_code == 302


def test_a_success_clears_the_count(client, lead, password):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, lead.email, WRONG)
    assert sign_in(client, lead.email, password).status_code == 302
    client.post(reverse("logout"))
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, lead.email, WRONG)
    assert sign_in(client, lead.email, password).status_code == 302


# --- Password reset ------------------------------------------------------------------


def test_reset_emails_beyond_the_hourly_limit_are_not_sent_and_the_page_says_the_same(client, lead):
    limit = settings.PASSWORD_RESET_LIMIT_PER_HOUR
    pages = [client.post(reverse("password_reset"), {"email": "Lead@Demo.Example"}) for _ in range(8)]
    assert len(mail.outbox) == limit
    assert all(p.status_code == 302 and p.url == reverse("password_reset_done") for p in pages)
    done = client.get(reverse("password_reset_done")).content.decode()
    assert "If an account uses that address" in done


def test_an_unknown_address_gets_the_same_answer(client, lead):
    page = client.post(reverse("password_reset"), {"email": "nobody@demo.example"})
    assert page.status_code == 302 and page.url == reverse("password_reset_done")
    assert mail.outbox == []


def test_the_reset_limit_is_per_address_and_per_hour(client, lead, org, time_machine):
    other = UserFactory(organization=org, email="other@demo.example")
    time_machine.move_to("2026-03-02 09:00:00+00:00", tick=False)
    for _ in range(5):
        client.post(reverse("password_reset"), {"email": lead.email})
    client.post(reverse("password_reset"), {"email": other.email})
    assert [m.to for m in mail.outbox].count([other.email]) == 1
    time_machine.shift(timedelta(hours=1, seconds=1))
    client.post(reverse("password_reset"), {"email": lead.email})
    assert [m.to for m in mail.outbox].count([lead.email]) == settings.PASSWORD_RESET_LIMIT_PER_HOUR + 1
