"""People in the organization settings: find, add, move, change roles, deactivate. Every change is
an audit row with before and after; leaving goes the leavers' way (teams.leaving), so open pulse
links close in the same transaction."""

import html
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from surveys.models import Invitation, WithdrawnReason
from surveys.rounds import round_open
from teams.models import AuditEvent, Membership, User
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    PurposeStatementFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def audit(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


@pytest.fixture
def admin_client(login, org_admin):
    return login(org_admin)


@pytest.fixture
def sibling(org, division):
    return UnitFactory(organization=org, parent=division, name="Risk")


@pytest.fixture
def open_invitation(team, member, leader):
    """Payments' pulse is open and the member holds a link to it."""
    PurposeStatementFactory(unit=team, version=1, author=leader)
    now = timezone.now()
    pulse = round_open(unit=team, scheduled_for=now, closes_at=now + timedelta(days=5), remind_at=None)
    return Invitation.objects.get(round=pulse, user=member)


def places(user: User) -> set[tuple[str, str]]:
    return set(Membership.objects.filter(user=user).values_list("unit__name", "role"))


# --- adding ---------------------------------------------------------------------------------


def test_adding_a_person_stores_the_address_in_lowercase_and_is_audited(admin_client, org, team, org_admin):
    form = {
        "email": "  Nia.New@Acme.TEST ",
        "name": "Nia New",
        "unit": team.name,
        "role": "member",
        "org_role": "",
    }
    response = admin_client.post(reverse("settings_person_add"), form)
    assert response.status_code == 302
    nia = User.objects.get(email="nia.new@acme.test")
    assert nia.organization == org and nia.is_active and not nia.has_usable_password()
    assert places(nia) == {("Payments", "member")}
    [row] = audit("person.add")
    assert (
        row.actor == org_admin
        and row.details["user"] == "nia.new@acme.test"
        and row.details["before"] is None
    )
    assert row.details["after"]["places"] == [{"unit": "Payments", "unit_id": team.pk, "role": "member"}]


def test_a_new_leader_is_also_a_member_of_the_unit_above_when_asked(admin_client, team):
    form = {
        "email": "lead2@acme.test",
        "name": "Lou Lead",
        "unit": team.name,
        "role": "leader",
        "member_above": "on",
    }
    assert admin_client.post(reverse("settings_person_add"), form).status_code == 302
    assert places(User.objects.get(email="lead2@acme.test")) == {
        ("Payments", "leader"),
        ("Product", "member"),
    }


def test_an_address_already_used_is_refused_and_what_was_typed_stays(admin_client, member, outsider, team):
    for address, message in [
        (member.email.upper(), "is already in the organization"),
        (outsider.email, "belongs to an account outside this organization"),
    ]:
        form = {"email": address, "name": "Someone <b>", "unit": team.name, "role": "member"}
        response = admin_client.post(reverse("settings_person_add"), form)
        assert response.status_code == 422  # the name is refused first: both are told at once
        form["name"] = "Some One"
        response = admin_client.post(reverse("settings_person_add"), form)
        assert response.status_code == 409 and message in text(response)
        assert response.context["form"]["email"].value() == address
        assert response.context["form"]["name"].value() == "Some One"
    assert not audit("person.add")
    assert User.objects.filter(email=outsider.email).get().organization_id == outsider.organization_id


def test_a_bad_address_and_missing_name_are_told_next_to_their_fields(admin_client, team):
    response = admin_client.post(
        reverse("settings_person_add"), {"email": "not-an-address", "unit": team.name}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="id_email_error"' in page and 'id="id_name_error"' in page
    assert 'aria-describedby="id_email_error"' in page
    assert 'value="not-an-address"' in page


# --- moving and roles -----------------------------------------------------------------------


def test_moving_a_member_closes_their_open_pulse_link_and_is_audited(
    admin_client, member, team, sibling, open_invitation, org_admin
):
    response = admin_client.post(
        reverse("settings_person_place", args=[member.pk]), {"unit": sibling.name, "role": "member"}
    )
    assert response.status_code == 302
    assert places(member) == {("Risk", "member")}
    open_invitation.refresh_from_db()
    assert open_invitation.withdrawn_at is not None
    assert open_invitation.withdrawn_reason == WithdrawnReason.LEFT_TEAM
    [row] = audit("person.move")
    assert row.actor == org_admin and row.unit == sibling
    assert row.details["before"] == {"places": [{"unit": "Payments", "unit_id": team.pk, "role": "member"}]}
    assert row.details["after"] == {"places": [{"unit": "Risk", "unit_id": sibling.pk, "role": "member"}]}


def test_making_a_member_the_leader_of_their_unit_changes_their_role(admin_client, member, team):
    response = admin_client.post(
        reverse("settings_person_place", args=[member.pk]),
        {"unit": team.name, "role": "leader", "member_above": "on"},
    )
    assert response.status_code == 302
    assert places(member) == {("Payments", "leader"), ("Product", "member")}
    [row] = audit("person.move")
    assert {p["role"] for p in row.details["after"]["places"]} == {"leader", "member"}


def test_a_leader_moved_to_lead_another_unit_leaves_both_old_places(admin_client, org, division, team):
    leader = MembershipFactory(unit=team, role="leader").user
    Membership.objects.create(user=leader, unit=division, role="member")
    other_division = UnitFactory(organization=org, name="Platform")
    infra = UnitFactory(organization=org, parent=other_division, name="Infra")
    admin_client.post(
        reverse("settings_person_place", args=[leader.pk]),
        {"unit": infra.name, "role": "leader", "member_above": "on"},
    )
    assert places(leader) == {("Infra", "leader"), ("Platform", "member")}


def test_a_unit_of_another_organization_is_refused_and_nothing_moves(admin_client, member):
    foreign = UnitFactory(organization=OrganizationFactory(), name="Elsewhere")
    response = admin_client.post(
        reverse("settings_person_place", args=[member.pk]), {"unit": foreign.name, "role": "member"}
    )
    assert response.status_code == 422 and "No unit of your organization is called" in text(response)
    assert places(member) == {("Payments", "member")} and not audit("person.move")


def test_making_someone_executive_then_admin_is_audited(admin_client, member):
    url = reverse("settings_person", args=[member.pk])
    assert admin_client.post(url, {"name": member.name, "org_role": "executive"}).status_code == 302
    assert admin_client.post(url, {"name": "Mia M.", "org_role": "admin"}).status_code == 302
    member.refresh_from_db()
    assert (member.name, member.org_role) == ("Mia M.", "admin")
    first, second = audit("person.change")
    assert first.details == {
        "user": member.email,
        "before": {"org_role": ""},
        "after": {"org_role": "executive"},
    }
    assert second.details["before"] == {"name": "Mia Member", "org_role": "executive"}


def test_an_admin_cant_remove_their_own_admin_role_nor_the_last_admin(admin_client, org_admin, login, member):
    url = reverse("settings_person", args=[org_admin.pk])
    response = admin_client.post(url, {"name": org_admin.name, "org_role": ""})
    assert response.status_code == 409 and "can't take away your own admin role" in text(response)
    # Another admin may take the role away; then they are the only admin, and refused the same.
    member.org_role = "admin"
    member.save()
    assert login(member).post(url, {"name": org_admin.name, "org_role": ""}).status_code == 302
    response = login(member).post(reverse("settings_person", args=[member.pk]), {"name": "x", "org_role": ""})
    assert response.status_code == 409 and "can't take away your own admin role" in text(response)
    org_admin.refresh_from_db()
    assert org_admin.org_role == "" and User.objects.get(pk=member.pk).org_role == "admin"


# --- deactivating ---------------------------------------------------------------------------


def test_deactivating_withdraws_open_invitations_and_reactivating_restores_the_place(
    admin_client, member, open_invitation, org_admin
):
    url = reverse("settings_person_active", args=[member.pk])
    response = admin_client.post(url, {"active": "0"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert not member.is_active
    open_invitation.refresh_from_db()
    assert open_invitation.withdrawn_reason == WithdrawnReason.DEACTIVATED
    assert open_invitation.round.__class__.objects.get(pk=open_invitation.round_id).invited_count == 0
    [row] = audit("person.deactivate")
    assert row.actor == org_admin and row.details == {
        "user": member.email,
        "before": {"active": True},
        "after": {"active": False},
    }
    assert admin_client.post(url, {"active": "1"}).status_code == 302
    member.refresh_from_db()
    assert member.is_active and places(member) == {("Payments", "member")}
    assert len(audit("person.reactivate")) == 1


def test_an_admin_cant_deactivate_themselves(admin_client, org_admin):
    response = admin_client.post(reverse("settings_person_active", args=[org_admin.pk]), {"active": "0"})
    assert response.status_code == 409 and "can't deactivate your own account" in text(response)
    org_admin.refresh_from_db()
    assert org_admin.is_active and not audit("person.deactivate")


def test_the_only_admin_is_not_deactivated_by_a_superuser_in_the_organization(login, org, org_admin):
    root = UserFactory(organization=org, is_superuser=True, is_staff=True)
    response = login(root).post(reverse("settings_person_active", args=[org_admin.pk]), {"active": "0"})
    assert response.status_code == 409 and "only admin" in text(response)


# --- finding people -------------------------------------------------------------------------


def test_people_are_found_by_name_or_address_unit_role_and_status(
    admin_client, team, sibling, member, leader
):
    gone = MembershipFactory(unit=sibling, user__name="Gus Gone", user__is_active=False).user
    url = reverse("settings_people")

    def found(**query) -> set[str]:
        response = admin_client.get(url, query)
        assert response.status_code == 200
        return {person.name for person in response.context["page"]}

    assert found(q="mia") == {"Mia Member"}
    assert found(q=member.email.upper()) == {"Mia Member"}
    assert found(unit=team.name) == {"Mia Member", "Lee Leader"}
    assert found(unit=team.name, role="leader") == {"Lee Leader"}
    assert found(status="inactive") == {gone.name}
    assert found(org_role="admin") == {"Ada Admin"}
    assert "Gus Gone" in found() and "Ada Admin" in found(org_role="")
    # A unit that isn't there finds nobody, and says so next to the field.
    assert found(unit="Nowhere") == set()
    assert "No unit of your organization is called “Nowhere”" in text(
        admin_client.get(url, {"unit": "Nowhere"})
    )


def test_the_people_list_is_paginated_with_the_same_queries_whatever_its_size(admin_client, org, team):
    def add(count: int, start: int) -> None:
        users = User.objects.bulk_create(
            User(email=f"p{start + i:05d}@acme.test", name=f"Person {start + i:05d}", organization=org)
            for i in range(count)
        )
        Membership.objects.bulk_create(Membership(user=u, unit=team) for u in users)

    add(60, 0)
    url = reverse("settings_people")
    admin_client.get(url)  # the organization's time zone is now in the cache (config.timezones)
    with CaptureQueriesContext(connection) as small:
        first = admin_client.get(url)
    add(240, 60)
    with CaptureQueriesContext(connection) as large:
        admin_client.get(url)
    assert len(small.captured_queries) == len(large.captured_queries)
    assert len(first.context["page"]) == 50
    last = admin_client.get(url, {"page": 7})
    page = last.context["page"]
    assert page.number == 7 and page.paginator.num_pages == 7 and len(page) == 300 + 1 - 6 * 50  # + the admin
    assert "Page 7 of 7" in text(last) and 'rel="prev"' in last.content.decode()
    filtered = admin_client.get(url, {"q": "Person 002", "page": 2})
    assert "q=Person+002&amp;page=1" in filtered.content.decode()  # the filters stay on the page links


def test_the_people_search_answers_htmx_with_the_results_alone(admin_client, member):
    response = admin_client.get(reverse("settings_people"), {"q": "mia"}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert response.status_code == 200 and page.lstrip().startswith('<section id="people-results"')
    assert "Mia Member" in page and "<html" not in page


def test_each_row_has_its_actions_include(admin_client, member):
    page = admin_client.get(reverse("settings_people")).content.decode()
    assert f'href="/org/settings/people/{member.pk}/"' in page and 'class="row-actions"' in page


def test_in_no_unit_ends_every_membership_and_says_so_in_the_audit(admin_client, member, open_invitation):
    response = admin_client.post(reverse("settings_person_place", args=[member.pk]), {"role": "member"})
    assert response.status_code == 302
    assert places(member) == set()
    open_invitation.refresh_from_db()
    assert open_invitation.withdrawn_reason == WithdrawnReason.LEFT_TEAM
    [row] = audit("person.move")
    assert row.details["after"] == {"places": []} and row.unit is None
