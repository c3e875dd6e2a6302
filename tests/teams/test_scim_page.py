"""The organization admin's SCIM page: tokens shown once and kept hashed, replaced and revoked;
groups mapped to units. Organization admins only; another organization's ids are a 404."""

import pytest
from django.urls import reverse

from teams.models import AuditEvent, Membership, ScimGroup, ScimToken, User
from teams.scim.tokens import token_create
from tests.factories import OrganizationFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db
PAGE = reverse("scim_settings")


def scim_get(client, secret: str, path: str = "/scim/v2/Users"):
    return client.get(path, headers={"Authorization": f"Bearer {secret}"})


def test_only_the_organizations_admins_reach_the_page(client, login, leader, executive, member, org_admin):
    assert client.get(PAGE).status_code == 302
    for person in (leader, executive, member):
        assert login(person).get(PAGE).status_code == 403
        assert login(person).post(PAGE, {"action": "create", "name": "Mine"}).status_code == 403
    assert not ScimToken.objects.exists()
    assert login(org_admin).get(PAGE).status_code == 200


def test_a_token_is_shown_once_kept_hashed_and_works(client, login, org_admin, org):
    admin = login(org_admin)
    page = admin.post(PAGE, {"action": "create", "name": "Okta production"}, follow=True).content.decode()
    token = ScimToken.objects.get()
    secret = page.split('<code class="secret">')[1].split("</code>")[0]
    assert secret.startswith("pp_scim_") and len(secret) > 40
    assert "shown only this once" in page and "/scim/v2" in page
    assert token.digest != secret and secret not in str(ScimToken.objects.values().get())
    assert secret not in admin.get(PAGE).content.decode()  # never again: a reload doesn't show it
    assert ScimToken.objects.count() == 1
    assert AuditEvent.objects.filter(action="scim_token.create", actor=org_admin).exists()

    assert scim_get(client, secret).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert "never" not in admin.get(PAGE).content.decode().split("Okta production")[1].split("</tr>")[0]


def test_replacing_stops_the_old_secret_and_revoking_stops_the_token(client, login, org_admin, org):
    token, old = token_create(organization=org, name="Entra", acting_user=org_admin)
    admin = login(org_admin)
    page = admin.post(PAGE, {"action": "replace", "token": token.pk}, follow=True).content.decode()
    new = page.split('<code class="secret">')[1].split("</code>")[0]
    assert new != old
    assert scim_get(client, old).status_code == 401
    assert scim_get(client, new).status_code == 200
    page = admin.post(PAGE, {"action": "revoke", "token": token.pk}, follow=True).content.decode()
    assert "is revoked" in page
    assert scim_get(client, new).status_code == 401
    assert {"scim_token.replace", "scim_token.revoke"} <= set(
        AuditEvent.objects.values_list("action", flat=True)
    )


def test_a_token_needs_a_name_and_the_form_keeps_what_was_typed(login, org_admin):
    response = login(org_admin).post(PAGE, {"action": "create", "name": "x" * 101})
    assert response.status_code == 400 and "x" * 101 in response.content.decode()
    assert login(org_admin).post(PAGE, {"action": "create", "name": ""}).status_code == 400
    assert not ScimToken.objects.exists()


def test_mapping_a_group_makes_its_people_members_and_unmapping_takes_them_out(
    login, org_admin, org, team, leader
):
    people = [UserFactory(organization=org) for _ in range(2)]
    group = ScimGroup.objects.create(organization=org, display_name="Payments team")
    group.members.set([*people, leader])
    admin = login(org_admin)
    page = admin.get(PAGE).content.decode()
    assert "Payments team" in page and "Not mapped: changes nothing" in page

    response = admin.post(PAGE, {"action": "map", "group": group.pk, "unit": team.pk}, follow=True)
    assert response.status_code == 200 and "now stands for Payments" in response.content.decode()
    assert set(Membership.objects.filter(unit=team).values_list("user_id", "role")) == {
        (people[0].pk, "member"),
        (people[1].pk, "member"),
        (leader.pk, "leader"),
    }
    assert AuditEvent.objects.filter(action="scim_group.map", actor=org_admin, unit=team).exists()

    admin.post(PAGE, {"action": "map", "group": group.pk, "unit": ""})
    assert list(Membership.objects.filter(unit=team).values_list("user_id", flat=True)) == [leader.pk]


def test_another_organizations_ids_are_a_404_and_its_units_are_refused(login, org_admin, org):
    other = OrganizationFactory(name="Other Co", slug="other-co")
    their_token, _ = token_create(organization=other, name="Theirs", acting_user=None)
    their_group = ScimGroup.objects.create(organization=other, display_name="Theirs")
    admin = login(org_admin)
    assert admin.post(PAGE, {"action": "revoke", "token": their_token.pk}).status_code == 404
    assert admin.post(PAGE, {"action": "replace", "token": their_token.pk}).status_code == 404
    assert admin.post(PAGE, {"action": "map", "group": their_group.pk, "unit": ""}).status_code == 404
    their_token.refresh_from_db()
    assert their_token.revoked_at is None

    ours = ScimGroup.objects.create(organization=org, display_name="Ours")
    their_unit = UnitFactory(organization=other)
    response = admin.post(PAGE, {"action": "map", "group": ours.pk, "unit": their_unit.pk})
    assert response.status_code == 400 and "valid choice" in response.content.decode()
    ours.refresh_from_db()
    assert ours.unit is None


def test_a_superuser_in_no_organization_is_refused(login):
    root = User.objects.create_superuser("root@example.com", "pw-not-used-here-1")
    assert login(root).get(PAGE).status_code == 403
