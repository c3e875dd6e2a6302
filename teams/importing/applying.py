"""Applying an import: the plan, in batches, each batch and its audit rows in one transaction.

A run claims the job with a conditional update (an optimistic lock: only the
runner whose claim token is on the row may write a batch, so a second runner
started by the sweep while the first still lives can't double anything). Each
batch moves the job's cursor (`done`, `phase`, `heartbeat_at`) in the batch's own
transaction, so a worker killed mid-batch leaves the batch undone and the cursor
where it was. A resumed run plans again from the organization as it now is
(teams.importing.checking): what is done is no longer in the plan, so nothing
is done twice.
"""

import secrets
from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from teams.importing.checking import Analysis, import_analyse
from teams.importing.planning import PLAN_KINDS, Plan
from teams.invitations import Reason, invitations_bulk
from teams.models import AuditEvent, ImportJob, Membership, Unit, User
from teams.services import audit_record, membership_add, membership_remove
from teams.signals import units_changed

BATCH = 5000  # people or units written per transaction
SLOW_BATCH = 100  # changes that go one by one through the services (moves, removals, leavers)
STALE_AFTER = timedelta(minutes=2)  # a running job without a heartbeat this long is resumed by the sweep
# Runs of one job before the sweep gives up on it: a worker that dies on it every time (out of
# memory, a bug) would otherwise take it up again every two minutes, for ever.
MAX_ATTEMPTS = 5


class Superseded(Exception):
    """Another runner holds the job now; this one stops without writing."""


class Refused(Exception):
    """The import can't go on as previewed; the message says why, for the admin."""


def job_claim(job_id: int, *, now=None) -> str | None:
    """Take the job to run it: a queued job, or a running one whose runner went quiet."""
    now = now or timezone.now()
    token = secrets.token_hex(8)
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, claim=token, heartbeat_at=now, attempts=F("attempts") + 1
    ) or ImportJob.objects.filter(
        pk=job_id,
        status=ImportJob.Status.RUNNING,
        heartbeat_at__lt=now - STALE_AFTER,
        attempts__lt=MAX_ATTEMPTS,
    ).update(claim=token, heartbeat_at=now, attempts=F("attempts") + 1)
    return token if claimed else None


class _Run:
    def __init__(self, job: ImportJob, token: str, progress: Callable[[ImportJob], None]):
        self.job = job
        self.token = token
        self.progress = progress
        self.organization = job.organization
        self.actor = job.created_by
        self.unit_ids: dict[str, int] = {}

    def step(self, phase: str, count: int) -> None:
        """Move the cursor in the batch's transaction; refuse if another runner took the job."""
        moved = ImportJob.objects.filter(pk=self.job.pk, claim=self.token).update(
            phase=phase, done=F("done") + count, heartbeat_at=timezone.now()
        )
        if not moved:
            raise Superseded
        self.job.phase = phase
        self.job.done += count

    def audit(self, action: str, *, unit_id: int | None = None, **details) -> AuditEvent:
        return AuditEvent(
            organization=self.organization,
            actor=self.actor,
            action=action,
            unit_id=unit_id,
            details={**details, "import": self.job.pk},
        )

    def unit_id(self, key: str) -> int:
        return int(key[1:]) if key.startswith("u") else self.unit_ids[key]

    def batches(self, items: list, size: int):
        for start in range(0, len(items), size):
            yield items[start : start + size]

    def run(self, plan: Plan) -> None:
        # Leavers are deactivated before their memberships go, so a run resumed in between
        # still finds them (by their memberships) and finishes the job.
        for phase in ("units", "people", "leavers", "memberships"):
            getattr(self, phase)(plan)

    # --- the phases ---------------------------------------------------------------------------

    def units(self, plan: Plan) -> None:
        # Parents before children: adds and moves go by the depth they will have, and a batch
        # of adds holds one depth, so every parent has its id before its children are written.
        by_depth: dict[int, list[dict]] = {}
        for unit in plan.unit_adds:
            by_depth.setdefault(unit["depth"], []).append(unit)
        adds = [batch for depth in sorted(by_depth) for batch in self.batches(by_depth[depth], BATCH)]
        for batch in adds:
            with transaction.atomic():
                made = Unit.objects.bulk_create(
                    [
                        Unit(
                            organization=self.organization,
                            name=unit["name"],
                            parent_id=self.unit_id(unit["parent"]) if unit["parent"] else None,
                            kind=unit["kind"],
                        )
                        for unit in batch
                    ]
                )
                for unit, row in zip(batch, made, strict=True):
                    self.unit_ids[unit["key"]] = row.pk
                units_changed.send(sender=Unit, organization_id=self.organization.pk)
                AuditEvent.objects.bulk_create(
                    [
                        self.audit("unit.add", unit_id=row.pk, name=row.name, parent=row.parent_id)
                        for row in made
                    ]
                )
                self.step("units", len(batch))
            self.progress(self.job)
        for batch in self.batches(plan.unit_moves, SLOW_BATCH):
            with transaction.atomic():
                for move in batch:
                    unit = Unit.objects.get(pk=move["id"], organization=self.organization)
                    before = unit.parent_id
                    unit.parent_id = self.unit_id(move["parent"]) if move["parent"] else None
                    unit.save(update_fields=["parent"])
                    audit_record(
                        organization=self.organization,
                        actor=self.actor,
                        action="unit.move",
                        unit=unit,
                        parent_before=before,
                        parent=unit.parent_id,
                        **{"import": self.job.pk},
                    )
                self.step("units", len(batch))
            self.progress(self.job)

    def people(self, plan: Plan) -> None:
        for batch in self.batches(plan.person_adds, BATCH):
            with transaction.atomic():
                users = User.objects.bulk_create(
                    [
                        User(
                            email=person["email"],
                            name=person["name"],
                            organization=self.organization,
                            # No password: they answer pulses from emailed links, and an account
                            # that needs one gets it through a password reset.
                            password="!" + secrets.token_urlsafe(30),
                        )
                        for person in batch
                    ]
                )
                memberships, events = [], []
                for person, user in zip(batch, users, strict=True):
                    places = [(self.unit_id(key), role) for key, role in person["places"]]
                    memberships.extend(
                        Membership(user=user, unit_id=unit_id, role=role) for unit_id, role in places
                    )
                    # One change, one row: the person and where they start (the unit they lead first).
                    events.append(
                        self.audit(
                            "person.add",
                            unit_id=places[0][0],
                            user=user.email,
                            role=places[0][1],
                            places=[{"unit": unit_id, "role": role} for unit_id, role in places],
                        )
                    )
                Membership.objects.bulk_create(memberships)
                units_changed.send(sender=Membership, organization_id=self.organization.pk)
                AuditEvent.objects.bulk_create(events)
                self.step("people", len(batch))
            self.progress(self.job)
        for batch in self.batches(plan.person_changes, SLOW_BATCH):
            with transaction.atomic():
                for change in batch:
                    user = User.objects.get(pk=change["id"], organization=self.organization)
                    fields = []
                    if change["name"] is not None:
                        user.name = change["name"]
                        fields.append("name")
                    if change["reactivate"]:
                        user.is_active = True
                        fields.append("is_active")
                    user.save(update_fields=fields)
                    audit_record(
                        organization=self.organization,
                        actor=self.actor,
                        action="person.reactivate" if change["reactivate"] else "person.change",
                        user=user.email,
                        name=user.name,
                        **{"import": self.job.pk},
                    )
                self.step("people", len(batch))
            self.progress(self.job)

    def memberships(self, plan: Plan) -> None:
        work = (
            [("add", item) for item in plan.membership_adds]
            + [("change", item) for item in plan.membership_changes]
            + [("move", item) for item in plan.membership_moves]
            + [("remove", item) for item in plan.membership_removes]
        )
        units = {}
        for batch in self.batches(work, SLOW_BATCH):
            with transaction.atomic():
                for kind, item in batch:
                    self._membership(kind, item, units)
                self.step("memberships", len(batch))
            self.progress(self.job)

    def _membership(self, kind: str, item: dict, units: dict) -> None:
        def unit(unit_id: int) -> Unit:
            if unit_id not in units:
                units[unit_id] = Unit.objects.select_related("organization").get(
                    pk=unit_id, organization=self.organization
                )
            return units[unit_id]

        if kind == "move":
            # The row moves, so the person's past stays theirs; teams.leaving tells the layers
            # above they left the old unit (its open pulse keeps their invitation as it was).
            membership = Membership.objects.get(pk=item["id"], unit__organization=self.organization)
            membership.unit = unit(self.unit_id(item["unit"]))
            membership.save(update_fields=["unit"])
            audit_record(
                organization=self.organization,
                actor=self.actor,
                action="membership.move",
                unit=membership.unit,
                user=item["email"],
                role=item["role"],
                unit_before=item["from_id"],
                **{"import": self.job.pk},
            )
            return
        user = User.objects.get(email=item["email"], organization=self.organization)
        if kind == "remove":
            membership_remove(unit=unit(item["unit_id"]), user=user, acting_user=self.actor)
        else:
            target = unit(self.unit_id(item["unit"])) if kind == "add" else unit(item["unit_id"])
            membership_add(unit=target, user=user, role=item["role"], acting_user=self.actor)

    def leavers(self, plan: Plan) -> None:
        leaving = [leaver for leaver in plan.leavers if leaver["deactivate"]]
        for batch in self.batches(leaving, SLOW_BATCH):
            with transaction.atomic():
                for leaver in batch:
                    user = User.objects.get(pk=leaver["id"], organization=self.organization)
                    # Deactivated, never deleted: their answers in closed rounds stay in the
                    # statistics, linked to nobody since each round closed.
                    user.is_active = False
                    user.save(update_fields=["is_active"])  # teams.leaving withdraws open invitations
                    audit_record(
                        organization=self.organization,
                        actor=self.actor,
                        action="person.deactivate",
                        user=user.email,
                        **{"import": self.job.pk},
                    )
                self.step("leavers", len(batch))
            self.progress(self.job)


def plan_size(plan: Plan) -> int:
    return plan.size - sum(1 for leaver in plan.leavers if not leaver["deactivate"])


def plan_counts(plan: Plan) -> dict[str, int]:
    counts = {kind: len(getattr(plan, kind)) for kind in PLAN_KINDS}
    counts["leavers"] = sum(1 for leaver in plan.leavers if leaver["deactivate"])
    counts["kept_admins"] = len(plan.leavers) - counts["leavers"]
    return counts


def job_run(
    job_id: int, *, progress: Callable[[ImportJob], None] = lambda job: None, analysis: Analysis | None = None
) -> ImportJob | None:
    """Run (or resume) a confirmed job to the end. None if another runner holds it.

    `analysis`: the one the preview was made from, by a caller that applies straight after it
    (the command); used only if nothing is done yet. Otherwise the rows are checked again."""
    token = job_claim(job_id)
    if token is None:
        return None
    jobs = ImportJob.objects.select_related("organization", "created_by")
    if analysis is not None:
        jobs = jobs.defer("rows")  # the caller has just read them
    job = jobs.get(pk=job_id)
    try:
        if analysis is None or job.done:
            analysis = import_analyse(
                organization=job.organization,
                rows=job.rows,
                columns=job.columns,
                skip_rows=set(job.skip_rows),
                acting_user_id=job.created_by_id,
            )
        unexpected = analysis.skipped_rows - set(job.skip_rows)
        if unexpected:
            raise Refused(
                "The organization changed since the preview, and rows "
                f"{', '.join(map(str, sorted(unexpected)[:10]))} can't be imported now. Nothing more was "
                "changed; upload the file again to see a new preview."
            )
        remaining = plan_size(analysis.plan)
        ImportJob.objects.filter(pk=job.pk, claim=token).update(total=job.done + remaining)
        job.total = job.done + remaining
        _Run(job, token, progress).run(analysis.plan)
    except Superseded:
        return None
    except Refused as refusal:
        _finish(job, token, status=ImportJob.Status.FAILED, message=str(refusal), rows=analysis.rows)
        return job
    _finish(job, token, status=ImportJob.Status.DONE, rows=analysis.rows)
    return job


@transaction.atomic
def _finish(job: ImportJob, token: str, *, status: str, rows: int, message: str = "") -> None:
    now = timezone.now()
    summary = {
        **job.plan.get("counts", {}),
        "changes": job.done,
        "rows": rows,
        "skipped": len(job.skip_rows),
    }
    finished = ImportJob.objects.filter(pk=job.pk, claim=token).update(
        status=status,
        message=message,
        summary=summary,
        finished_at=now,
        heartbeat_at=now,
        claim="",
        # The file's rows and the names in the preview are not kept once the job is over.
        rows=[],
        plan={"counts": job.plan.get("counts", {})},
    )
    if not finished:
        raise Superseded
    audit_record(
        organization=job.organization,
        actor=job.created_by,
        action="import.done" if status == ImportJob.Status.DONE else "import.stopped",
        file=job.file_name,
        **{"import": job.pk},
        **summary,
    )
    # New leaders, executives and admins without a password get their invitation (people added
    # in bulk send no model signal); those invited before are not sent another.
    invitations_bulk(organization=job.organization, reason=Reason.IMPORT, actor=job.created_by)
    job.status, job.message, job.summary, job.rows = status, message, summary, []


def jobs_stale(*, now=None):
    """Confirmed jobs nobody is running: queued over a minute ago without a start (the message
    was lost), or running without a heartbeat for STALE_AFTER (the worker died)."""
    now = now or timezone.now()
    queued = ImportJob.objects.filter(
        status=ImportJob.Status.QUEUED, heartbeat_at__lt=now - timedelta(minutes=1)
    )
    running = ImportJob.objects.filter(
        status=ImportJob.Status.RUNNING, heartbeat_at__lt=now - STALE_AFTER, attempts__lt=MAX_ATTEMPTS
    )
    return list(queued.values_list("pk", flat=True)) + list(running.values_list("pk", flat=True))


def jobs_give_up(*, now=None) -> int:
    """Stop the jobs whose runner went quiet MAX_ATTEMPTS times: what was written stays, the
    admin reads why on the job's page, and the file's rows are dropped like any finished job's."""
    now = now or timezone.now()
    stopped = 0
    for job_id in ImportJob.objects.filter(
        status=ImportJob.Status.RUNNING, heartbeat_at__lt=now - STALE_AFTER, attempts__gte=MAX_ATTEMPTS
    ).values_list("pk", flat=True):
        token = secrets.token_hex(8)
        if not ImportJob.objects.filter(pk=job_id, heartbeat_at__lt=now - STALE_AFTER).update(
            claim=token, heartbeat_at=now
        ):
            continue  # a runner came back meanwhile
        job = ImportJob.objects.select_related("organization", "created_by").get(pk=job_id)
        message = (
            f"Stopped after {job.attempts} tries: the import stopped before finishing each time "
            f"(last while writing {job.phase or 'the first batch'}, {job.done} of {job.total} changes made). "
            "What was written stays. Upload the file again to see what is left to do; if it stops "
            "again, ask your operator to look at the worker's log."
        )
        _finish(job, token, status=ImportJob.Status.FAILED, message=message, rows=len(job.rows))
        stopped += 1
    return stopped
