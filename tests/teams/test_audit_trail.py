"""The audit log is complete and can't be rewritten: deletes in the admin (one or many) leave a row
per object, sign-ins and failed attempts and exports are rows, and nobody, not even a superuser,
can add, change or delete a row or a saved purpose version in the admin."""

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from purpose.models import PurposeStatement
from surveys.models import PulseRound
from teams.models import AuditEvent, Membership, Unit, User
from tests.factories import MembershipFactory, PurposeStatementFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(client):
    root = User.objects.create_superuser("root@example.com", "x")
    client.force_login(root)
    return root


def events(action: str):
    return AuditEvent.objects.filter(action=action).order_by("pk")


def test_deleting_selected_memberships_leaves_one_audit_row_each(client, root, team, member, org):
    others = [MembershipFactory(unit=team).user for _ in range(2)]
    ids = list(Membership.objects.filter(unit=team, role="member").values_list("pk", flat=True))
    done = client.post(
        reverse("admin:teams_membership_changelist"),
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert done.status_code == 302
    assert not Membership.objects.filter(pk__in=ids).exists()
    rows = list(events("membership.remove"))
    assert sorted(r.details["user"] for r in rows) == sorted(u.email for u in [member, *others])
    assert {(r.actor, r.unit, r.organization) for r in rows} == {(root, team, org)}


def test_deleting_one_membership_in_the_admin_is_audited(client, root, team, member):
    membership = Membership.objects.get(unit=team, user=member)
    client.post(reverse("admin:teams_membership_delete", args=[membership.pk]), {"post": "yes"})
    [row] = events("membership.remove")
    assert row.details == {"user": member.email} and row.actor == root


def test_deleting_selected_units_leaves_one_audit_row_each(client, root, org):
    empty = [UnitFactory(organization=org, name=f"Old team {n}") for n in range(3)]
    done = client.post(
        reverse("admin:teams_unit_changelist"),
        {"action": "delete_selected", "_selected_action": [u.pk for u in empty], "post": "yes"},
    )
    assert done.status_code == 302 and not Unit.objects.filter(pk__in=[u.pk for u in empty]).exists()
    assert sorted(r.details["object"] for r in events("unit.delete")) == [
        "Old team 0",
        "Old team 1",
        "Old team 2",
    ]
    assert {r.organization for r in events("unit.delete")} == {org}


def test_deleting_a_pulse_round_in_the_admin_is_audited(client, root, team):
    statement = PurposeStatementFactory(unit=team, version=1)
    opens = datetime(2026, 1, 5, 9, tzinfo=UTC)
    pulse_round = PulseRound.objects.create(
        unit=team,
        purpose_statement=statement,
        scheduled_for=opens,
        opens_at=opens,
        closes_at=opens + timedelta(days=5),
    )
    client.post(reverse("admin:surveys_pulseround_delete", args=[pulse_round.pk]), {"post": "yes"})
    [row] = events("pulseround.delete")
    assert row.details["id"] == pulse_round.pk and row.unit is None and row.organization == team.organization


def test_audit_rows_are_view_only_even_for_a_superuser(client, root, team, member):
    row = AuditEvent.objects.create(
        organization=team.organization, actor=member, action="purpose.edit", unit=team
    )
    assert client.get(reverse("admin:teams_auditevent_changelist")).status_code == 200
    page = client.get(reverse("admin:teams_auditevent_change", args=[row.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert (
        client.post(reverse("admin:teams_auditevent_change", args=[row.pk]), {"action": "x"}).status_code
        == 403
    )
    assert client.get(reverse("admin:teams_auditevent_add")).status_code == 403
    assert client.get(reverse("admin:teams_auditevent_delete", args=[row.pk])).status_code == 403
    assert (
        client.post(reverse("admin:teams_auditevent_delete", args=[row.pk]), {"post": "yes"}).status_code
        == 403
    )
    client.post(
        reverse("admin:teams_auditevent_changelist"),
        {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"},
    )
    row.refresh_from_db()
    assert row.action == "purpose.edit"


def test_a_saved_purpose_version_is_read_only_in_the_admin(client, root, team):
    statement = PurposeStatementFactory(unit=team, version=1, key_ideas=["customers", "speed"])
    change = reverse("admin:purpose_purposestatement_change", args=[statement.pk])
    page = client.get(change)
    assert page.status_code == 200 and "customers" in page.content.decode()
    assert 'name="key_ideas"' not in page.content.decode() and 'name="_save"' not in page.content.decode()
    tampered = client.post(change, {"key_ideas": '["trust"]', "purpose": "Something else", "fit": ""})
    assert tampered.status_code == 403
    assert (
        client.post(
            reverse("admin:purpose_purposestatement_delete", args=[statement.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    statement.refresh_from_db()
    assert (
        statement.key_ideas == ["customers", "speed"]
        and PurposeStatement.objects.filter(unit=team).count() == 1
    )


def sign_in(client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR="10.1.2.3")


def test_a_login_is_audited(client, org, password):
    person = UserFactory(organization=org, email="mia@demo.example")
    assert sign_in(client, "Mia@Demo.Example", password).status_code == 302
    [row] = events("login")
    assert (row.actor, row.organization, row.details) == (person, org, {"ip": "10.1.2.3"})


def test_a_failed_login_is_audited_with_the_account_it_named(client, org):
    person = UserFactory(organization=org, email="mia@demo.example")
    assert sign_in(client, "mia@demo.example", "wrong-password").status_code == 200
    [row] = events("login.failed")
    assert row.actor is None and row.organization == org
    assert row.details == {"account": person.email, "ip": "10.1.2.3"}
    assert "wrong-password" not in str(AuditEvent.objects.values_list("details", flat=True))


def test_a_failed_login_for_no_account_keeps_nothing_typed(client, org):
    """Whatever was typed in the email field (a password, even) is not kept."""
    sign_in(client, "my-secret-passphrase", "whatever")
    [row] = events("login.failed")
    assert row.organization is None and row.details == {"ip": "10.1.2.3"}


def test_the_csv_export_is_audited(client, executive, team):
    client.force_login(executive)
    export = client.get(reverse("org_dashboard_csv"))
    assert export.status_code == 200
    [row] = events("export.csv")
    assert row.actor == executive and row.organization == executive.organization
    assert row.details["file"].startswith("alignment-acme-")
