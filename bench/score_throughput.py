"""Scoring end to end through the queue against the encoder's own throughput on the same texts.

    python bench/score_throughput.py [--responses 600]

Saves N answers, queues their scoring as each answer's request does (at most one
`score_round` task per round waiting), and times a real
Celery worker (a separate process, one solo pool) until every answer is scored and
stored. The baseline is the bare encoder run in this process on the same texts
the task encodes (each answer's purpose and fit text), measured one response at a
time and all in one call; the faster of the two counts. The two sides alternate, three
times each (new answers each time), and each counts its best. Prints the throughputs, the
worker's peak memory, and last `ratio: X` (end to end / encoder; target at least 0.9).

Uses PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/pp_bench) and
Redis (CELERY_BROKER_URL, default redis://127.0.0.1:6379/13).
"""

import argparse
import csv
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RUNS = 3
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pp_bench")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/13")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")


def eval_answers() -> list[str]:
    with open(ROOT / "tests" / "data" / "alignment_eval.tsv", encoding="utf-8") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [row["text"] for row in rows if row["kind"] == "answer"]


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=600)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "bench"))
    from common import ensure_database

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    from config.celery import app
    from insights.scoring import round_scoring_queue
    from purpose.engine import app_encoder
    from surveys.models import PulseRound, Response
    from tests.factories import MembershipFactory, OrganizationFactory, PurposeStatementFactory, UnitFactory

    call_command("migrate", verbosity=0)
    app.control.purge()
    answers = eval_answers()
    n = args.responses
    texts = [(answers[i % len(answers)], answers[(i * 7 + 3) % len(answers)]) for i in range(n)]

    organization = OrganizationFactory(slug=f"bench-score-{os.getpid()}")
    try:
        division = UnitFactory(organization=organization, name="Division", kind="division")
        PurposeStatementFactory(
            unit=division, version=1, purpose="We build the products small businesses rely on."
        )
        team = UnitFactory(organization=organization, parent=division, name="Payments")
        statement = PurposeStatementFactory(
            unit=team,
            version=1,
            purpose="We make it effortless for small businesses to accept card payments, so that every sale goes "
            "through on the first try and the money is never in doubt.",
            fit="We own the payment flow the rest of the division builds on.",
        )
        MembershipFactory(unit=team, role="leader", user__email=f"lead-{os.getpid()}@bench.example")
        from django.utils import timezone

        now = timezone.now()
        pulse_round = PulseRound.objects.create(
            unit=team,
            purpose_statement=statement,
            scheduled_for=now,
            opens_at=now,
            closes_at=now + timezone.timedelta(days=5),
        )
        warm = 20

        def save_answers(pairs):
            return Response.objects.bulk_create(
                Response(
                    round=pulse_round,
                    purpose_text=p,
                    fit_text=f,
                    understands_purpose=4,
                    sees_contribution=4,
                    shapes_direction=3,
                )
                for p, f in pairs
            )

        encoder = app_encoder()
        for p, f in texts[:warm]:
            encoder.encode([p]), encoder.encode([f])

        def encoder_alone() -> tuple[float, float]:
            """The encoder alone on the texts each task encodes: one response at a time, all in one call."""
            start = time.perf_counter()
            for p, f in texts:
                encoder.encode([p])
                encoder.encode([f])
            one_at_a_time = n / (time.perf_counter() - start)
            start = time.perf_counter()
            encoder.encode([p for p, _ in texts])
            encoder.encode([f for _, f in texts])
            return one_at_a_time, n / (time.perf_counter() - start)

        env = {**os.environ, "DJANGO_ALLOW_ASYNC_UNSAFE": "", "PYTHONPATH": str(ROOT)}
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=solo",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=WARNING",
            ],
            cwd=ROOT,
            env=env,
        )
        pending = Response.objects.filter(round=pulse_round, needs_scoring=True)

        def through_the_worker() -> float:
            responses = save_answers(texts)
            start = time.perf_counter()
            # As each answer's request does after commit: at most one task per round is queued.
            for _ in responses:
                round_scoring_queue(round_id=pulse_round.pk)
            while pending.exists():
                time.sleep(0.1)  # seldom, so polling takes little of the two cores the worker uses
            return n / (time.perf_counter() - start)

        try:
            deadline = time.time() + 60
            while not app.control.ping(timeout=1.0):
                if time.time() > deadline or worker.poll() is not None:
                    raise SystemExit("the worker did not start")
            save_answers(texts[:warm])  # the worker loads the model on its first task
            round_scoring_queue(round_id=pulse_round.pk)
            while pending.exists():
                time.sleep(0.05)
            # Alternate, best of RUNS each, so a moment of load elsewhere on the machine
            # counts against neither side alone.
            alone, end_to_end = [], []
            for _ in range(RUNS):
                alone.append(encoder_alone())
                end_to_end.append(through_the_worker())
            memory = peak_rss_mb(worker.pid)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
        scored = Response.objects.filter(round=pulse_round, score__alignment__isnull=False).count()
        one_at_a_time = max(one for one, _ in alone)
        all_at_once = max(every for _, every in alone)
        # The stricter of the two: the encoder at its best on exactly these texts.
        baseline = max(one_at_a_time, all_at_once)

        def listed(figures) -> str:
            return ", ".join(f"{f:.1f}" for f in figures)

        print(f"responses scored: {scored - warm} ({RUNS} x {n}, +{warm} warm-up), encoder {encoder.name}")
        print(
            f"encoder alone, same texts, one response at a time: {one_at_a_time:.1f} responses/s "
            f"(best of {RUNS}: {listed(one for one, _ in alone)})"
        )
        print(
            f"encoder alone, same texts, all in one call:        {all_at_once:.1f} responses/s "
            f"(best of {RUNS}: {listed(every for _, every in alone)})"
        )
        print(
            f"end to end through Redis and a Celery worker:       {max(end_to_end):.1f} responses/s "
            f"(best of {RUNS}: {listed(end_to_end)})"
        )
        print(f"worker peak memory (RSS): {memory:.0f} MB")
        print(f"ratio: {max(end_to_end) / baseline:.2f}  (end to end / the faster encoder figure)")
    finally:
        PulseRound.objects.filter(unit__organization=organization).delete()
        organization.users.all().delete()
        organization.units.all().delete()
        organization.delete()


if __name__ == "__main__":
    main()
