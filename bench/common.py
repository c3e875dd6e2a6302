"""What the benchmarks share: a scratch PostgreSQL database, Django set-up, the large synthetic
organization (built once by seed_large and kept in the bench database), and timing."""

import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# The figures of the org dashboard (the last two final rounds of every unit, rolled up over the
# hierarchy) in one SQL statement: the baseline of the dashboard and home page benchmarks.
ORG_AGGREGATE_SQL = """
WITH RECURSIVE ranked AS (
    SELECT s.unit_id, s.respondents, s.invited, s.alignment, s.agreement,
           ROW_NUMBER() OVER (PARTITION BY s.unit_id ORDER BY s.closes_at DESC) AS rn
    FROM insights_roundsummary s JOIN teams_unit u ON u.id = s.unit_id
    WHERE u.organization_id = %(org)s AND s.is_final
), ancestry(unit_id, ancestor_id) AS (
    SELECT id, id FROM teams_unit WHERE organization_id = %(org)s
    UNION ALL
    SELECT a.unit_id, u.parent_id FROM ancestry a JOIN teams_unit u ON u.id = a.ancestor_id
    WHERE u.parent_id IS NOT NULL
)
SELECT a.ancestor_id, r.rn, SUM(r.respondents), SUM(r.invited),
       SUM(r.alignment * r.respondents) / NULLIF(SUM(r.respondents), 0),
       SUM(r.agreement * r.respondents) / NULLIF(SUM(CASE WHEN r.agreement IS NOT NULL THEN r.respondents END), 0)
FROM ranked r JOIN ancestry a ON a.unit_id = r.unit_id
WHERE r.rn <= 2
GROUP BY a.ancestor_id, r.rn
"""


def ensure_database(url: str) -> None:
    """Create the database DATABASE_URL names, if it is PostgreSQL and missing."""
    if not url.startswith(("postgres://", "postgresql://")):
        return
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
        autocommit=True,
    ) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def setup_django(settings: str = "config.test_settings") -> None:
    """Django on the bench database (created if missing), migrated."""
    import warnings

    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pp_bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    warnings.filterwarnings("ignore", message="No directory at")
    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def large_organization(units: int, people: int, rounds: int):
    """The synthetic organization of that size, built by seed_large the first time."""
    from django.core.management import call_command

    from teams.models import Organization

    slug = f"large-{units}-{people}-{rounds}"
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None:
        print(f"building {slug} (once; kept in the bench database)…", flush=True)
        start = time.perf_counter()
        call_command("seed_large", units=units, people=people, rounds=rounds)
        # Statistics now, not whenever autovacuum gets to the new tables: without them the kept
        # figures' page took 67-74 ms instead of 18 ms in the run right after a build.
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"built in {time.perf_counter() - start:.1f} s", flush=True)
        organization = Organization.objects.get(slug=slug)
    return organization


def executive_of(organization):
    from teams.models import User

    user, _ = User.objects.get_or_create(
        email=f"exec@{organization.slug}.example",
        defaults={"organization": organization, "org_role": "executive"},
    )
    return user


def timed(fn, runs: int) -> tuple[float, object]:
    """Median wall time of `runs` calls, and the last result."""
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def page_against_aggregate(path: str, label: str, *, kept_figures: bool = False) -> None:
    """An executive's page of the large organization against ORG_AGGREGATE_SQL, in one run:
    prints both server times (median of --runs), the page's queries, its peak Python memory,
    and last `ratio: X`. Options: --units --people --rounds (the organization), --runs.

    `kept_figures`: the page reads the organization's figures the web process keeps
    (insights.figures_cache). Then `ratio:` is the page as every page but the first after a
    change serves it (figures kept), and the first page after a change (figures computed afresh)
    is measured too and printed before it, with its own ratio."""
    import argparse
    import tracemalloc

    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=10000)
    parser.add_argument("--people", type=int, default=100000)
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    setup_django()

    from django.db import connection
    from django.test import Client

    organization = large_organization(args.units, args.people, args.rounds)
    client = Client()
    client.force_login(executive_of(organization))

    def page():
        response = client.get(path)
        assert response.status_code == 200, response.status_code
        return response

    def aggregate(jit: bool = False):
        # PostgreSQL's JIT compiles this plan (its row estimates are large) for longer than it
        # runs: up to 2 s of 3 s on a loaded machine, a cost none of the page's queries pays.
        # The baseline is the aggregate itself, without it.
        from django.db import transaction

        with transaction.atomic(), connection.cursor() as cursor:
            if not jit and connection.vendor == "postgresql":
                cursor.execute("SET LOCAL jit = off")
            cursor.execute(ORG_AGGREGATE_SQL, {"org": organization.pk})
            return cursor.fetchall()

    page(), aggregate()  # warm caches on both sides (and decide the organization's rounds once)
    queries = []
    with connection.execute_wrapper(lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)):
        page()
    tracemalloc.start()
    page()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    ours, _ = timed(page, args.runs)
    baseline, rows = timed(aggregate, args.runs)
    if kept_figures:
        from insights.figures_cache import figures_forget

        def first_page():
            figures_forget()
            return page()

        cold, _ = timed(first_page, args.runs)
        cold_queries = []
        figures_forget()
        with connection.execute_wrapper(
            lambda execute, sql, *a: cold_queries.append(sql) or execute(sql, *a)
        ):
            page()
        figures_forget()
        tracemalloc.start()
        page()
        cold_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    print(f"organization: {organization.units.count()} units, {args.people} people, {args.rounds} rounds")
    if kept_figures:
        print(
            f"{label}, first after a change (figures computed afresh; median of {args.runs}): "
            f"{cold * 1000:.1f} ms, {len(cold_queries)} queries, peak Python memory {cold_peak / 1e6:.1f} MB"
        )
        label += ", every later page (the organization's figures kept by the process)"
    print(f"{label} (server time, median of {args.runs}): {ours * 1000:.1f} ms, {len(queries)} queries")
    print(f"single SQL aggregate of the same figures: {baseline * 1000:.1f} ms ({len(rows)} rows)")
    if connection.vendor == "postgresql":
        with_jit, _ = timed(lambda: aggregate(jit=True), args.runs)
        print(f"(the same aggregate with PostgreSQL's JIT on, not the baseline: {with_jit * 1000:.1f} ms)")
    print(f"peak Python memory while rendering: {peak / 1e6:.1f} MB")
    if kept_figures:
        print(f"first page after a change, ratio: {cold / baseline:.2f}")
    print(f"ratio: {ours / baseline:.2f}")
