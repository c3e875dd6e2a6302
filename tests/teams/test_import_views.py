"""The import pages: only the organization's admins, a preview before anything changes, and applying
through a real Celery worker with its progress in the page."""

import time
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from teams.importing.jobs import import_upload, imports_sweep
from teams.models import ImportJob, Membership, Unit, User
from tests.factories import MembershipFactory, OrganizationFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

GOOD = (
    b"email,name,unit,parent,role\n"
    b"boss@acme.test,Bo Boss,Acme,,leader\n"
    b"sal@acme.test,Sal,Sales,Acme,leader\n"
    b"ann@acme.test,<b>Ann</b>,Sales,Acme,member\n"
    b"ben@acme.test,Ben,Support,Acmee,leader\n"
)
FIXED = GOOD.replace(b"<b>Ann</b>", b"Ann").replace(b"Acmee", b"Acme")


def post_file(client, data: bytes, name: str = "people.csv"):
    return client.post(reverse("import_start"), {"file": SimpleUploadedFile(name, data)})


def test_only_the_organizations_admins_reach_the_import(client, login, org_admin, leader, executive, member):
    assert client.get(reverse("import_start")).status_code == 302  # anonymous: sign in first
    for person in (leader, executive, member):
        assert login(person).get(reverse("import_start")).status_code == 403
        assert post_file(login(person), GOOD).status_code == 403
    assert ImportJob.objects.count() == 0
    assert login(org_admin).get(reverse("import_start")).status_code == 200


def test_another_organizations_admin_gets_a_404_for_a_job(login, org_admin):
    job = ImportJob.objects.get(pk=post_file(login(org_admin), GOOD).url.rstrip("/").split("/")[-1])
    other = UserFactory(organization=OrganizationFactory(), org_role=User.OrgRole.ADMIN)
    client = login(other)
    assert client.get(job.get_absolute_url()).status_code == 404
    assert client.post(job.get_absolute_url(), {"skip_errors": "on"}).status_code == 404
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEW


def test_the_preview_shows_each_problem_and_applying_is_refused_until_fixed_or_skipped(login, org_admin, org):
    client = login(org_admin)
    response = post_file(client, GOOD)
    page = client.get(response.url).content.decode()
    assert "2 problems in 2 rows" in page
    assert "Unknown parent unit “Acmee”: it is neither in this file nor in the organization." in page
    assert "The name contains < or >" not in page  # said in plain words, and escaped:
    assert "The name contains &lt; or &gt;, which a name never needs." in page and "<b>Ann</b>" not in page
    assert "Nothing has changed yet" in page
    refused = client.post(response.url, {})
    assert refused.status_code == 409 and "2 problems left" in refused.content.decode()
    assert not Unit.objects.filter(organization=org).exists()
    # The fixed file, uploaded again from the preview, has nothing left to fix.
    fixed = post_file(client, FIXED)
    page = client.get(fixed.url).content.decode()
    assert "problem" not in page.split("What applying will change")[0]
    assert "Apply these changes" in page


def test_a_file_too_big_or_of_the_wrong_kind_gets_a_message_and_nothing_is_kept(
    client, login, org_admin, settings
):
    client = login(org_admin)
    big = b"email,name,unit,parent,role\n" + b"x" * (50 * 1024 * 1024)
    response = post_file(client, big)
    assert (
        response.status_code == 413 and "larger than the 10 MB this page takes" in response.content.decode()
    )
    response = post_file(client, b"MZ\x90\x00binary", name="people.exe")
    assert response.status_code == 400
    assert (
        "Only CSV (.csv) and Excel (.xlsx) files can be imported; this one is .exe."
        in response.content.decode()
    )
    assert ImportJob.objects.count() == 0


def test_other_pages_still_refuse_files(login, member):
    response = login(member).post(reverse("org_chart"), {"file": SimpleUploadedFile("a.csv", b"x")})
    assert response.status_code == 400 and "takes no files" in response.content.decode()


def test_skipping_the_rows_with_problems_queues_the_rest(
    login, org_admin, org, django_capture_on_commit_callbacks
):
    client = login(org_admin)
    url = post_file(client, GOOD).url
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(url, {"skip_errors": "on"})
    assert response.status_code == 302 and len(callbacks) == 1
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.QUEUED and job.skip_rows == [4, 5]
    page = client.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in page and "Applying" in page


@pytest.mark.worker
def test_applying_runs_on_the_worker_and_the_page_follows_it(celery_worker, client, org):
    admin = UserFactory(organization=org, org_role=User.OrgRole.ADMIN)
    division = UnitFactory(organization=org, name="Acme")
    MembershipFactory(unit=division, user__email="boss@acme.test", role=Membership.Role.LEADER)
    client.force_login(admin)
    url = post_file(client, FIXED).url
    assert client.post(url, {}).status_code == 302
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        fragment = client.get(url, headers={"HX-Request": "true"})
        if "Imported." in fragment.content.decode():
            break
        time.sleep(0.3)
    html = fragment.content.decode()
    assert fragment.status_code == 200 and "<html" not in html  # the fragment only, for htmx
    assert "Imported." in html and 'value="100"' in html and "every 1s" not in html  # polling stops
    assert Unit.objects.get(organization=org, name="Sales").parent == division
    chart = client.get(reverse("org_chart_children", args=[division.pk])).content.decode()
    assert "Sales" in chart and "Sal" in chart  # the new unit, with its leader, in the org chart


@pytest.mark.worker
def test_the_sweep_resumes_a_job_whose_worker_died(celery_worker, org):
    """A job left running without a heartbeat (its worker killed) is queued again and finished."""
    admin = UserFactory(organization=org, org_role=User.OrgRole.ADMIN)
    job = import_upload(organization=org, file_name="people.csv", data=FIXED, acting_user=admin)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING,
        claim="dead-worker",
        heartbeat_at=timezone.now() - timedelta(minutes=10),
    )
    ImportJob.objects.create(
        organization=org, file_name="old.csv", created_at=timezone.now() - timedelta(days=8)
    )
    assert imports_sweep() == 1
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and ImportJob.objects.get(pk=job.pk).status != ImportJob.Status.DONE:
        time.sleep(0.2)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.claim == ""
    assert Unit.objects.filter(organization=org, name="Sales").count() == 1
    assert not ImportJob.objects.filter(file_name="old.csv").exists()  # a preview nobody applied, dropped


def test_a_file_name_that_turns_text_around_is_shown_plain(login, org_admin):
    response = post_file(login(org_admin), FIXED, name="people\u202evsc.exe.csv")
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.file_name == "peoplevsc.exe.csv"
