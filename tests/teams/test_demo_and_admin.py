import pytest
from django.core.management import call_command
from django.urls import reverse

from insights.models import RoundSummary
from purpose.models import PurposeStatement
from surveys.models import Response
from teams.models import AuditEvent, Membership, Organization, Unit, User
from teams.services import membership_add, membership_remove
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_a_realistic_organization_once(capsys):
    call_command("seed_demo", "--password", "demo-pass-123")
    out = capsys.readouterr().out
    assert "demo-pass-123" in out and "exec@demo.example" in out
    counts = (
        Unit.objects.count(),
        User.objects.count(),
        PurposeStatement.objects.count(),
        Response.objects.count(),
        RoundSummary.objects.count(),
    )
    assert counts[0] >= 20 and 120 <= counts[1] <= 200
    payments = Unit.objects.get(name="Payments")
    roles = dict(Membership.objects.filter(unit=payments).values_list("user__email", "role"))
    assert roles["lead@demo.example"] == "leader" and roles["member@demo.example"] == "member"
    assert User.objects.get(email="exec@demo.example").is_executive
    assert User.objects.get(email="lead@demo.example").check_password("demo-pass-123")
    assert not Unit.objects.filter(purpose_versions__isnull=True).exists()
    # Past pulses, answered and scored by the engine, so the dashboards have something true to show.
    payments_summaries = RoundSummary.objects.filter(unit=payments, is_final=True)
    assert payments_summaries.count() == 4
    assert all(s.respondents >= 5 and s.alignment is not None for s in payments_summaries)
    assert not Response.objects.filter(needs_scoring=True).exists()

    call_command("seed_demo")
    assert "nothing changed" in capsys.readouterr().out
    assert (
        Unit.objects.count(),
        User.objects.count(),
        PurposeStatement.objects.count(),
        Response.objects.count(),
        RoundSummary.objects.count(),
    ) == counts
    assert Organization.objects.count() == 1


def test_membership_changes_leave_an_audit_row(team, org_admin):
    person = UserFactory(organization=team.organization)
    membership_add(unit=team, user=person, role="member", acting_user=org_admin)
    membership_add(unit=team, user=person, role="leader", acting_user=org_admin)
    membership_remove(unit=team, user=person, acting_user=org_admin)
    actions = list(AuditEvent.objects.order_by("created_at", "pk").values_list("action", "details__role"))
    assert actions == [
        ("membership.add", "member"),
        ("membership.change", "leader"),
        ("membership.remove", None),
    ]
    assert not Membership.objects.filter(unit=team, user=person).exists()


@pytest.mark.parametrize("model", ["organization", "user", "unit", "membership", "auditevent"])
def test_admin_lists_search_and_filter(client, org, team, leader, model):
    admin = User.objects.create_superuser("root@example.com", "x")
    client.force_login(admin)
    app = "purpose" if model == "purposestatement" else "teams"
    url = reverse(f"admin:{app}_{model}_changelist")
    assert client.get(url).status_code == 200
    assert client.get(url, {"q": "Pay"}).status_code == 200


def test_admin_edit_of_a_membership_is_audited(client, team, leader):
    admin = User.objects.create_superuser("root@example.com", "x")
    client.force_login(admin)
    membership = Membership.objects.get(user=leader)
    response = client.post(
        reverse("admin:teams_membership_change", args=[membership.pk]),
        {
            "unit": team.pk,
            "user": leader.pk,
            "role": "member",
            "created_at_0": "2026-01-01",
            "created_at_1": "10:00:00",
        },
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="membership.change", actor=admin, details__role="member").exists()
