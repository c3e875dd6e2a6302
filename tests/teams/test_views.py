import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import MembershipFactory, PurposeStatementFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name,args",
    [("home", []), ("org_chart", []), ("unit_detail", ["team"]), ("org_chart_children", ["division"])],
)
def test_anonymous_is_sent_to_login(client, request, name, args):
    url = reverse(name, args=[request.getfixturevalue(a).pk for a in args])
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", ["home", "org_chart"])
def test_pages_refuse_post(login, member, name):
    assert login(member).post(reverse(name)).status_code == 405


def test_outsider_cannot_see_units_of_another_organization(login, team, division, outsider):
    client = login(outsider)
    assert client.get(reverse("unit_detail", args=[team.pk])).status_code == 404
    assert client.get(reverse("org_chart_children", args=[division.pk])).status_code == 404
    page = client.get(reverse("org_chart"))
    chart = page.content.decode()
    assert page.status_code == 200 and outsider.memberships.get().unit.name in chart
    assert "Payments" not in chart and "Product" not in chart


def test_home_shows_the_team_the_person_leads_first(login, org, team, leader, division):
    MembershipFactory(unit=division, user=leader, role="member")
    PurposeStatementFactory(unit=team, version=1, purpose="We make payments effortless.")
    html = login(leader).get(reverse("home")).content.decode()
    assert html.index("Payments") < html.index("Product")
    assert "You lead this team" in html
    assert "We make payments effortless." in html
    assert reverse("purpose_edit", args=[team.pk]) in html


def test_member_home_has_no_edit_link(login, team, member):
    html = login(member).get(reverse("home")).content.decode()
    assert "Payments" in html
    assert reverse("purpose_edit", args=[team.pk]) not in html


def test_org_chart_lists_roots_with_leaders_counts_and_purpose(
    login, division, team, leader, member, colleague
):
    MembershipFactory(unit=division, role="leader", user__name="Dana Director")
    html = login(colleague).get(reverse("org_chart")).content.decode()
    assert "Product" in html
    assert "Led by Dana Director" in html
    assert "We build the products our customers love." in html
    assert "Show the 1 unit in Product" in html


def test_org_chart_children_fragment_for_htmx(login, division, team, leader, member, colleague):
    response = login(colleague).get(reverse("org_chart_children", args=[division.pk]), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "<html" not in html
    assert "Payments" in html and "Led by Lee Leader" in html and "1 member" in html


def test_org_chart_children_without_htmx_is_a_full_page(login, division, team, colleague):
    html = login(colleague).get(reverse("org_chart_children", args=[division.pk])).content.decode()
    assert "<html" in html and "Inside Product" in html and "Payments" in html


def test_org_chart_queries_do_not_grow_with_units(
    login, org, division, colleague, django_assert_max_num_queries
):
    client = login(colleague)
    for _ in range(3):
        MembershipFactory(unit=UnitFactory(organization=org, parent=division), role="leader")
    # 9 on the first request: the organization's time zone is read once a minute (config/timezones.py).
    with django_assert_max_num_queries(9):
        client.get(reverse("org_chart_children", args=[division.pk]), HTTP_HX_REQUEST="true")
    for _ in range(20):
        MembershipFactory(unit=UnitFactory(organization=org, parent=division), role="leader")
    with django_assert_max_num_queries(8):
        client.get(reverse("org_chart_children", args=[division.pk]), HTTP_HX_REQUEST="true")


def test_unit_page_shows_breadcrumb_people_purpose_and_children(login, org, division, team, leader, member):
    PurposeStatementFactory(unit=team, version=1, purpose="Every sale paid.")
    UnitFactory(organization=org, parent=team, name="Checkout squad")
    html = login(member).get(reverse("unit_detail", args=[team.pk])).content.decode()
    assert f'href="{reverse("unit_detail", args=[division.pk])}"' in html
    assert "Lee Leader" in html and "Mia Member" in html
    assert "Every sale paid." in html
    assert "Checkout squad" in html
    assert "How Payments fits into Product" in html


def test_login_by_email_and_logout(client, member, password):
    response = client.post(reverse("login"), {"username": member.email, "password": password})
    assert response.status_code == 302 and response.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_wrong_password_says_so_and_keeps_the_email(client, member):
    response = client.post(reverse("login"), {"username": member.email, "password": "nope"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "correct email and password" in html
    assert member.email in html


def test_password_reset_sends_a_working_link(client, member):
    client.post(reverse("password_reset"), {"email": member.email})
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    link = next(line for line in body.splitlines() if "/password-reset/" in line)
    path = link.split("testserver", 1)[1]
    form = client.get(path, follow=True)
    assert b"Choose a new password" in form.content
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "brand-New-pass-42", "new_password2": "brand-New-pass-42"},
    )
    assert done.status_code == 302
    client.post(reverse("logout"))
    signed_in = client.post(reverse("login"), {"username": member.email, "password": "brand-New-pass-42"})
    assert signed_in.status_code == 302 and signed_in.url == reverse("home")
