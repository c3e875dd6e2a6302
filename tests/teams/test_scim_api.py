"""SCIM 2.0 provisioning over real HTTP (Django's live server, urllib): what Okta and Entra ID
send, and what they and the organization's people get back."""

import json
import urllib.request
from datetime import timedelta
from unittest import mock
from urllib.error import HTTPError
from urllib.parse import quote

import pytest
from django.utils import timezone

from surveys.models import Invitation
from surveys.rounds import round_open
from teams.models import AuditEvent, Membership, ScimGroup, User
from teams.scim.provisioning import group_map
from teams.scim.tokens import token_create, token_revoke
from tests.factories import MembershipFactory, OrganizationFactory, PurposeStatementFactory, UnitFactory

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


class Scim:
    """An identity provider's side of the conversation: requests with a bearer token."""

    def __init__(self, base: str, secret: str | None):
        self.base = base + "/scim/v2"
        self.secret = secret

    def __call__(self, method: str, path: str, body=None, *, raw: bytes | None = None):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        headers = {"Content-Type": "application/scim+json", "Accept": "application/scim+json"}
        if self.secret is not None:
            headers["Authorization"] = f"Bearer {self.secret}"
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, head, content = response.status, response.headers, response.read()
        except HTTPError as error:
            status, head, content = error.code, error.headers, error.read()
        return status, head, (json.loads(content) if content else None)

    def find(self, resource: str, filter_text: str, **params):
        query = "&".join(
            [f"filter={quote(filter_text)}"] + [f"{key}={value}" for key, value in params.items()]
        )
        return self("GET", f"/{resource}?{query}")


@pytest.fixture
def okta(live_server, org, org_admin):
    _, secret = token_create(organization=org, name="Okta", acting_user=org_admin)
    return Scim(live_server.url, secret)


def open_pulse(team):
    """The team's pulse is open: its members hold personal links."""
    PurposeStatementFactory(unit=team, version=1)
    now = timezone.now()
    with mock.patch("surveys.rounds.queue_invitation_emails"):
        return round_open(
            unit=team, scheduled_for=now, closes_at=now + timedelta(days=5), remind_at=None, now=now
        )


def new_user(scim, email="Nia.New@Acme.test", **more):
    body = {
        "schemas": [USER],
        "userName": email,
        "name": {"givenName": "Nia", "familyName": "New"},
        "emails": [{"primary": True, "value": email, "type": "work"}],
        "externalId": "00u1abc",
        "active": True,
        **more,
    }
    status, head, user = scim("POST", "/Users", body)
    assert status == 201, user
    return user


def test_a_user_is_created_read_and_found_by_the_filters_identity_providers_send(okta, org):
    user = new_user(okta)
    assert user["userName"] == "nia.new@acme.test"  # addresses are kept in lowercase
    assert user["name"]["formatted"] == "Nia New" and user["active"] is True
    assert user["externalId"] == "00u1abc"
    stored = User.objects.get(pk=user["id"])
    assert stored.organization == org and stored.name == "Nia New" and not stored.has_usable_password()
    audit = AuditEvent.objects.get(action="person.add")
    assert audit.details["actor"] == "SCIM token Okta" and audit.details["user"] == "nia.new@acme.test"

    status, head, got = okta("GET", f"/Users/{user['id']}")
    assert status == 200 and head["Content-Type"] == "application/scim+json"
    assert got["userName"] == "nia.new@acme.test" and got["meta"]["location"].endswith(f"/Users/{user['id']}")

    for filter_text in (
        'userName eq "NIA.NEW@acme.test"',  # Okta, any case
        'externalId eq "00u1abc"',
        'emails[type eq "work"].value eq "nia.new@acme.test"',  # Entra ID
        f'{USER}:userName eq "nia.new@acme.test"',
    ):
        status, _, found = okta.find("Users", filter_text)
        assert status == 200, filter_text
        assert found["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]
        assert [resource["id"] for resource in found["Resources"]] == [user["id"]], filter_text
        assert found["totalResults"] == 1
    _, _, none = okta.find("Users", 'userName eq "nobody@acme.test"')
    assert none["totalResults"] == 0 and none["Resources"] == []

    status, _, again = okta("POST", "/Users", {"schemas": [USER], "userName": "nia.new@acme.test"})
    assert status == 409 and again["scimType"] == "uniqueness" and again["schemas"] == [ERROR]
    assert User.objects.filter(email="nia.new@acme.test").count() == 1


def test_a_list_pages_with_start_index_and_count(okta, org, member, leader):
    new_user(okta, "a@acme.test", externalId="a")
    status, _, first = okta("GET", "/Users?startIndex=1&count=2")
    assert status == 200 and first["totalResults"] == 4  # the team's two people, the admin, the new one
    assert first["itemsPerPage"] == 2 and first["startIndex"] == 1
    _, _, rest = okta("GET", "/Users?startIndex=3&count=2")
    ids = [user["id"] for user in first["Resources"] + rest["Resources"]]
    assert sorted(ids, key=int) == ids and len(set(ids)) == 4
    assert {user.email for user in User.objects.filter(pk__in=ids)} == set(
        User.objects.filter(organization=org).values_list("email", flat=True)
    )


def test_deactivating_withdraws_open_invitations_and_keeps_the_person(okta, team, member):
    open_pulse(team)
    invitation = Invitation.objects.get(user=member)
    assert invitation.withdrawn_at is None

    # Okta: the attributes in the value, no path.
    status, _, user = okta(
        "PATCH",
        f"/Users/{member.pk}",
        {"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": False}}]},
    )
    assert status == 200 and user["active"] is False
    invitation.refresh_from_db()
    assert invitation.withdrawn_at is not None and invitation.withdrawn_reason
    member.refresh_from_db()
    assert not member.is_active and Membership.objects.filter(user=member, unit=team).exists()
    assert AuditEvent.objects.get(action="person.deactivate").details["actor"] == "SCIM token Okta"

    # Entra ID: a path, the operation capitalized and the boolean as a string.
    status, _, user = okta(
        "PATCH",
        f"/Users/{member.pk}",
        {"schemas": [PATCH], "Operations": [{"op": "Replace", "path": "active", "value": "True"}]},
    )
    assert status == 200 and user["active"] is True
    assert AuditEvent.objects.filter(action="person.reactivate").count() == 1

    # DELETE deactivates too: never a deletion.
    status, _, body = okta("DELETE", f"/Users/{member.pk}")
    assert status == 204 and body is None
    member.refresh_from_db()
    assert not member.is_active
    status, _, user = okta("GET", f"/Users/{member.pk}")
    assert status == 200 and user["active"] is False


def test_patch_with_paths_and_put_replace_the_person(okta):
    user = new_user(okta)
    operations = [
        {"op": "replace", "path": "name.givenName", "value": "Nina"},
        {"op": "Add", "path": 'emails[type eq "work"].value', "value": "ignored@acme.test"},
        {"op": "replace", "path": "title", "value": "Engineer"},  # not kept, not refused
    ]
    status, _, patched = okta("PATCH", f"/Users/{user['id']}", {"schemas": [PATCH], "Operations": operations})
    assert status == 200 and patched["name"]["formatted"] == "Nina New"
    assert patched["userName"] == "nia.new@acme.test"
    merge = [{"op": "add", "path": "name", "value": {"familyName": "Newton"}}]  # add keeps givenName
    patched = okta("PATCH", f"/Users/{user['id']}", {"schemas": [PATCH], "Operations": merge})[2]
    assert patched["name"]["formatted"] == "Nina Newton"

    status, _, put = okta(
        "PUT",
        f"/Users/{user['id']}",
        {"schemas": [USER], "userName": "Nina.Newer@Acme.test", "displayName": "Nina Newer", "active": True},
    )
    assert status == 200, put
    assert put["userName"] == "nina.newer@acme.test" and put["displayName"] == "Nina Newer"
    assert "externalId" not in put  # a PUT replaces the whole person
    stored = User.objects.get(pk=user["id"])
    assert (stored.email, stored.name) == ("nina.newer@acme.test", "Nina Newer")
    assert AuditEvent.objects.filter(action="person.change").count() == 3


def test_groups_fill_the_unit_they_are_mapped_to(okta, org, team, member, leader, org_admin):
    nia = new_user(okta)
    status, _, group = okta(
        "POST",
        "/Groups",
        {"schemas": [GROUP], "displayName": "Payments team", "members": [{"value": nia["id"]}]},
    )
    assert status == 201 and [m["value"] for m in group["members"]] == [nia["id"]]
    assert not Membership.objects.filter(user_id=nia["id"]).exists()  # not mapped: nothing changes

    _, _, found = okta.find("Groups", 'displayName eq "Payments team"', excludedAttributes="members")
    assert [g["id"] for g in found["Resources"]] == [group["id"]] and "members" not in found["Resources"][0]
    # Entra ID checks a membership with the group's id and a value path.
    _, _, found = okta.find("Groups", f'id eq "{group["id"]}" and members[value eq "{nia["id"]}"]')
    assert [g["id"] for g in found["Resources"]] == [group["id"]]
    assert okta.find("Groups", f'members[value eq "{member.pk}"]')[2]["totalResults"] == 0

    group_map(group=ScimGroup.objects.get(pk=group["id"]), unit=team, acting_user=org_admin)
    assert Membership.objects.get(user_id=nia["id"]).unit == team

    # Okta adds members with a path and a list.
    operations = [
        {"op": "add", "path": "members", "value": [{"value": str(member.pk)}, {"value": str(leader.pk)}]}
    ]
    status, _, _ = okta("PATCH", f"/Groups/{group['id']}", {"schemas": [PATCH], "Operations": operations})
    assert status == 204
    assert (
        Membership.objects.get(user=leader, unit=team).role == Membership.Role.LEADER
    )  # leaders stay leaders

    # Okta removes with a filter in the path, Entra ID with the members in the value.
    open_pulse(team)
    remove_member = [{"op": "remove", "path": f'members[value eq "{member.pk}"]'}]
    assert (
        okta("PATCH", f"/Groups/{group['id']}", {"schemas": [PATCH], "Operations": remove_member})[0] == 204
    )
    assert not Membership.objects.filter(user=member, unit=team).exists()
    assert Invitation.objects.get(user=member).withdrawn_at is not None  # left the team: link closed
    remove_leader = [{"op": "Remove", "path": "members", "value": [{"value": str(leader.pk)}]}]
    assert (
        okta("PATCH", f"/Groups/{group['id']}", {"schemas": [PATCH], "Operations": remove_leader})[0] == 204
    )
    assert Membership.objects.filter(user=leader, unit=team, role=Membership.Role.LEADER).exists()

    # PUT replaces the members and the name.
    status, _, put = okta(
        "PUT",
        f"/Groups/{group['id']}",
        {"schemas": [GROUP], "displayName": "Payments", "members": [{"value": str(member.pk)}]},
    )
    assert status == 200 and put["displayName"] == "Payments"
    assert [m["value"] for m in put["members"]] == [str(member.pk)]
    assert set(Membership.objects.filter(unit=team).values_list("user_id", "role")) == {
        (member.pk, "member"),
        (leader.pk, "leader"),
    }
    actions = set(
        AuditEvent.objects.filter(details__actor="SCIM token Okta").values_list("action", flat=True)
    )
    assert {"scim_group.create", "scim_group.change", "membership.add", "membership.remove"} <= actions


def test_another_organizations_token_sees_nothing_of_this_one(live_server, okta, member, org_admin):
    group = ScimGroup.objects.create(organization=member.organization, display_name="Payments")
    other = OrganizationFactory(name="Other Co", slug="other-co")
    _, secret = token_create(organization=other, name="Their Okta", acting_user=None)
    theirs = Scim(live_server.url, secret)
    MembershipFactory(unit=UnitFactory(organization=other), user__email="their@other.test")

    _, _, listed = theirs("GET", "/Users")
    assert [user["userName"] for user in listed["Resources"]] == ["their@other.test"]
    assert theirs.find("Users", f'userName eq "{member.email}"')[2]["totalResults"] == 0
    for method, path, body in (
        ("GET", f"/Users/{member.pk}", None),
        (
            "PATCH",
            f"/Users/{member.pk}",
            {"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": False}}]},
        ),
        ("PUT", f"/Users/{member.pk}", {"schemas": [USER], "userName": "taken@other.test"}),
        ("DELETE", f"/Users/{member.pk}", None),
        ("GET", f"/Groups/{group.pk}", None),
        ("DELETE", f"/Groups/{group.pk}", None),
    ):
        status, _, error = theirs(method, path, body)
        assert status == 404 and error["schemas"] == [ERROR], (method, path)
    status, _, error = theirs(
        "POST", "/Groups", {"displayName": "Raid", "members": [{"value": str(member.pk)}]}
    )
    assert status == 400 and error["scimType"] == "invalidValue"
    member.refresh_from_db()
    assert member.is_active and member.email != "taken@other.test"
    assert (
        ScimGroup.objects.filter(pk=group.pk).exists()
        and not ScimGroup.objects.filter(display_name="Raid").exists()
    )


def test_no_token_a_wrong_one_or_a_revoked_one_is_a_401(live_server, okta, org, member):
    revoked, revoked_secret = token_create(organization=org, name="Old", acting_user=None)
    token_revoke(token=revoked, acting_user=None)
    for secret in (None, "pp_scim_not-a-real-token", okta.secret + "x", revoked_secret, "Basic dXNlcjpwYXNz"):
        for method, path in (
            ("GET", "/Users"),
            ("GET", f"/Users/{member.pk}"),
            ("GET", "/ServiceProviderConfig"),
        ):
            status, head, error = Scim(live_server.url, secret)(method, path)
            assert status == 401, (secret, path)
            assert error["schemas"] == [ERROR] and error["status"] == "401"
            assert head["WWW-Authenticate"].startswith("Bearer")
    # A signed-in browser session is no token either, and a token is no way into the pages.
    status, _, _ = Scim(live_server.url, None)("POST", "/Users", {"userName": "x@acme.test"})
    assert status == 401 and not User.objects.filter(email="x@acme.test").exists()


def test_bad_input_gets_a_scim_error_and_changes_nothing(okta, member):
    status, head, error = okta("POST", "/Users", raw=b'{"userName": "broken@acme.test",')
    assert status == 400 and head["Content-Type"] == "application/scim+json"
    assert error["schemas"] == [ERROR] and error["scimType"] == "invalidSyntax" and "JSON" in error["detail"]
    assert not User.objects.filter(email__startswith="broken").exists()

    status, _, error = okta("POST", "/Users", {"userName": "not an address"})
    assert status == 400 and error["scimType"] == "invalidValue" and "email" in error["detail"]
    status, _, error = okta("POST", "/Users", {"userName": "rtl@acme.test", "displayName": "Eve\u202eliam"})
    assert status == 400 and "right-to-left" in error["detail"]
    assert not User.objects.filter(email="rtl@acme.test").exists()

    status, _, error = okta.find("Users", 'title eq "Boss"')
    assert status == 400 and error["scimType"] == "invalidFilter"
    status, _, error = okta.find("Users", 'userName eq "x" and title eq "Boss"')  # never quietly widened
    assert status == 400 and error["scimType"] == "invalidFilter"
    status, _, error = okta.find("Users", "userName eq")
    assert status == 400 and error["scimType"] == "invalidFilter"

    bad_patch = {
        "schemas": [PATCH],
        "Operations": [{"op": "replace", "value": {"active": False}}, {"op": "explode"}],
    }
    status, _, error = okta("PATCH", f"/Users/{member.pk}", bad_patch)
    assert status == 400 and error["scimType"] == "invalidSyntax"
    member.refresh_from_db()
    assert member.is_active  # nothing half-written

    status, _, error = okta("POST", "/Groups", {"displayName": "Ghosts", "members": [{"value": "999999"}]})
    assert status == 400 and not ScimGroup.objects.filter(display_name="Ghosts").exists()
    first = okta("POST", "/Groups", {"displayName": "Sales"})[2]
    okta("POST", "/Groups", {"displayName": "Support"})
    rename = {
        "schemas": [PATCH],
        "Operations": [{"op": "replace", "path": "displayName", "value": "Support"}],
    }
    status, _, error = okta("PATCH", f"/Groups/{first['id']}", rename)
    assert status == 409 and error["scimType"] == "uniqueness"
    assert okta("GET", f"/Groups/{first['id']}")[2]["displayName"] == "Sales"
    status, _, error = okta("DELETE", "/Users")
    assert status == 405 and error["schemas"] == [ERROR]


def test_the_service_describes_itself(okta):
    status, head, config = okta("GET", "/ServiceProviderConfig")
    assert status == 200 and head["Content-Type"] == "application/scim+json"
    assert config["patch"]["supported"] is True and config["filter"]["supported"] is True
    assert config["authenticationSchemes"][0]["type"] == "oauthbearertoken"
    _, _, types = okta("GET", "/ResourceTypes")
    assert {(t["name"], t["endpoint"]) for t in types["Resources"]} == {
        ("User", "/Users"),
        ("Group", "/Groups"),
    }
    assert okta("GET", "/ResourceTypes/User")[2]["schema"] == USER
    _, _, schemas = okta("GET", "/Schemas")
    assert {schema["id"] for schema in schemas["Resources"]} == {USER, GROUP}
    status, _, user_schema = okta("GET", f"/Schemas/{USER}")
    assert status == 200 and "userName" in {attribute["name"] for attribute in user_schema["attributes"]}
    assert okta("GET", "/Schemas/urn:nothing")[0] == 404
