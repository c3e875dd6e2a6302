"""Erasing a person reaches the import previews that still hold their row, and waits for an
import being applied that names them (it would bring them back under a new account)."""

import pytest

from teams.importing.jobs import import_confirm, import_upload
from teams.models import ImportJob
from teams.person import CannotErase, person_erase
from teams.services import membership_add
from tests.factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = "email,name,unit,parent,role\n"


def upload(org, admin, *lines: str) -> ImportJob:
    data = (HEADER + "\n".join(lines) + "\n").encode()
    return import_upload(organization=org, file_name="people.csv", data=data, acting_user=admin)


@pytest.fixture
def person(org, org_admin):
    user = UserFactory(organization=org, email="zoe@acme.test", name="Zoe Quill")
    membership_add(
        unit=UnitFactory(organization=org, name="Sales"), user=user, role="member", acting_user=org_admin
    )
    return user


def test_erasing_drops_the_previews_that_name_the_person_and_keeps_the_others(org, org_admin, person):
    naming = upload(
        org, org_admin, "zoe@acme.test,Zoe Quill,Sales,,member", "ann@acme.test,Ann,Sales,,leader"
    )
    # A file without her names her too: the preview lists her among those who would leave.
    leaving = upload(org, org_admin, "ann@acme.test,Ann,Sales,,leader")
    assert "Zoe Quill" in str(naming.rows) and "zoe@acme.test" in str(leaving.plan)
    elsewhere = UserFactory(email="boss@else.test").organization
    other_org = upload(elsewhere, None, "ann@else.test,Ann,Sales,,leader")

    removed = person_erase(user=person, acting_user=org_admin)

    assert removed["import_previews"] == 2
    assert not ImportJob.objects.filter(pk__in=[naming.pk, leaving.pk]).exists()
    assert ImportJob.objects.filter(pk=other_org.pk).exists()


def test_an_import_being_applied_that_names_the_person_holds_the_erase(org, org_admin, person):
    job = upload(org, org_admin, "ZOE@acme.test,Zoe Quill,Sales,,member", "ann@acme.test,Ann,Sales,,leader")
    import_confirm(job=job, skip_errors=False, acting_user=org_admin, queue=False)

    with pytest.raises(CannotErase, match="being applied"):
        person_erase(user=person, acting_user=org_admin)
    person.refresh_from_db()  # still there, nothing half-done
    assert person.memberships.exists()
