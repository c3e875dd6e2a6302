"""Organization settings in the product's own pages: the organization, its units and the default
pulse schedule. Only the organization's admins; every change is an audit row with before and after.
(Who may use each URL is in tests/permission_matrix.toml; people are in test_settings_people.py.)"""

import html
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from config.timezones import organization_zone_name
from surveys.models import PulseSchedule
from surveys.scheduling import schedule_save
from surveys.selectors import schedule_in_force
from teams.models import AuditEvent, Organization, Unit
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    PurposeStatementFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def text(response) -> str:
    """The page as a reader sees it (entities such as &#x27; unescaped)."""
    return html.unescape(response.content.decode())


def audit(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


@pytest.fixture
def admin_client(login, org_admin):
    return login(org_admin)


@pytest.fixture
def other_org_unit(db):
    other = OrganizationFactory(name="Globex", slug="globex")
    return UnitFactory(organization=other, name="Globex Sales")


# --- who sees the settings ------------------------------------------------------------------


def test_the_navigation_offers_settings_to_admins_only(login, org_admin, executive, leader):
    assert 'href="/org/settings/"' in text(login(org_admin).get(reverse("home")))
    for someone in (executive, leader):
        assert 'href="/org/settings/"' not in text(login(someone).get(reverse("home")))


def test_the_settings_link_is_marked_current_on_every_page_of_the_settings_area(admin_client):
    current = 'href="/org/settings/" aria-current="page"'
    for name in ("settings_organization", "settings_people", "invitations", "sso_settings", "scim_settings"):
        assert current in text(admin_client.get(reverse(name))), name
    assert current not in text(admin_client.get(reverse("home")))


def test_an_executive_is_refused_every_settings_page(login, executive, team):
    client = login(executive)
    for url in (
        reverse("settings_organization"),
        reverse("settings_units"),
        reverse("settings_unit", args=[team.pk]),
        reverse("settings_people"),
        reverse("settings_schedule"),
    ):
        assert client.get(url).status_code == 403
    assert client.post(reverse("settings_organization"), {"name": "Mine now"}).status_code == 403
    assert Organization.objects.get(pk=team.organization_id).name == "Acme"


def test_another_organizations_unit_is_a_404_to_an_admin(admin_client, other_org_unit):
    assert admin_client.get(reverse("settings_unit", args=[other_org_unit.pk])).status_code == 404
    posted = admin_client.post(
        reverse("settings_unit", args=[other_org_unit.pk]), {"name": "Taken", "kind": "team"}
    )
    assert posted.status_code == 404
    assert admin_client.post(reverse("settings_unit_delete", args=[other_org_unit.pk])).status_code == 404
    assert Unit.objects.filter(pk=other_org_unit.pk, name="Globex Sales").exists()


def test_an_admin_of_another_organization_gets_404s_for_ours(login, team, member):
    other_admin = UserFactory(organization=OrganizationFactory(), org_role="admin")
    client = login(other_admin)
    assert client.get(reverse("settings_unit", args=[team.pk])).status_code == 404
    assert client.get(reverse("settings_person", args=[member.pk])).status_code == 404
    assert (
        client.post(reverse("settings_person_active", args=[member.pk]), {"active": "0"}).status_code == 404
    )
    member.refresh_from_db()
    assert member.is_active


# --- the organization -----------------------------------------------------------------------


def org_form(org, **changes) -> dict:
    values = {
        "name": org.name,
        "time_zone": org.time_zone,
        "min_group_size": org.min_group_size,
        "min_verbatim_size": org.min_verbatim_size,
    }
    return {**values, **changes}


def test_raising_the_threshold_is_saved_and_audited_with_before_and_after(admin_client, org, org_admin):
    page = admin_client.get(reverse("settings_organization"))
    assert "No score, count, chart or export describes fewer people than this" in text(page)
    assert "shows nothing more of them" in text(page)  # how insights.disclosure applies it
    response = admin_client.post(
        reverse("settings_organization"), org_form(org, min_group_size=7, min_verbatim_size=8)
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.min_group_size, org.min_verbatim_size) == (7, 8)
    [row] = audit("organization.change")
    assert row.actor == org_admin and row.organization == org
    assert row.details["before"] == {"min_group_size": 5, "min_verbatim_size": 5}
    assert row.details["after"] == {"min_group_size": 7, "min_verbatim_size": 8}
    # Saving again unchanged writes nothing.
    admin_client.post(reverse("settings_organization"), org_form(org))
    assert len(audit("organization.change")) == 1


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"min_group_size": 2}, "min_group_size", "At least 3"),
        ({"min_group_size": 11, "min_verbatim_size": 12}, "min_group_size", "At most 10"),
        ({"min_group_size": 6, "min_verbatim_size": 4}, "min_verbatim_size", "at least as many people"),
        ({"min_verbatim_size": 21}, "min_verbatim_size", "At most 20"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", "is not a time zone we know"),
        ({"name": "<script>x</script>"}, "name", "contains < or >"),
        ({"name": "Acme\u202eevil"}, "name", "right-to-left"),
    ],
)
def test_bad_settings_are_refused_with_the_reason_and_what_was_typed(
    admin_client, org, changes, field, message
):
    response = admin_client.post(reverse("settings_organization"), org_form(org, **changes))
    assert response.status_code == 422
    form = response.context["form"]
    assert any(message in error for error in form.errors[field])
    assert message in text(response)
    page = response.content.decode()
    assert f'id="id_{field}_error"' in page and 'aria-invalid="true"' in page
    typed = str(changes.get(field))
    assert form[field].value() == typed or str(form[field].value()) == typed
    assert Organization.objects.get(pk=org.pk).min_group_size == 5
    assert not audit("organization.change")


def test_a_new_time_zone_moves_the_next_pulses_to_the_same_local_time(admin_client, org, time_machine):
    time_machine.move_to(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))  # a Monday
    default = schedule_save(schedule=PulseSchedule(organization=org, weekday=2), acting_user=None)
    assert default.next_slot_at == datetime(2026, 3, 4, 9, 0, tzinfo=UTC)  # 09:00 in UTC
    response = admin_client.post(
        reverse("settings_organization"), org_form(org, time_zone="America/New_York")
    )
    assert response.status_code == 302
    default.refresh_from_db()
    assert default.next_slot_at.astimezone(ZoneInfo("America/New_York")).hour == 9
    assert default.next_slot_at == datetime(2026, 3, 4, 14, 0, tzinfo=UTC)
    [row] = audit("organization.change")
    assert row.details == {"before": {"time_zone": "UTC"}, "after": {"time_zone": "America/New_York"}}


def test_pages_read_a_new_time_zone_at_once(admin_client, org, django_capture_on_commit_callbacks):
    assert organization_zone_name(org.pk) == "UTC"  # kept for the next pages
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("settings_organization"), org_form(org, time_zone="Asia/Tokyo"))
    assert organization_zone_name(org.pk) == "Asia/Tokyo"


# --- units ----------------------------------------------------------------------------------


def test_the_unit_tree_lists_every_unit_with_its_leaders_and_counts(
    admin_client, team, leader, member, division
):
    MembershipFactory(unit=team, user__is_active=False)  # deactivated: not counted
    page = admin_client.get(reverse("settings_units"))
    assert page.status_code == 200
    rows = {unit.name: unit for unit in page.context["page"]}
    assert list(rows) == ["Product", "Payments"]  # tree order: the division, then its team
    assert rows["Payments"].tree_depth == 1 and 'class="indent-1"' in text(page)
    assert (rows["Payments"].member_count, rows["Product"].child_count) == (1, 1)
    assert [m.user for m in rows["Payments"].leader_memberships] == [leader]


def test_adding_a_unit_is_audited_and_a_clash_of_names_keeps_what_was_typed(
    admin_client, org, division, org_admin
):
    response = admin_client.post(
        reverse("settings_units"), {"name": "  Billing ", "kind": "team", "parent": division.name}
    )
    assert response.status_code == 302
    billing = Unit.objects.get(name="Billing")
    assert billing.parent == division and billing.organization == org
    [row] = audit("unit.add")
    assert row.unit == billing and row.actor == org_admin
    assert row.details == {
        "before": None,
        "after": {"name": "Billing", "kind": "team", "parent": "Product", "parent_id": division.pk},
    }
    again = admin_client.post(
        reverse("settings_units"), {"name": "billing", "kind": "team", "parent": division.name}
    )
    assert again.status_code == 409
    assert "There is already a unit called “billing” in “Product”" in text(again)
    assert again.context["form"]["name"].value() == "billing"
    assert Unit.objects.filter(name__iexact="billing").count() == 1


def test_a_unit_of_another_organization_is_refused_as_parent(admin_client, team, other_org_unit):
    response = admin_client.post(
        reverse("settings_unit", args=[team.pk]),
        {"name": "Payments", "kind": "team", "parent": other_org_unit.name},
    )
    assert response.status_code == 422
    assert "No unit of your organization is called" in text(response)
    team.refresh_from_db()
    assert team.parent.name == "Product"
    added = admin_client.post(
        reverse("settings_units"), {"name": "Spy", "kind": "team", "parent": other_org_unit.name}
    )
    assert added.status_code == 422 and not Unit.objects.filter(name="Spy").exists()


def test_renaming_and_moving_a_unit_is_audited_with_before_and_after(admin_client, org, team, division):
    other = UnitFactory(organization=org, name="Platform", kind="division")
    response = admin_client.post(
        reverse("settings_unit", args=[team.pk]),
        {"name": "Payments & Billing", "kind": "team", "parent": other.name},
    )
    assert response.status_code == 302
    team.refresh_from_db()
    assert (team.name, team.parent_id) == ("Payments & Billing", other.pk)
    [row] = audit("unit.move")
    assert row.details["before"] == {
        "name": "Payments",
        "kind": "team",
        "parent": "Product",
        "parent_id": division.pk,
    }
    assert (
        row.details["after"]["parent"] == "Platform" and row.details["after"]["name"] == "Payments & Billing"
    )


@pytest.mark.parametrize("target", ["itself", "inside"])
def test_moving_a_unit_under_itself_or_a_unit_inside_it_is_refused(admin_client, team, division, target):
    parent = division if target == "itself" else team
    response = admin_client.post(
        reverse("settings_unit", args=[division.pk]),
        {"name": "Product", "kind": "division", "parent": parent.name},
    )
    assert response.status_code == 409
    if target == "itself":
        assert "“Product” can't be inside itself" in text(response)
    else:
        assert "“Payments” is inside “Product”, so “Product” can't move under it" in text(response)
    assert response.context["form"]["parent"].value() == parent.name  # as typed
    division.refresh_from_db()
    assert division.parent_id is None
    assert not audit("unit.move") and not audit("unit.change")


def test_a_unit_with_people_units_or_history_is_not_deleted_and_the_page_says_why(
    admin_client, team, division, member
):
    page = admin_client.get(reverse("settings_unit", args=[division.pk]))
    assert "It has 1 unit inside it" in text(page)
    assert "It has a history that deleting would erase: 1 purpose statement" in text(
        page
    )  # the division's purpose
    response = admin_client.post(reverse("settings_unit_delete", args=[team.pk]))
    assert response.status_code == 409
    assert "1 person is in it" in text(response)
    assert Unit.objects.filter(pk=team.pk).exists() and not audit("unit.delete")


def test_an_empty_unit_is_deleted_and_audited(admin_client, org, division, org_admin):
    empty = UnitFactory(organization=org, parent=division, name="Old team")
    PulseSchedule.objects.create(organization=org, unit=empty)  # its own settings go with it
    page = admin_client.get(reverse("settings_unit", args=[empty.pk]))
    assert "is empty" in text(page)
    response = admin_client.post(reverse("settings_unit_delete", args=[empty.pk]))
    assert response.status_code == 302
    assert not Unit.objects.filter(pk=empty.pk).exists()
    [row] = audit("unit.delete")
    assert (
        row.actor == org_admin
        and row.details["before"]["name"] == "Old team"
        and row.details["after"] is None
    )


def test_a_purpose_written_blocks_deleting_even_without_people(admin_client, org):
    written = UnitFactory(organization=org, name="Has a purpose")
    PurposeStatementFactory(unit=written)
    response = admin_client.post(reverse("settings_unit_delete", args=[written.pk]))
    assert response.status_code == 409 and "history" in text(response)


# --- the default pulse schedule -------------------------------------------------------------


def test_the_default_schedule_is_created_audited_and_followed_by_new_units(admin_client, org, team, division):
    page = admin_client.get(reverse("settings_schedule"))
    assert "There is no default yet" in text(page)
    form = {
        "is_active": "on",
        "cadence": "biweekly",
        "weekday": "2",
        "day_of_month": "1",
        "local_time": "10:30",
        "open_days": "4",
        "remind_after_days": "2",
    }
    assert admin_client.post(reverse("settings_schedule"), form).status_code == 302
    default = PulseSchedule.objects.get(organization=org, unit__isnull=True)
    assert default.describe() == "every two weeks on Wednesday at 10:30, open 4 days"
    [row] = audit("pulse_schedule.save")
    assert row.unit is None and row.details["before"] is None
    # A unit added in the settings follows it, and the team's own schedule starts from it.
    admin_client.post(reverse("settings_units"), {"name": "Billing", "kind": "team", "parent": division.name})
    billing = Unit.objects.get(name="Billing")
    assert schedule_in_force(billing) == default
    pulses = admin_client.get(reverse("unit_pulses", args=[billing.pk]))
    assert pulses.context["form"]["cadence"].value() == "biweekly"
    # Changing it keeps before and after.
    admin_client.post(reverse("settings_schedule"), {**form, "cadence": "weekly"})
    row = audit("pulse_schedule.save")[-1]
    assert row.details["before"]["schedule"].startswith("every two weeks")
    assert row.details["schedule"].startswith("every week")
    assert "3 units follow it" in text(admin_client.get(reverse("settings_schedule")))


def test_a_bad_default_schedule_keeps_what_was_typed(admin_client, org):
    form = {
        "is_active": "on",
        "cadence": "weekly",
        "weekday": "0",
        "day_of_month": "1",
        "local_time": "09:00",
        "open_days": "9",
    }
    response = admin_client.post(reverse("settings_schedule"), form)
    assert response.status_code == 422
    assert "can stay open at most 6 days" in text(response)
    assert response.context["form"]["open_days"].value() == "9"
    assert not PulseSchedule.objects.filter(organization=org).exists()


def test_a_unit_is_named_by_its_path_when_its_name_is_not_unique(admin_client, org, team, division):
    platform = UnitFactory(organization=org, name="Platform", kind="division")
    UnitFactory(organization=org, parent=platform, name="Payments")
    form = {"name": "Card issuing", "kind": "team", "parent": "payments"}
    response = admin_client.post(reverse("settings_units"), form)
    assert response.status_code == 422
    assert "2 units are called “payments”. Type its path to say which: " in text(response)
    assert "Product / Payments" in text(response) and "Platform / Payments" in text(response)
    response = admin_client.post(reverse("settings_units"), {**form, "parent": " product/PAYMENTS "})
    assert response.status_code == 302
    assert Unit.objects.get(name="Card issuing").parent == team


def test_unit_suggestions_are_the_paths_of_matching_units_of_the_organization(
    admin_client, team, other_org_unit
):
    UnitFactory(organization=team.organization, parent=team, name="Payments Ops")
    response = admin_client.get(reverse("settings_unit_options"), {"field": "parent", "parent": "paym"})
    assert response.status_code == 200
    assert text(response).splitlines() == [
        '<option value="Product / Payments"></option>',
        '<option value="Product / Payments / Payments Ops"></option>',
    ]
    assert (
        admin_client.get(
            reverse("settings_unit_options"), {"field": "unit", "unit": "globex"}
        ).content.strip()
        == b""
    )
