"""Issue 14, the purpose editor: no identical versions, key ideas on "what changed", a restored
draft shown beside a colleague's newer version. Each test failed before its fix."""

import pytest
from django.urls import reverse

from purpose.models import PurposeStatement
from purpose.services import purpose_update
from tests.purpose.test_editor import edit_url

pytestmark = pytest.mark.django_db

PURPOSE = "We get every sale paid, fast."
FIT = "We feed Payouts."
IDEAS = ["every sale paid", "fast"]


@pytest.fixture
def version_1(team, leader):
    return purpose_update(unit=team, purpose=PURPOSE, fit=FIT, author=leader, base_version=0, key_ideas=IDEAS)


def save(client, unit, *, purpose=PURPOSE, fit=FIT, ideas=IDEAS, base=1, fields=None, **options):
    data = {"purpose": purpose, "fit": fit, "key_ideas": "\n".join(ideas), "ideas_for": purpose}
    return client.post(edit_url(unit), data | {"base_version": base} | (fields or {}), **options)


def test_saving_with_no_change_makes_no_new_version_and_says_so(login, team, leader, version_1):
    client = login(leader)
    response = save(client, team, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert (
        "Nothing changed, so no new version was made: version 1 stays in force." in response.content.decode()
    )
    assert PurposeStatement.objects.filter(unit=team).count() == 1
    follow = save(client, team, purpose=PURPOSE + "  ", follow=True)  # spacing around is not a change
    assert "Nothing changed" in follow.content.decode()
    assert PurposeStatement.objects.filter(unit=team).count() == 1


def test_changing_only_the_key_ideas_is_a_change_and_shows_on_what_changed(login, team, leader, version_1):
    client = login(leader)
    assert save(client, team, ideas=["every sale paid", "trust"]).status_code == 302
    assert PurposeStatement.objects.filter(unit=team).count() == 2
    html = client.get(reverse("purpose_version", args=[team.pk, 2])).content.decode()
    assert "<ins>trust</ins>" in html and "<del>fast</del>" in html
    assert "every sale paid" in html


def test_a_restored_draft_shows_a_colleagues_newer_version_beside_it(
    login, team, leader, org_admin, version_1
):
    """The leader's draft was begun on version 1; an admin saved version 2 meanwhile."""
    purpose_update(unit=team, purpose="The admin's wording.", fit=FIT, author=org_admin, base_version=1)
    client = login(leader)
    response = save(
        client, team, purpose="My draft, typed on version 1.", base=1, fields={"restore_draft": "1"}
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "saved version 2 while you were editing" in html
    assert "The admin&#x27;s wording." in html  # theirs, beside
    assert "My draft, typed on version 1." in html  # mine, in the field
    assert 'name="base_version" value="2"' in html  # the next save goes on top of theirs
    assert "data-restored" in html
    assert PurposeStatement.objects.filter(unit=team).count() == 2  # putting back saves nothing


def test_a_restored_draft_with_no_newer_version_is_put_back_quietly(login, team, leader, version_1):
    response = save(login(leader), team, purpose="My draft.", base=1, fields={"restore_draft": "1"})
    assert response.status_code == 200
    assert "while you were editing" not in response.content.decode()
    assert PurposeStatement.objects.filter(unit=team).count() == 1
