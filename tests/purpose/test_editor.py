import pytest
from django.urls import reverse

from purpose.models import PURPOSE_MAX_LENGTH, PurposeStatement
from teams.models import AuditEvent

pytestmark = pytest.mark.django_db


def edit_url(unit):
    return reverse("purpose_edit", args=[unit.pk])


def post_purpose(
    client, unit, *, purpose="We get every sale paid, fast.", fit="We feed Payouts.", base=0, **headers
):
    return client.post(edit_url(unit), {"purpose": purpose, "fit": fit, "base_version": base}, **headers)


def test_anonymous_is_sent_to_login(client, team):
    response = client.get(edit_url(team))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_outsider_gets_404_for_another_organizations_unit(login, team, outsider):
    client = login(outsider)
    assert client.get(edit_url(team)).status_code == 404
    assert post_purpose(client, team).status_code == 404
    assert not PurposeStatement.objects.filter(unit=team).exists()


def test_member_can_read_but_not_edit(login, team, member):
    client = login(member)
    page = client.get(reverse("unit_detail", args=[team.pk]))
    assert page.status_code == 200
    assert b"Edit purpose" not in page.content
    assert client.get(edit_url(team)).status_code == 403


def test_member_crafted_post_is_refused_and_writes_nothing(login, team, member):
    response = post_purpose(login(member), team)
    assert response.status_code == 403
    assert not PurposeStatement.objects.filter(unit=team).exists()
    assert not AuditEvent.objects.filter(action="purpose.edit").exists()


def test_leader_of_another_team_cannot_edit(login, org, team, leader):
    from tests.factories import MembershipFactory, UnitFactory

    other_team = UnitFactory(organization=org, name="Payouts")
    other_leader = MembershipFactory(unit=other_team, role="leader").user
    assert post_purpose(login(other_leader), team).status_code == 403


def test_wrong_method_is_refused(login, team, leader):
    assert login(leader).put(edit_url(team)).status_code == 405


def test_editor_shows_parent_purpose_for_context(login, team, leader):
    page = login(leader).get(edit_url(team))
    assert page.status_code == 200
    assert b"How your team fits into Product" in page.content
    assert b"We build the products our customers love." in page.content


def test_leader_saves_first_version_with_audit_row(login, team, leader):
    response = post_purpose(login(leader), team, purpose="  We make paying effortless.  ")
    assert response.status_code == 302
    statement = PurposeStatement.objects.get(unit=team)
    assert (statement.version, statement.purpose, statement.author) == (
        1,
        "We make paying effortless.",
        leader,
    )
    event = AuditEvent.objects.get(action="purpose.edit")
    assert (event.action, event.actor, event.unit, event.details["version"]) == (
        "purpose.edit",
        leader,
        team,
        1,
    )


def test_saving_again_adds_a_version_and_keeps_the_old_one(login, team, leader):
    client = login(leader)
    post_purpose(client, team, purpose="First words.", base=0)
    post_purpose(client, team, purpose="Second words.", base=1)
    assert list(team.purpose_versions.order_by("version").values_list("version", "purpose")) == [
        (1, "First words."),
        (2, "Second words."),
    ]


def test_htmx_save_returns_only_the_card_with_the_new_version(login, team, leader):
    response = post_purpose(login(leader), team, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="purpose-card"' in html
    assert "version 1" in html and "Saved just now" in html


def test_htmx_get_returns_only_the_editor_fragment(login, team, leader):
    html = login(leader).get(edit_url(team), HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in html and 'id="editor-title"' in html


def test_empty_purpose_gets_a_clear_message_and_keeps_the_fit(login, team, leader):
    response = post_purpose(login(leader), team, purpose="   ", fit="Kept fit text")
    assert response.status_code == 422
    html = response.content.decode()
    assert "Write the team&#x27;s purpose" in html
    assert "Kept fit text" in html
    assert not PurposeStatement.objects.filter(unit=team).exists()


def test_over_long_purpose_is_refused_and_kept(login, team, leader):
    text = "x" * (PURPOSE_MAX_LENGTH + 1)
    response = post_purpose(login(leader), team, purpose=text)
    assert response.status_code == 422
    assert f"under {PURPOSE_MAX_LENGTH} characters" in response.content.decode()
    assert text in response.content.decode()
    assert not PurposeStatement.objects.filter(unit=team).exists()


def test_stale_edit_keeps_typed_text_and_shows_the_colleagues_version(login, team, leader, org_admin):
    post_purpose(login(org_admin), team, purpose="Admin's version.", base=0)
    response = post_purpose(login(leader), team, purpose="Leader's words, typed on an old page.", base=0)
    html = response.content.decode()
    assert response.status_code == 409
    assert "saved version 1 while you were editing" in html
    assert "Leader&#x27;s words, typed on an old page." in html
    assert "Admin&#x27;s version." in html
    # The form now builds on version 1, so saving again is a deliberate overwrite.
    assert 'name="base_version" value="1"' in html
    assert team.purpose_versions.count() == 1


def test_org_admin_can_edit_any_unit(login, team, org_admin):
    assert post_purpose(login(org_admin), team).status_code == 302


def test_history_shows_every_version_with_a_diff(login, team, leader, member):
    client = login(leader)
    post_purpose(client, team, purpose="We process payments.", base=0)
    post_purpose(client, team, purpose="We make payments effortless.", base=1)
    html = login(member).get(reverse("purpose_history", args=[team.pk])).content.decode()
    assert "Version 2" in html and "Version 1" in html
    assert "<del>process</del>" in html
    assert "<ins>make</ins>" in html
    assert "Lee Leader" in html


def test_version_page_diffs_against_the_previous_version(login, team, leader):
    client = login(leader)
    post_purpose(client, team, purpose="Old idea.", base=0)
    post_purpose(client, team, purpose="New idea.", base=1)
    html = client.get(reverse("purpose_version", args=[team.pk, 2]), HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in html
    assert "<del>Old</del><ins>New</ins>" in html
    assert client.get(reverse("purpose_version", args=[team.pk, 9])).status_code == 404


def test_history_of_another_organization_is_404(login, team, outsider):
    assert login(outsider).get(reverse("purpose_history", args=[team.pk])).status_code == 404


def test_diff_escapes_html(login, team, leader):
    client = login(leader)
    post_purpose(client, team, purpose="Plain.", base=0)
    post_purpose(client, team, purpose="<script>alert(1)</script>", base=1)
    html = client.get(reverse("purpose_history", args=[team.pk])).content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;" in html
