"""Opening one pulse round for 100,000 members, against a plain bulk insert of the same rows.

Usage, from the repository root:  python bench/open_round.py [--members N]

Uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/pp_bench, created
if missing) and CELERY_BROKER_URL (default redis://127.0.0.1:6379/13), builds a
scratch organization, measures, and removes everything it made. Opening counts
in full: the member query, the round, the invitations with their tokens, and
the email tasks queued to Redis after commit. The baseline is the same rows,
tokens already derived, inserted in one transaction by Django's bulk_create and
by COPY; the faster of the two counts (the product inserts by COPY). Best of
three each, alternating. Then one more opening in a fresh process of its own, as
a worker would run it, for its peak memory (VmHWM, Linux). The last line is
`ratio: X` (opening / the faster plain insert); the budget is 1.5.
"""

import argparse
import json
import os
import subprocess
import sys
import time
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


def peak_rss_mib() -> float:
    """This process's peak resident memory so far (VmHWM), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def open_in_this_process(unit_id: int) -> None:
    """Run by the fresh process: open one round of the unit and print its memory figures as JSON."""
    import django

    django.setup()
    from django.utils import timezone

    from surveys.rounds import round_open
    from teams.models import Unit

    unit = Unit.objects.select_related("organization").get(pk=unit_id)
    before = peak_rss_mib()  # Django loaded and connected: what any worker holds already
    now = timezone.now()
    pulse_round = round_open(
        unit=unit, scheduled_for=now, closes_at=now + timezone.timedelta(days=5), remind_at=None, now=now
    )
    print(json.dumps({"round": pulse_round.pk, "before": before, "peak": peak_rss_mib()}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--open-unit", type=int, help=argparse.SUPPRESS)  # the fresh process's part
    args = parser.parse_args()
    if args.open_unit:
        open_in_this_process(args.open_unit)
        return

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from config.celery import app
    from purpose.models import PurposeStatement
    from surveys.models import Invitation, PulseRound, link_token_hash
    from surveys.rounds import round_open
    from teams.models import Membership, Organization, Unit, User

    call_command("migrate", verbosity=0)
    slug = "bench-open-round"

    def clean_up() -> None:
        # Rounds first (they protect the purpose statement), then people, units, the organization.
        PulseRound.objects.filter(unit__organization__slug=slug).delete()
        User.objects.filter(email__endswith="@bench.invalid").delete()
        Unit.objects.filter(organization__slug=slug).delete()
        Organization.objects.filter(slug=slug).delete()

    clean_up()  # after a previous run that died
    organization = Organization.objects.create(name="Bench", slug=slug)
    unit = Unit.objects.create(organization=organization, name="Everyone")
    password = make_password(None)
    print(f"Creating {args.members:,} members…", flush=True)
    users = User.objects.bulk_create(
        (
            User(email=f"m{i}@bench.invalid", organization=organization, password=password)
            for i in range(args.members)
        ),
        batch_size=5000,
    )
    Membership.objects.bulk_create((Membership(unit=unit, user=u) for u in users), batch_size=5000)
    statement = PurposeStatement.objects.create(unit=unit, version=1, purpose="We measure.")
    user_ids = [u.pk for u in users]
    with app.connection_for_write() as conn:
        redis = conn.default_channel.client
        redis.delete("celery")
        queued_before = redis.llen("celery")

    def scratch_round() -> PulseRound:
        now = timezone.now()
        return PulseRound.objects.create(
            unit=unit,
            purpose_statement=statement,
            scheduled_for=now,
            opens_at=now,
            closes_at=now + timezone.timedelta(days=5),
            status="closed",
        )

    def plain_bulk_create() -> float:
        """The same rows, precomputed, in one bulk insert: the floor for opening a round."""
        pulse_round, now = scratch_round(), timezone.now()
        rows = [
            Invitation(
                round=pulse_round, user_id=uid, token_hash=link_token_hash(pulse_round.pk, uid), queued_at=now
            )
            for uid in user_ids
        ]
        started = time.perf_counter()
        with transaction.atomic():
            Invitation.objects.bulk_create(rows, batch_size=5000)
        elapsed = time.perf_counter() - started
        pulse_round.delete()
        return elapsed

    def plain_copy() -> float:
        """The same rows, precomputed as tuples, in one COPY (as the product writes them)."""
        pulse_round, now = scratch_round(), timezone.now()
        rows = [(pulse_round.pk, uid, link_token_hash(pulse_round.pk, uid), now, "") for uid in user_ids]
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            columns = "round_id, user_id, token_hash, queued_at, withdrawn_reason"
            with cursor.copy(f"COPY surveys_invitation ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        elapsed = time.perf_counter() - started
        assert pulse_round.invitations.count() == args.members
        pulse_round.delete()
        return elapsed

    def open_for_real() -> float:
        now = timezone.now()
        started = time.perf_counter()
        pulse_round = round_open(
            unit=unit, scheduled_for=now, closes_at=now + timezone.timedelta(days=5), remind_at=None, now=now
        )
        elapsed = time.perf_counter() - started
        assert pulse_round.invitations.count() == args.members
        pulse_round.delete()
        return elapsed

    def open_in_a_fresh_process() -> dict:
        result = subprocess.run(
            [sys.executable, __file__, "--open-unit", str(unit.pk)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        figures = json.loads(result.stdout.strip().splitlines()[-1])
        pulse_round = PulseRound.objects.get(pk=figures["round"])
        assert pulse_round.invitations.count() == args.members
        pulse_round.delete()
        return figures

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        # Alternate, best of three each, so no side benefits from a warm cache alone.
        bulk_times, copy_times, open_times = [], [], []
        for _ in range(3):
            bulk_times.append(plain_bulk_create())
            copy_times.append(plain_copy())
            open_times.append(open_for_real())
        memory = open_in_a_fresh_process()
        with app.connection_for_write() as conn:
            redis = conn.default_channel.client
            messages = redis.llen("celery") - queued_before
            redis.delete("celery")  # nobody will send these: the invitations are gone
        bulk, copied, opened = min(bulk_times), min(copy_times), min(open_times)
        plain = min(bulk, copied)

        def listed(times: list[float]) -> str:
            return ", ".join(f"{t:.3f}" for t in times)

        print(f"members: {args.members:,}   database: {connection.vendor}   broker: {app.conf.broker_url}")
        print(f"plain bulk_create of the invitations: {bulk:.3f} s (best of 3: {listed(bulk_times)})")
        print(f"plain COPY of the invitations:        {copied:.3f} s (best of 3: {listed(copy_times)})")
        print(
            f"opening the round (query, round, invitations, queued emails): {opened:.3f} s "
            f"(best of 3: {listed(open_times)})"
        )
        print(f"email tasks queued per opening: {messages // 4} (chunks of invitation ids)")
        print(
            f"peak memory of a process opening the round (VmHWM): {memory['peak']:.0f} MiB, "
            f"{memory['peak'] - memory['before']:.0f} MiB of it for the opening"
        )
        print(f"ratio: {opened / plain:.2f}  (opening / the faster plain insert)")
    finally:
        clean_up()


if __name__ == "__main__":
    main()
