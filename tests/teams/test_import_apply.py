"""Applying an import: batches with audit rows, resuming after a crash, syncing, and what it leaves alone."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from surveys.answering import ANSWER_FIELDS, response_submit
from surveys.models import Invitation, Response
from surveys.rounds import round_open
from teams.importing import applying
from teams.importing.applying import job_run
from teams.importing.jobs import CannotApply, import_confirm, import_upload, imports_sweep
from teams.models import AuditEvent, ImportJob, Membership, Unit, User
from tests.factories import PurposeStatementFactory

pytestmark = pytest.mark.django_db

HEADER = "email,name,unit,parent,role\n"


def csv_file(*lines: str) -> bytes:
    return (HEADER + "\n".join(lines) + "\n").encode()


def apply(org, data: bytes, *, user=None, skip_errors=False) -> ImportJob:
    job = import_upload(organization=org, file_name="people.csv", data=data, acting_user=user)
    import_confirm(job=job, skip_errors=skip_errors, acting_user=user, queue=False)
    return job_run(job.pk)


def places(org) -> set[tuple[str, str, str]]:
    return set(
        Membership.objects.filter(unit__organization=org).values_list("user__email", "unit__name", "role")
    )


ACME = [
    "boss@acme.test,Bo Boss,Acme,,leader",
    "sal@acme.test,Sal Lead,Sales,Acme,leader",
    "sal@acme.test,Sal Lead,Acme,,member",
    "ann@acme.test,Ann,Sales,Acme,member",
    "ben@acme.test,Ben,Sales,Acme,member",
    "sup@acme.test,Sue,Support,Acme,leader",
    "sup@acme.test,Sue,Acme,,member",
    "cat@acme.test,Cat,Support,Acme,member",
]


def test_applying_writes_units_people_and_one_audit_row_per_change(org, org_admin):
    job = apply(org, csv_file(*ACME), user=org_admin)
    assert job.status == ImportJob.Status.DONE and job.rows == []  # the file's rows aren't kept
    assert places(org) >= {("ann@acme.test", "Sales", "member"), ("sal@acme.test", "Acme", "member")}
    assert Unit.objects.get(organization=org, name="Sales").parent.name == "Acme"
    ann = User.objects.get(email="ann@acme.test")
    assert ann.organization == org and not ann.has_usable_password()
    events = AuditEvent.objects.filter(organization=org, details__import=job.pk)
    assert events.filter(action="unit.add").count() == 3
    assert events.filter(action="person.add").count() == 6  # one per new person, with their places
    sal = events.get(action="person.add", details__user="sal@acme.test")
    assert sal.unit.name == "Sales" and len(sal.details["places"]) == 2
    assert events.filter(action="import.done").count() == 1
    assert set(events.values_list("actor", flat=True)) == {org_admin.pk}
    assert job.done == job.total == 9  # 3 units and 6 people


def test_importing_the_same_file_again_changes_nothing(org):
    apply(org, csv_file(*ACME))
    before = (places(org), AuditEvent.objects.exclude(action__startswith="import.").count())
    again = apply(org, csv_file(*ACME))
    assert again.status == ImportJob.Status.DONE and again.total == 0
    assert (places(org), AuditEvent.objects.exclude(action__startswith="import.").count()) == before


def test_a_later_file_syncs_moves_new_leaders_and_leavers(org, org_admin):
    apply(org, csv_file(*ACME))
    later = [
        line
        for line in ACME
        if not line.startswith(("ben@", "cat@"))  # Ben leaves; Cat moves
    ] + [
        "cat@acme.test,Cat,Sales,Acme,member",
        "ann@acme.test,Ann Smith,Support,Acme,leader",  # Ann moves up to lead Support, with Sue
        "ann@acme.test,Ann Smith,Acme,,member",
    ]
    later.remove("ann@acme.test,Ann,Sales,Acme,member")
    job = apply(org, csv_file(*later), user=org_admin)
    assert job.errors == [] and job.status == ImportJob.Status.DONE
    now = places(org)
    assert ("cat@acme.test", "Sales", "member") in now and ("cat@acme.test", "Support", "member") not in now
    assert {("ann@acme.test", "Support", "leader"), ("ann@acme.test", "Acme", "member")} <= now
    ben = User.objects.get(email="ben@acme.test")
    assert not ben.is_active and not ben.memberships.exists()  # deactivated, never deleted
    assert User.objects.get(email="ann@acme.test").name == "Ann Smith"
    actions = list(AuditEvent.objects.filter(details__import=job.pk).values_list("action", flat=True))
    assert actions.count("membership.move") == 2  # Cat to Sales; Ann a member of Acme now, not of Sales
    assert actions.count("person.deactivate") == 1 and actions.count("person.change") == 1
    assert User.objects.get(pk=org_admin.pk).is_active  # not in the file, but an admin: kept


def test_a_job_killed_halfway_resumes_without_doubling_anything(org, monkeypatch):
    monkeypatch.setattr(applying, "BATCH", 2)
    job = import_upload(organization=org, file_name="people.csv", data=csv_file(*ACME), acting_user=None)
    import_confirm(job=job, skip_errors=False, acting_user=None, queue=False)
    real_step = applying._Run.step
    calls = []

    def dying_step(self, phase, count):
        calls.append(phase)
        if len(calls) == 4:
            raise SystemExit("worker killed")  # mid-batch: the batch's transaction rolls back
        real_step(self, phase, count)

    monkeypatch.setattr(applying._Run, "step", dying_step)
    with pytest.raises(SystemExit):
        job_run(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.RUNNING and job.done == 5  # 3 units, then one batch of 2 people
    assert User.objects.filter(organization=org).count() == 2
    monkeypatch.setattr(applying._Run, "step", real_step)
    assert job_run(job.pk) is None  # its runner may still be alive: not taken over yet
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=5))
    resumed = job_run(job.pk)
    assert resumed.status == ImportJob.Status.DONE and resumed.done == resumed.total == 9
    assert User.objects.filter(organization=org).count() == 6
    assert Membership.objects.filter(unit__organization=org).count() == 8
    assert AuditEvent.objects.filter(details__import=job.pk, action="person.add").count() == 6
    assert AuditEvent.objects.filter(details__import=job.pk, action="unit.add").count() == 3


def test_problems_stop_applying_unless_their_rows_are_skipped(org):
    data = csv_file(*ACME, "bad-address,X,Sales,Acme,member", "zed@acme.test,Zed,Ops,Nowhere,leader")
    job = import_upload(organization=org, file_name="people.csv", data=data, acting_user=None)
    with pytest.raises(CannotApply, match="2 problems left"):
        import_confirm(job=job, skip_errors=False, acting_user=None, queue=False)
    assert not Unit.objects.filter(organization=org).exists()
    import_confirm(job=job, skip_errors=True, acting_user=None, queue=False)
    done = job_run(job.pk)
    assert done.status == ImportJob.Status.DONE and done.summary["skipped"] == 2
    assert not Unit.objects.filter(name="Ops").exists() and len(places(org)) == 8


def test_a_move_leaves_the_open_pulse_invitation_with_its_round(org, division, team, leader, member):
    PurposeStatementFactory(unit=team, version=1)
    now = timezone.now()
    pulse = round_open(unit=team, scheduled_for=now, closes_at=now + timedelta(days=5), remind_at=None)
    invitation = Invitation.objects.get(round=pulse, user=member)
    answers = dict.fromkeys(ANSWER_FIELDS, "") | {
        "purpose_text": "We make paying easy.",
        "fit_text": "We serve the division.",
        "understands_purpose": 4,
        "sees_contribution": 4,
        "shapes_direction": 3,
    }
    response_submit(invitation=invitation, answers=answers, seen_revision=0)
    job = apply(
        org,
        csv_file(
            f"{leader.email},{leader.name},Payments,Product,leader",
            f"{member.email},{member.name},Risk,Product,member",
            "rl@acme.test,Rita,Risk,Product,leader",
        ),
    )
    assert job.status == ImportJob.Status.DONE
    invitation.refresh_from_db()
    assert invitation.round_id == pulse.pk  # still the Payments round's invitation
    assert Response.objects.filter(round=pulse).count() == 1  # the answer stays in that round
    risk = Unit.objects.get(name="Risk")
    assert not Invitation.objects.filter(user=member, round__unit=risk).exists()
    assert Membership.objects.get(user=member).unit == risk


def test_the_command_previews_then_applies_with_progress(org, tmp_path, capsys):
    path = tmp_path / "people.csv"
    path.write_bytes(csv_file(*ACME))
    call_command("import_people", "acme", str(path))
    out = capsys.readouterr().out
    assert "New people: 6" in out and "nothing was changed" in out
    assert not User.objects.filter(email="ann@acme.test").exists()
    call_command("import_people", "acme", str(path), "--apply")
    out = capsys.readouterr().out
    assert "units: 3/9 (33%)" in out and "people: 9/9" in out
    assert "Done: 9 changes" in out
    assert User.objects.filter(email="ann@acme.test", organization=org).exists()


def test_the_command_refuses_problems_without_skip_errors(org, tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes(csv_file(*ACME, "zed@acme.test,Zed,Ops,Nowhere,leader"))
    with pytest.raises(CommandError, match="1 problem left"):
        call_command("import_people", "acme", str(path), "--apply")
    assert not Unit.objects.filter(organization=org).exists()
    with pytest.raises(CommandError, match="No organization"):
        call_command("import_people", "nope", str(path))


def test_a_job_whose_runner_dies_every_time_is_stopped_after_five_tries(org, monkeypatch):
    monkeypatch.setattr(applying, "BATCH", 2)
    job = import_upload(organization=org, file_name="people.csv", data=csv_file(*ACME), acting_user=None)
    import_confirm(job=job, skip_errors=False, acting_user=None, queue=False)
    real_step = applying._Run.step

    def dying_step(self, phase, count):
        if phase == "people":
            raise SystemExit("worker killed")  # the same batch kills it every time
        real_step(self, phase, count)

    monkeypatch.setattr(applying._Run, "step", dying_step)
    queued = []
    monkeypatch.setattr("teams.importing.jobs.queue_apply", lambda job_id: queued.append(job_id) or True)
    for attempt in range(1, applying.MAX_ATTEMPTS + 1):
        with pytest.raises(SystemExit):
            job_run(job.pk)
        ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=5))
        assert ImportJob.objects.get(pk=job.pk).attempts == attempt

    # After the fifth death the sweep queues it no more: it stops it, and says why.
    assert imports_sweep() == 0 and queued == []
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and job.rows == []
    assert "Stopped after 5 tries" in job.message and "3 of 9 changes made" in job.message
    assert Unit.objects.filter(organization=org).count() == 3  # what was written stays
    assert AuditEvent.objects.filter(details__import=job.pk, action="import.stopped").count() == 1
    assert job_run(job.pk) is None  # nobody takes it up again
