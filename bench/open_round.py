"""Opening one pulse round for 100,000 members, against a plain bulk insert of the same rows.

Usage, from the repository root:  python bench/open_round.py [--members N]

Uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/pp_bench, created
if missing) and CELERY_BROKER_URL (default redis://127.0.0.1:6379/13), builds a
scratch organization, measures, and removes everything it made. Opening counts
in full: the member query, the round, the invitations with their tokens, and
the email tasks queued to Redis after commit. The last line is `ratio: X`
(opening / plain insert); the budget in DESIGN.md is 2.
"""

import argparse
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    args = parser.parse_args()

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
        # Rounds first (they protect the purpose statement), then people, then the organization.
        PulseRound.objects.filter(unit__organization__slug=slug).delete()
        User.objects.filter(email__endswith="@bench.invalid").delete()
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

    def plain_insert() -> float:
        """The same rows, precomputed, in one bulk insert: the floor for opening a round."""
        now = timezone.now()
        pulse_round = PulseRound.objects.create(
            unit=unit,
            purpose_statement=statement,
            scheduled_for=now,
            opens_at=now,
            closes_at=now + timezone.timedelta(days=5),
            status="closed",
        )
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

    def open_for_real(*, trace_memory: bool = False) -> tuple[float, int]:
        now = timezone.now()
        if trace_memory:  # tracing slows Python down several times: only in an untimed run
            tracemalloc.start()
        started = time.perf_counter()
        pulse_round = round_open(
            unit=unit, scheduled_for=now, closes_at=now + timezone.timedelta(days=5), remind_at=None, now=now
        )
        elapsed = time.perf_counter() - started
        peak = 0
        if trace_memory:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        assert pulse_round.invitations.count() == args.members
        pulse_round.delete()
        return elapsed, peak

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        # Alternate, best of three each, so neither side benefits from a warm cache alone.
        plain_times, open_times = [], []
        for _ in range(3):
            plain_times.append(plain_insert())
            open_times.append(open_for_real()[0])
        peak = open_for_real(trace_memory=True)[1]
        with app.connection_for_write() as conn:
            redis = conn.default_channel.client
            messages = redis.llen("celery") - queued_before
            redis.delete("celery")  # nobody will send these: the invitations are gone
        plain, opened = min(plain_times), min(open_times)
        print(f"members: {args.members:,}   database: {connection.vendor}   broker: {app.conf.broker_url}")
        print(
            f"plain bulk insert of the invitations: {plain:.3f} s (best of 3: {', '.join(f'{t:.3f}' for t in plain_times)})"
        )
        print(
            f"opening the round (query, round, invitations, queued emails): {opened:.3f} s "
            f"(best of 3: {', '.join(f'{t:.3f}' for t in open_times)})"
        )
        print(f"email tasks queued per opening: {messages // 4} (chunks of invitation ids)")
        print(f"peak Python memory while opening (traced, untimed run): {peak / 2**20:.1f} MiB")
        print(f"ratio: {opened / plain:.2f}")
    finally:
        clean_up()


if __name__ == "__main__":
    main()
