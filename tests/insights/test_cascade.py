import pytest
from django.urls import reverse

from insights.cascade import cascade_refresh, cascade_refresh_org
from insights.models import CascadeScore
from tests.factories import PurposeStatementFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked(org, division, team):
    """Payments serves Product; Archive's purpose has nothing to do with it."""
    PurposeStatementFactory(
        unit=team, version=1, purpose="We build the payment products our customers love to use."
    )
    archive = UnitFactory(organization=org, parent=division, name="Archive")
    PurposeStatementFactory(
        unit=archive, version=1, purpose="We organise the annual summer picnic and the football league."
    )
    return archive


def test_cascade_scores_each_purpose_against_its_parent(linked, division, team):
    assert cascade_refresh_org(organization_id=team.organization_id) == 2
    payments = CascadeScore.objects.get(statement__unit=team)
    archive = CascadeScore.objects.get(statement__unit=linked)
    assert payments.score > archive.score
    assert archive.label == "weak" and payments.parent_version == 1


def test_a_parents_new_purpose_rescores_its_children(linked, division, team):
    cascade_refresh_org(organization_id=team.organization_id)
    PurposeStatementFactory(
        unit=division, version=2, purpose="We organise company events, picnics and sports leagues."
    )
    assert cascade_refresh(unit_id=division.pk) == 2
    assert CascadeScore.objects.get(statement__unit=linked).parent_version == 2
    assert (
        CascadeScore.objects.get(statement__unit=linked).score
        > CascadeScore.objects.get(statement__unit=team).score
    )


def test_cascade_page_lists_weakest_first_for_executives_only(login, executive, member, linked, team):
    cascade_refresh_org(organization_id=team.organization_id)
    html = login(executive).get(reverse("cascade")).content.decode()
    assert html.index("Archive") < html.index("Payments")
    assert "Weak" in html
    assert login(member).get(reverse("cascade")).status_code == 403
    assert login(executive).post(reverse("cascade")).status_code == 405
