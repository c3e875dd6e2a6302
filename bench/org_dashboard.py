"""Org dashboard at scale: server time of the page against the single SQL aggregate of the same figures.

    python bench/org_dashboard.py [--units 10000 --people 100000 --rounds 12]

Uses PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/pp_bench; the
database is created if missing) and builds the synthetic organization once (seed_large).
Prints both times (median of several runs), the query count, peak memory, and last `ratio: X`.
"""

import argparse
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pp_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
import warnings  # noqa: E402

warnings.filterwarnings("ignore", message="No directory at")

BASELINE_SQL = """
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
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def timed(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=10000)
    parser.add_argument("--people", type=int, default=100000)
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from teams.models import Organization, User

    call_command("migrate", verbosity=0)
    slug = f"large-{args.units}-{args.people}-{args.rounds}"
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None:
        print(f"building {slug} (once; kept in the bench database)…", flush=True)
        start = time.perf_counter()
        call_command("seed_large", units=args.units, people=args.people, rounds=args.rounds)
        print(f"built in {time.perf_counter() - start:.1f} s", flush=True)
        organization = Organization.objects.get(slug=slug)
    executive, _ = User.objects.get_or_create(
        email=f"exec@{slug}.example", defaults={"organization": organization, "org_role": "executive"}
    )
    client = Client()
    client.force_login(executive)

    def page():
        response = client.get("/dashboard/")
        assert response.status_code == 200, response.status_code
        return response

    def aggregate():
        with connection.cursor() as cursor:
            cursor.execute(BASELINE_SQL, {"org": organization.pk})
            return cursor.fetchall()

    page(), aggregate()  # warm caches on both sides
    queries = []
    with connection.execute_wrapper(lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)):
        page()
    tracemalloc.start()
    page()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    ours, _ = timed(page, args.runs)
    baseline, rows = timed(aggregate, args.runs)
    units = organization.units.count()
    print(f"organization: {units} units, {args.people} people, {args.rounds} rounds")
    print(
        f"org dashboard page (server time, median of {args.runs}): {ours * 1000:.1f} ms, {len(queries)} queries"
    )
    print(f"single SQL aggregate of the same figures:        {baseline * 1000:.1f} ms ({len(rows)} rows)")
    print(f"peak Python memory while rendering: {peak / 1e6:.1f} MB")
    print(f"ratio: {ours / baseline:.2f}")


if __name__ == "__main__":
    main()
