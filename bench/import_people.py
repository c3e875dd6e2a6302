"""Importing 100,000 people in 10,000 units, against a plain bulk insert of the same rows.

Usage, from the repository root:  python bench/import_people.py [--people N] [--units N] [--repeat N] [--no-memory]

Uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/pp_bench, created
if missing), builds a scratch organization, measures, and removes everything it
made. The import counts in full, from the CSV file's bytes, as `manage.py
import_people --apply` runs it: reading, checking against the organization, the
preview kept on the job, and the batches with their audit rows (teams.importing). The plain
insert writes the same units, people and memberships with bulk_create, nothing
else. The last line is `ratio: X` (import / plain insert); the target is 3.
"""

import argparse
import csv
import io
import os
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ensure_database  # noqa: E402

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pp_bench")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/13")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 60)
os.environ.setdefault("DEBUG", "false")

SLUG = "bench-import-people"


def organization_shape(units: int, people: int) -> tuple[list[tuple[str, str | None]], list[list[str]]]:
    """Units as (name, parent name), four levels, and the file's rows: each unit's leader (also a
    member of the unit above), then the other people spread over the lowest level."""
    levels = [1, 20, 400]
    levels.append(units - sum(levels))
    shape: list[tuple[str, str | None]] = [("Company", None)]
    previous = ["Company"]
    for depth, size in enumerate(levels[1:], start=1):
        names = [f"Unit {depth}.{i}" for i in range(size)]
        shape.extend((name, previous[i % len(previous)]) for i, name in enumerate(names))
        previous = names
    rows = []
    person = 0
    for name, parent in shape:
        email = f"p{person}@bench.invalid"
        rows.append([email, f"Person {person}", name, parent or "", "leader"])
        if parent:
            rows.append([email, f"Person {person}", parent, shape_parent(shape, parent), "member"])
        person += 1
    teams = previous
    while person < people:
        team = teams[person % len(teams)]
        rows.append(
            [f"p{person}@bench.invalid", f"Person {person}", team, shape_parent(shape, team), "member"]
        )
        person += 1
    return shape, rows


_PARENTS: dict[str, str] = {}


def shape_parent(shape, name: str) -> str:
    if not _PARENTS:
        _PARENTS.update({unit: parent or "" for unit, parent in shape})
    return _PARENTS[name]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=2, help="timed runs of each side (the best counts)")
    parser.add_argument(
        "--no-memory", action="store_true", help="skip the traced (untimed) run for peak memory"
    )
    args = parser.parse_args()

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection, transaction

    from teams.importing.applying import job_run
    from teams.importing.jobs import import_confirm, import_upload
    from teams.models import AuditEvent, ImportJob, Membership, Organization, Unit, User

    call_command("migrate", verbosity=0)

    def clean_up() -> None:
        # Raw deletes: the rows are the bench's own, and Django's collector would send a
        # signal per membership (teams.leaving) for nothing.
        org = Organization.objects.filter(slug=SLUG).first()
        if org is None:
            return
        with transaction.atomic():
            for queryset in (
                AuditEvent.objects.filter(organization=org),
                ImportJob.objects.filter(organization=org),
                Membership.objects.filter(unit__organization=org),
                Unit.objects.filter(organization=org),
                User.objects.filter(organization=org),
            ):
                queryset._raw_delete(connection.alias)
            org.delete()

    shape, rows = organization_shape(args.units, args.people)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["email", "name", "unit", "parent", "role"])
    writer.writerows(rows)
    data = out.getvalue().encode()
    print(
        f"people: {args.people:,}   units: {len(shape):,}   rows: {len(rows):,}   file: {len(data) / 2**20:.1f} MiB   "
        f"database: {connection.vendor}",
        flush=True,
    )

    def plain_insert() -> float:
        """The same units, people and memberships in bulk inserts: the floor for an import."""
        clean_up()
        org = Organization.objects.create(name="Bench", slug=SLUG)
        password = make_password(None)
        started = time.perf_counter()
        with transaction.atomic():
            ids: dict[str, int] = {}
            depth_of = {}
            for name, parent in shape:
                depth_of[name] = 0 if parent is None else depth_of[parent] + 1
            for depth in sorted(set(depth_of.values())):
                level = [(n, p) for n, p in shape if depth_of[n] == depth]
                made = Unit.objects.bulk_create(
                    [Unit(organization=org, name=n, parent_id=ids.get(p) if p else None) for n, p in level],
                    batch_size=5000,
                )
                ids.update({unit.name: unit.pk for unit in made})
            people = {}
            for email, name, _, _, _ in rows:
                people.setdefault(email, name)
            users = User.objects.bulk_create(
                [User(email=e, name=n, organization=org, password=password) for e, n in people.items()],
                batch_size=5000,
            )
            user_ids = {user.email: user.pk for user in users}
            Membership.objects.bulk_create(
                [Membership(user_id=user_ids[e], unit_id=ids[u], role=r) for e, _, u, _, r in rows],
                batch_size=5000,
            )
        return time.perf_counter() - started

    def import_for_real(*, trace_memory: bool = False) -> tuple[float, int]:
        clean_up()
        org = Organization.objects.create(name="Bench", slug=SLUG)
        if trace_memory:  # tracing slows Python down several times: only in an untimed run
            tracemalloc.start()
        started = time.perf_counter()
        job = import_upload(organization=org, file_name="people.csv", data=data, acting_user=None)
        assert not job.errors, job.errors[:3]
        analysis = job.analysis
        import_confirm(job=job, skip_errors=False, acting_user=None, queue=False)
        job = job_run(job.pk, analysis=analysis)  # as manage.py import_people --apply does
        elapsed = time.perf_counter() - started
        peak = 0
        if trace_memory:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        assert job.status == ImportJob.Status.DONE, job.message
        assert Membership.objects.filter(unit__organization=org).count() == len(rows)
        return elapsed, peak

    try:
        # Alternate, best of N each, so neither side gains from a warm cache or a quiet moment alone.
        plain_times, import_times = [], []
        for _ in range(args.repeat):
            plain_times.append(plain_insert())
            print(
                f"plain bulk insert of the units, people and memberships: {plain_times[-1]:.2f} s", flush=True
            )
            import_times.append(import_for_real()[0])
            print(
                f"import (read, check, preview, apply in batches with audit rows): {import_times[-1]:.2f} s",
                flush=True,
            )
        plain, imported = min(plain_times), min(import_times)
        print(f"best of {args.repeat}: plain {plain:.2f} s, import {imported:.2f} s")
        if not args.no_memory:
            peak = import_for_real(trace_memory=True)[1]
            print(f"peak Python memory while importing (traced, untimed run): {peak / 2**20:.0f} MiB")
        print(f"ratio: {imported / plain:.2f}")
    finally:
        clean_up()


if __name__ == "__main__":
    main()
