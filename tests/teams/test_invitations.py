"""Invitations: leaders, executives and admins without a password are emailed a link to set one,
whichever way they got the role; the link works once, expires, and an admin can send it again
(throttled, audited). Members claim an account the same way, without learning whose address is known."""

import re
import time
from datetime import timedelta
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from config.redact import redact
from insights.results import results_link_token
from surveys.models import Invitation
from teams.importing.applying import job_run
from teams.importing.jobs import import_confirm, import_upload
from teams.invitations import Reason, invitation_send, invitation_tokens
from teams.models import AuditEvent, Membership, User
from teams.services import membership_add
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    UnitFactory,
    UserFactory,
    closed_round_with_summary,
)

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/account/set-password/\S+/")
NEW_PASSWORD = "Fresh-garden-42"


def no_password(org, email="new.leader@acme.test", **extra) -> User:
    """Someone of the organization as the import makes them: no password."""
    extra.setdefault("name", "Nia Newleader")
    return User.objects.create_user(email, organization=org, **extra)


def link_in(message) -> str:
    return LINK.search(message.body).group(0)


def path_of(link: str) -> str:
    return urlsplit(link).path


def sent_rows(user: User):
    return AuditEvent.objects.filter(action="invitation.sent", details__user=user.email)


def without_csrf(html: str) -> str:
    return re.sub(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', r"\1", html)


def wait_for_mail(count: int, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while len(mail.outbox) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return mail.outbox


# --- Given a role: an invitation, once -----------------------------------------------------------


def test_a_new_leader_without_a_password_is_invited_once_the_change_commits(
    org, team, org_admin, settings, django_capture_on_commit_callbacks
):
    person = no_password(org)
    settings.SITE_URL = "https://pulse.acme.test"
    with django_capture_on_commit_callbacks(execute=True):
        membership_add(unit=team, user=person, role=Membership.Role.LEADER, acting_user=org_admin)
    assert [message.to for message in mail.outbox] == [[person.email]]
    message = mail.outbox[0]
    assert "invited" in message.subject and "Acme" in message.subject
    assert "the leader of Payments" in message.body
    assert "The link works once, and for 7 days" in message.body
    assert link_in(message).startswith("https://pulse.acme.test/account/set-password/")
    assert message.alternatives and link_in(message) in message.alternatives[0][0]
    row = sent_rows(person).get()
    assert row.organization == org and row.details["reason"] == "role"

    # Given another role later: no second email, the first link still stands.
    with django_capture_on_commit_callbacks(execute=True):
        person.org_role = User.OrgRole.EXECUTIVE
        person.save()
    assert len(mail.outbox) == 1 and sent_rows(person).count() == 1


def test_an_executive_or_admin_made_by_any_save_is_invited(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        executive = no_password(org, "exec@acme.test", org_role=User.OrgRole.EXECUTIVE)
    with django_capture_on_commit_callbacks(execute=True):
        admin = no_password(org, "admin@acme.test")
        admin.org_role = User.OrgRole.ADMIN
        admin.save(update_fields=["org_role"])
    assert sorted(message.to[0] for message in mail.outbox) == ["admin@acme.test", "exec@acme.test"]
    assert "as executive" in next(m for m in mail.outbox if m.to == [executive.email]).body


def test_members_and_people_with_a_password_get_nothing(org, team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        membership_add(unit=team, user=no_password(org), role=Membership.Role.MEMBER, acting_user=None)
        MembershipFactory(unit=team, role=Membership.Role.LEADER)  # has a password
        UserFactory(organization=org, org_role=User.OrgRole.ADMIN)
    assert mail.outbox == []


def test_an_organization_signing_in_through_its_provider_invites_only_its_admins(
    client, org, team, org_admin, django_capture_on_commit_callbacks
):
    from teams.models import SingleSignOn

    SingleSignOn.objects.create(
        organization=org,
        enabled=True,
        issuer="https://id.acme.test",
        client_id="pulse",
        client_secret="s3cret",
        password_login=False,
    )
    leader, admin = no_password(org), no_password(org, "second.admin@acme.test")
    with django_capture_on_commit_callbacks(execute=True):
        membership_add(unit=team, user=leader, role=Membership.Role.LEADER, acting_user=org_admin)
        admin.org_role = User.OrgRole.ADMIN
        admin.save()
    # The leader signs in with the company account: no password to set, no email for one.
    assert [message.to for message in mail.outbox] == [[admin.email]]
    client.force_login(org_admin)
    page = client.get(reverse("invitations")).content.decode()
    assert admin.email in page and leader.email not in page


def test_a_role_given_in_a_transaction_that_fails_sends_nothing(org, team):
    person = no_password(org)
    with pytest.raises(RuntimeError), transaction.atomic():
        membership_add(unit=team, user=person, role=Membership.Role.LEADER, acting_user=None)
        raise RuntimeError("the change is undone")
    assert mail.outbox == [] and not sent_rows(person).exists()


def test_the_django_admin_making_a_leader_invites_them(client, org, team, django_capture_on_commit_callbacks):
    root = User.objects.create_superuser("root@example.com", "root-pw-1234")
    person = no_password(org)
    client.force_login(root)
    data = {
        "unit": team.pk,
        "user": person.pk,
        "role": "leader",
        "created_at_0": "2026-11-02",
        "created_at_1": "09:00:00",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:teams_membership_add"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert [message.to for message in mail.outbox] == [[person.email]]


@pytest.mark.worker
def test_an_import_invites_its_new_leaders_once(celery_worker, org):
    data = (
        b"email,name,unit,parent,role\n"
        b"boss@acme.test,Bo Boss,Acme,,leader\n"
        b"sal@acme.test,Sal,Sales,Acme,leader\n"
        b"ann@acme.test,Ann,Sales,Acme,member\n"
    )

    def apply():
        job = import_upload(organization=org, file_name="people.csv", data=data, acting_user=None)
        job_run(import_confirm(job=job, skip_errors=False, acting_user=None, queue=False).pk)

    apply()
    outbox = wait_for_mail(2)
    time.sleep(0.5)  # nothing else comes
    assert sorted(message.to[0] for message in outbox) == ["boss@acme.test", "sal@acme.test"]
    assert set(
        AuditEvent.objects.filter(action="invitation.sent").values_list("details__reason", flat=True)
    ) == {"import"}
    apply()  # the same file again: nobody is invited twice
    time.sleep(1.5)
    assert len(mail.outbox) == 2


# --- The link ---------------------------------------------------------------------------------


@pytest.fixture
def invited(org, team, django_capture_on_commit_callbacks):
    person = no_password(org, "alice@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        membership_add(unit=team, user=person, role=Membership.Role.LEADER, acting_user=None)
    (message,) = mail.outbox
    mail.outbox.clear()
    return person, path_of(link_in(message))


def test_the_link_sets_the_password_signs_in_and_lands_on_home(client, invited):
    person, path = invited
    page = client.get(path)
    assert page.status_code == 200 and "Choose your password" in page.content.decode()
    assert person.email in page.content.decode()
    # A refused form says why and keeps the account as it was.
    refused = client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": "something-else-9"})
    assert refused.status_code == 400 and "didn’t match" in refused.content.decode()
    person.refresh_from_db()
    assert not person.has_usable_password()
    done = client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True)
    assert done.redirect_chain[-1][0] == reverse("home")
    assert get_user(client).pk == person.pk
    assert "Your password is set" in done.content.decode()
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="account.password_set", actor=person).exists()


def test_a_used_link_says_so_and_offers_login_and_reset(client, invited):
    person, path = invited
    client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    client.logout()
    again = client.get(path)
    html = again.content.decode()
    assert again.status_code == 410 and "already been used" in html
    assert reverse("login") in html and reverse("password_reset") in html
    assert "new_password1" not in html
    # Posting to it changes nothing either.
    client.post(path, {"new_password1": "Another-pw-77", "new_password2": "Another-pw-77"})
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)


def test_email_login_ignores_case_after_the_invitation(client, invited):
    person, path = invited
    client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    client.logout()
    response = client.post(reverse("login"), {"username": "Alice@Example.COM", "password": NEW_PASSWORD})
    assert response.status_code == 302 and get_user(client).pk == person.pk


def test_password_reset_ignores_the_case_of_the_address(client, org):
    person = UserFactory(organization=org, email="alice@example.com")
    client.post(reverse("password_reset"), {"email": "Alice@Example.COM"})
    assert [message.to for message in mail.outbox] == [[person.email]]


def test_an_expired_link_says_so_and_sends_a_new_one(client, invited, settings, time_machine):
    person, path = invited
    settings.INVITATION_TIMEOUT_DAYS = 2
    time_machine.move_to(timezone.now() + timedelta(days=2, minutes=1))
    page = client.get(path)
    html = page.content.decode()
    assert page.status_code == 410 and "has expired" in html and "2 days" in html
    assert "new_password1" not in html
    renewed = client.post(path + "renew/")
    assert renewed.status_code == 200 and "A new link is on its way" in renewed.content.decode()
    (message,) = mail.outbox
    assert "for 2 days" in message.body
    new_path = path_of(link_in(message))
    assert new_path != path
    assert client.get(new_path).status_code == 200
    assert list(sent_rows(person).values_list("details__reason", flat=True).order_by("created_at")) == [
        "role",
        "renew",
    ]
    # Asking again at once sends nothing more.
    assert "a few minutes ago" in client.post(path + "renew/").content.decode()
    assert len(mail.outbox) == 1


def test_a_valid_link_cant_be_renewed_into_a_second_email(client, invited):
    _, path = invited
    response = client.post(path + "renew/")
    assert response.status_code == 302 and response.url == path
    assert mail.outbox == []


def test_a_deactivated_person_cant_use_their_link(client, invited):
    person, path = invited
    person.is_active = False
    person.save()
    page = client.get(path)
    assert page.status_code == 403 and "account is closed" in page.content.decode()
    posted = client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert posted.status_code == 403
    person.refresh_from_db()
    assert not person.has_usable_password() and get_user(client).is_anonymous


def test_a_tampered_link_is_not_found(client, invited):
    _, path = invited
    uid, token = path.strip("/").split("/")[-2:]
    assert client.get(reverse("account_invitation", args=[uid, token[:-2] + "zz"])).status_code == 404
    assert client.get(reverse("account_invitation", args=["Zm9v", token])).status_code == 404
    huge = urlsafe_base64_encode(force_bytes(10**30))
    assert client.get(reverse("account_invitation", args=[huge, token])).status_code == 404
    assert client.post(reverse("account_invitation_renew", args=[huge, token])).status_code == 404


def test_a_password_reset_token_is_no_invitation(client, invited):
    person, path = invited
    uid = path.strip("/").split("/")[-2]
    reset_token = default_token_generator.make_token(person)
    assert client.get(reverse("account_invitation", args=[uid, reset_token])).status_code == 404
    assert invitation_tokens.check_token(person, path.strip("/").split("/")[-1])


def test_signed_in_as_someone_else_the_link_is_refused(client, invited, member):
    _, path = invited
    client.force_login(member)
    page = client.get(path)
    assert page.status_code == 403 and "for someone else" in page.content.decode()


# --- The admin's resend and page ---------------------------------------------------------------


def test_an_admin_resends_throttled_and_audited(client, invited, org_admin, settings, time_machine):
    person, _ = invited
    client.force_login(org_admin)
    url = reverse("invitation_resend", args=[person.pk])
    # Just sent by the role: too soon.
    page = client.post(url, follow=True)
    assert "You can send another in" in page.content.decode() and mail.outbox == []
    time_machine.move_to(timezone.now() + timedelta(minutes=settings.INVITATION_RESEND_MINUTES + 1))
    page = client.post(url, follow=True)
    assert "on its way to alice@example.com" in page.content.decode()
    assert [message.to for message in mail.outbox] == [[person.email]]
    assert "Ada Admin invited you" in mail.outbox[0].body
    row = sent_rows(person).latest("created_at")
    assert row.actor == org_admin and row.details["reason"] == "resend"
    assert client.post(url).status_code == 302 and len(mail.outbox) == 1  # throttled again


def test_only_the_organizations_admins_resend_and_only_to_their_people(
    client, invited, leader, executive, member, org_admin
):
    person, _ = invited
    url = reverse("invitation_resend", args=[person.pk])
    assert client.post(url).status_code == 302 and "/login/" in client.post(url).url
    for someone in (leader, executive, member):
        client.force_login(someone)
        assert client.post(url).status_code == 403
        assert client.get(reverse("invitations")).status_code == 403
    stranger = no_password(OrganizationFactory(), "stranger@other.test")
    client.force_login(org_admin)
    assert client.post(reverse("invitation_resend", args=[stranger.pk])).status_code == 404
    assert mail.outbox == []


def test_the_invitations_page_lists_who_waits_and_where_their_link_stands(
    client, org, team, org_admin, invited
):
    person, _ = invited
    never = no_password(org, "never@acme.test", name="Nev Er")
    Membership.objects.bulk_create(
        [Membership(unit=team, user=never, role=Membership.Role.LEADER)]
    )  # no signal
    no_password(org, "plain.member@acme.test")  # a member: not listed
    client.force_login(org_admin)
    html = client.get(reverse("invitations")).content.decode()
    assert "alice@example.com" in html and "never@acme.test" in html and "plain.member" not in html
    assert "Not sent yet" in html and "works until" in html
    assert reverse("invitation_resend", args=[never.pk]) in html
    assert org_admin.email not in html  # has a password


@pytest.mark.worker
def test_invite_everyone_who_needs_it_runs_on_the_worker_with_progress(
    celery_worker, client, org, team, org_admin
):
    people = [no_password(org, f"lead{n}@acme.test") for n in range(3)]
    Membership.objects.bulk_create(
        [Membership(unit=UnitFactory(organization=org, parent=team), user=p, role="leader") for p in people]
    )
    client.force_login(org_admin)
    page = client.post(reverse("invitations_send_all"), follow=True)
    assert "Sending 3 invitations" in page.content.decode()
    outbox = wait_for_mail(3)
    assert sorted(message.to[0] for message in outbox) == [p.email for p in people]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        fragment = client.get(reverse("invitations") + "?part=progress", headers={"HX-Request": "true"})
        if "3 sent of 3" in fragment.content.decode():
            break
        time.sleep(0.2)
    assert "3 sent of 3" in fragment.content.decode() and "every 2s" not in fragment.content.decode()
    bulk = AuditEvent.objects.get(action="invitation.bulk")
    assert bulk.actor == org_admin and bulk.details["total"] == 3
    # Pressed again: everyone has a working link, nobody is sent another.
    page = client.post(reverse("invitations_send_all"), follow=True)
    assert "has a link that still works" in page.content.decode()


# --- Members claim an account ------------------------------------------------------------------


@pytest.mark.worker
def test_a_claim_never_says_whether_the_address_is_known(celery_worker, client, org, team):
    member = no_password(org, "mia@acme.test")
    Membership.objects.create(unit=team, user=member, role=Membership.Role.MEMBER)
    known = client.post(reverse("account_claim"), {"email": "Mia@Acme.test"}, follow=True)
    unknown = client.post(reverse("account_claim"), {"email": "nobody@acme.test"}, follow=True)
    assert known.status_code == unknown.status_code == 200
    assert without_csrf(known.content.decode()) == without_csrf(unknown.content.decode())
    outbox = wait_for_mail(1)
    time.sleep(0.5)
    assert [message.to for message in outbox] == [["mia@acme.test"]]
    assert "create your Purpose Pulse account" in outbox[0].body
    path = path_of(link_in(outbox[0]))
    client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert get_user(client).pk == member.pk
    client.logout()
    # With a password now: a claim reminds them how to sign in, with no link to set one.
    client.post(reverse("account_claim"), {"email": "mia@acme.test"})
    outbox = wait_for_mail(2)
    assert "already have one" in outbox[1].body and not LINK.search(outbox[1].body)


def test_claims_are_throttled_per_address(client, org, settings, django_capture_on_commit_callbacks):
    no_password(org, "mia@acme.test")
    with django_capture_on_commit_callbacks() as queued:
        for _ in range(settings.PASSWORD_RESET_LIMIT_PER_HOUR + 2):
            assert client.post(reverse("account_claim"), {"email": "Mia@acme.test"}).status_code == 302
    # Past the address's hourly allowance nothing is queued; the page is the same.
    assert len(queued) == settings.PASSWORD_RESET_LIMIT_PER_HOUR


def test_a_claim_form_with_a_bad_address_keeps_it_and_says_why(client):
    page = client.post(reverse("account_claim"), {"email": "mia at acme"})
    html = page.content.decode()
    assert page.status_code == 400 and 'value="mia at acme"' in html and "valid email" in html


def test_a_deactivated_or_unknown_person_is_sent_nothing(org):
    person = no_password(org, "gone@acme.test", org_role=User.OrgRole.EXECUTIVE)
    mail.outbox.clear()
    person.is_active = False
    person.save()
    assert invitation_send(user_id=person.pk, reason=Reason.RESEND).outcome == "not_needed"
    assert invitation_send(user_id=10**9, reason=Reason.RESEND).outcome == "not_needed"
    assert mail.outbox == []


# --- The command --------------------------------------------------------------------------------


def test_the_command_invites_everyone_who_needs_it_and_prints_progress(org, team):
    people = [no_password(org, f"lead{n}@acme.test") for n in range(3)]
    Membership.objects.bulk_create([Membership(unit=team, user=p, role="leader") for p in people])
    out = StringIO()
    call_command("invite_people", org.slug, stdout=out)
    assert "3 of 3 done" in out.getvalue() and "Sent 3 invitations" in out.getvalue()
    assert sorted(message.to[0] for message in mail.outbox) == [p.email for p in people]
    out = StringIO()
    call_command("invite_people", org.slug, stdout=out)
    assert "Nobody needs an invitation" in out.getvalue() and len(mail.outbox) == 3
    # Named people: a resend, throttled like the admin's.
    out = StringIO()
    call_command("invite_people", org.slug, "LEAD0@acme.test", stdout=out)
    assert "lead0@acme.test: not sent (sent one a few minutes ago)" in out.getvalue()
    with pytest.raises(CommandError, match="Not people of Acme: nobody@acme.test"):
        call_command("invite_people", org.slug, "nobody@acme.test")


def test_the_results_link_page_offers_a_member_an_account(client, team, member):
    closed = closed_round_with_summary(
        team, closes_at=timezone.now() - timedelta(days=1), respondents=6, alignment=60, ideas=["speed"]
    )
    invitation = Invitation.objects.create(round=closed.round, user=member)
    page = client.get(reverse("results_link", args=[results_link_token(invitation)])).content.decode()
    assert f'href="{reverse("account_claim")}"' in page and "Create your account" in page


def test_an_invitation_link_is_kept_out_of_the_logs(invited):
    _, path = invited
    token = path.strip("/").split("/")[-1]
    line = redact(f'"GET {path} HTTP/1.1" 200 - "https://pulse.example{path}renew/"')
    assert token not in line and line.count("/account/set-password/[uid]/[token]/") == 2


def test_the_resend_button_returns_to_the_page_it_was_on_and_only_on_this_site(
    client, org, org_admin, invited
):
    person, _ = invited
    client.force_login(org_admin)
    url = reverse("invitation_resend", args=[person.pk])
    assert client.post(url, {"next": "/org/settings/people/?q=alice"}).url == "/org/settings/people/?q=alice"
    assert client.post(url, {"next": "https://evil.example/"}).url == reverse("invitations")
    # A bare word is no page either (redirect() would look it up as a view's name: a 500).
    for junk in ("invitations", "לڟױ", "//evil.example/", "/\\evil.example/"):
        assert client.post(url, {"next": junk}).url == reverse("invitations"), junk
    page = client.get(reverse("invitations")).content.decode()
    assert "Send a new link" in page and "Nobody needs one now" in page
    assert reverse("invitations_send_all") not in page
