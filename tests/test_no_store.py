"""Every page is someone's private data: no browser or proxy may keep a copy.

The URLs come from the resolver, so a new view can't be forgotten.
"""

import re
from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from surveys.models import Invitation
from surveys.rounds import round_open
from teams.models import ImportJob
from tests.factories import PurposeStatementFactory

pytestmark = pytest.mark.django_db

PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


def routes(resolver: URLResolver | None = None, prefix: str = "/") -> list[str]:
    found = []
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace != "admin":  # the admin marks its own pages never_cache
                found += routes(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            found.append(prefix + str(pattern.pattern))
    return found


@pytest.fixture
def values(team, member, leader):
    statement = PurposeStatementFactory(unit=team, version=1)
    now = timezone.now()
    pulse_round = round_open(
        unit=team, scheduled_for=now, closes_at=now + timedelta(days=3), remind_at=None, now=now
    )
    return {
        "unit_id": team.pk,
        "token": Invitation.objects.get(round=pulse_round, user=member).token,
        "version": statement.version,
        "key": "abc",
        "uidb64": "MQ",
        "person_id": member.pk,
        "job_id": ImportJob.objects.create(organization=team.organization, file_name="people.csv").pk,
        "scim_id": member.pk,
    }


def fill(route: str, values: dict) -> str:
    return PARAMETER.sub(lambda m: str(values[m.group(1)]), route)


def test_the_resolver_lists_the_pages_that_matter():
    found = set(routes())
    for route in (
        "/dashboard/",
        "/dashboard/export.csv",
        "/units/<int:unit_id>/dashboard/",
        "/p/<str:token>/",
    ):
        assert route in found


@pytest.mark.parametrize("who", ["anonymous", "member", "leader", "executive"])
def test_every_page_says_no_store(client, values, request, who):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    for route in routes():
        url = fill(route, values)
        for response in (client.get(url), client.get(url, HTTP_HX_REQUEST="true")):
            assert "no-store" in response.get("Cache-Control", ""), (who, url, response.status_code)
            assert response.status_code < 500, (who, url)


def test_static_files_keep_their_own_cache_headers(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200 and "no-store" not in response.get("Cache-Control", "")
