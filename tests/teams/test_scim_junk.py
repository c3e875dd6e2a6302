"""Junk sent to the SCIM API with a valid token answers a SCIM error (4xx, JSON), never a 5xx,
and an answer that refuses changes nothing. Bodies are generated: JSON of the wrong shapes,
strings with NUL bytes, lone surrogates, right-to-left marks, huge numbers, bytes that are
not JSON or not UTF-8; paths and filters too."""

import json
from urllib.parse import quote

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from teams.models import AuditEvent, ScimGroup
from teams.scim.tokens import token_create

pytestmark = pytest.mark.django_db

NASTY = [
    "\x00",
    "a\x00b",
    "\ud800",
    "\u202eevil",
    "<b>x</b>",
    "",
    " ",
    "1e400",
    str(10**40),
    "-1",
    "x" * 5000,
]
ATTRIBUTES = [
    "userName",
    "active",
    "name",
    "name.givenName",
    "displayName",
    "externalId",
    "members",
    "emails",
]
ATTRIBUTES += ["displayName", 'members[value eq "1"]', 'emails[type eq "work"].value', "nope", ""]
scalars = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=30),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False),
    st.sampled_from(["True", "False", "MEMBER", "x@acme.test"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(ATTRIBUTES + ["value", "op", "path"]), inner, max_size=3),
    ),
    max_leaves=8,
)
operations = st.lists(
    st.fixed_dictionaries(
        {"op": st.sampled_from(["add", "Replace", "remove", "explode", ""])},
        optional={"path": st.one_of(st.sampled_from(ATTRIBUTES), scalars), "value": values},
    ),
    max_size=3,
)
bodies = st.one_of(
    st.dictionaries(st.sampled_from(ATTRIBUTES + ["schemas"]), values, max_size=4).map(
        lambda body: json.dumps(body).encode("utf-8", "surrogatepass")
    ),
    st.builds(lambda ops: json.dumps({"Operations": ops}).encode("utf-8", "surrogatepass"), operations),
    st.sampled_from(
        [b"", b"null", b"[]", b'"x"', b"{", b"\xff\xfe", b'{"userName": "\\u0000@x.test"}', b"[" * 100_000]
    ),
    st.binary(max_size=100),
)
filters = st.one_of(
    st.sampled_from(
        ['userName eq "a"', "userName eq", 'title eq "x"', "(((", 'id eq "1"', 'members[value eq "x"]']
    ),
    st.text(max_size=40),
)


@pytest.fixture
def secret(org, org_admin, member):
    ScimGroup.objects.create(organization=org, display_name="Existing").members.add(member)
    return token_create(organization=org, name="Okta", acting_user=org_admin)[1]


def send(client, secret: str, method: str, path: str, body: bytes):
    """One request, undone afterwards (as tests/matrix.py does), so each example starts alike."""
    with transaction.atomic():
        audit_rows = AuditEvent.objects.count()
        response = client.generic(
            method,
            path,
            data=body,
            content_type="application/scim+json",
            headers={"Authorization": f"Bearer {secret}"},
        )
        written = AuditEvent.objects.count() - audit_rows
        transaction.set_rollback(True)
    return response, written


@settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"]),
    resource=st.sampled_from(["Users", "Groups"]),
    target=st.one_of(
        st.none(), st.just("member"), st.just("group"), st.sampled_from(NASTY[:4] + ["99999999"])
    ),
    body=bodies,
    filter_text=st.one_of(st.none(), filters),
    query=st.sampled_from(
        [
            "",
            "&startIndex=-5&count=99999",
            "&count=x",
            "&attributes=userName&excludedAttributes=x",
            f"&startIndex={10**40}",
        ]
    ),
)
def test_junk_gets_a_scim_answer_never_a_server_error(
    client, secret, member, method, resource, target, body, filter_text, query
):
    group = ScimGroup.objects.get()
    path = f"/scim/v2/{resource}"
    if target == "member":
        path += f"/{member.pk}"
    elif target == "group":
        path += f"/{group.pk}"
    elif target is not None:
        path += "/" + quote(target.encode("utf-8", "surrogatepass"), safe="")
    params = (
        f"filter={quote(filter_text.encode('utf-8', 'surrogatepass'), safe='')}" if filter_text else ""
    ) + query
    if params:
        path += "?" + params.lstrip("&")
    response, written = send(client, secret, method, path, body)
    assert response.status_code < 500, (method, path, body[:200], response.content[:300])
    if response.status_code >= 400:
        if response["Content-Type"] == "application/scim+json":
            error = json.loads(response.content)
            assert error["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"], response.content
        else:  # stopped before the API: the request guard (a NUL in the path), or no such URL
            assert response.status_code in (400, 404), (method, path)
        assert written == 0  # refused: nothing written
