"""The answer cycle under concurrent members, against a minimal Django view on the same server.

Usage, from the repository root:

    python bench/answer_load.py [--members 16] [--seconds 5] [--rounds 4] [--worker-class gthread --workers 2 --threads 4]

Uses DATABASE_URL (default postgres://postgres@127.0.0.1:5432/pp_bench, created if
missing) and CELERY_BROKER_URL (default redis://127.0.0.1:6379/13). Builds a scratch
organization with two teams of --pool members each and an open round for both, then
starts gunicorn on 127.0.0.1 (the production logger of config/gunicorn.py, the worker
class and counts from the options) serving the app and, beside it, at
/minimal/<token>/, the least a Django view can do for the same cycle: find the
invitation by its token's hash, render a small form (GET), insert the answer's row
and render a small page (POST), through the same middleware.

Each of --members threads plays members one after another: GET the pulse form, then
POST the answer as the page's htmx does; ours also queues the round's scoring to
Redis as in production. The two sides run alternately, --rounds times each for --seconds
(short turns, so the other work on a shared machine weighs on both alike).
Prints each side's answers per second and the server time of its GETs and POSTs
(gunicorn's own %(D)s, so client time is left out), the web workers' peak memory,
and last `ratio: X` (ours / minimal); the target (issue 13) is 0.6. Removes
everything it made.
"""

import argparse
import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ensure_database  # noqa: E402

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pp_bench")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/13")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")  # static files without collectstatic
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 60)
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECURE_COOKIES", "false")  # plain HTTP on 127.0.0.1
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1")

SLUG = "bench-answer-load"
ACCESS_FORMAT = "%(m)s %(U)s %(s)s %(D)s"
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ANSWER = {
    "purpose_text": "We make it easy for small shops to take card payments, so they get paid on time.",
    "fit_text": "Product builds on the payments we capture; finance reconciles them.",
    "understands_purpose": "4",
    "sees_contribution": "4",
    "shapes_direction": "3",
    "question_for_leader": "",
    "revision": "0",
}


# --- The server side: imported by gunicorn as `answer_load:wsgi_app()` -------------------


def wsgi_app():
    """The app's WSGI application, with /minimal/<token>/ added in front of its URLs."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application
    from django.urls import include, path

    globals()["urlpatterns"] = [
        path("minimal/<str:token>/", minimal_answer),
        path("", include("config.urls")),
    ]
    settings.ROOT_URLCONF = __name__
    return get_wsgi_application()


MINIMAL_FORM = """<!doctype html><html><head><title>Pulse</title></head><body>
<form method="post">{% csrf_token %}
<textarea name="purpose_text"></textarea><textarea name="fit_text"></textarea>
<input name="understands_purpose"><input name="sees_contribution"><input name="shapes_direction">
<textarea name="question_for_leader"></textarea><button>Send</button></form></body></html>"""
MINIMAL_THANKS = "<!doctype html><p>Thanks, {{ name }}: your answer is saved.</p>"


def minimal_answer(request, token: str):
    from django.http import Http404, HttpResponse

    from surveys.models import Invitation, Response, token_hash

    invitation = Invitation.objects.filter(token_hash=token_hash(token)).select_related("user").first()
    if invitation is None:
        raise Http404
    if request.method == "POST":
        Response.objects.create(
            round_id=invitation.round_id,
            invitation=invitation,
            purpose_text=request.POST["purpose_text"],
            fit_text=request.POST["fit_text"],
            understands_purpose=int(request.POST["understands_purpose"]),
            sees_contribution=int(request.POST["sees_contribution"]),
            shapes_direction=int(request.POST["shapes_direction"]),
            question_for_leader=request.POST["question_for_leader"],
        )
        return HttpResponse(_template(MINIMAL_THANKS).render({"name": invitation.user.name}))
    return HttpResponse(_template(MINIMAL_FORM).render({}, request))


@cache
def _template(source: str):
    from django.template import engines

    return engines["django"].from_string(source)


# --- The client side ------------------------------------------------------------------------


class Side:
    def __init__(self, name: str, prefix: str, tokens: list[str]):
        self.name, self.prefix = name, prefix
        self.tokens = iter(tokens)
        self.lock = threading.Lock()
        self.cycles = self.errors = 0
        self.error_examples: list[str] = []
        self.elapsed = 0.0
        self.server_ms: dict[str, list[float]] = {"GET": [], "POST": []}

    def next_token(self) -> str | None:
        with self.lock:
            return next(self.tokens, None)


def one_cycle(conn: http.client.HTTPConnection, side: Side, token: str) -> str | None:
    """GET the form, POST the answer the way the page's htmx does. None, or what went wrong."""
    url = f"/{side.prefix}/{token}/"
    conn.request("GET", url)
    response = conn.getresponse()
    page = response.read().decode()
    if response.status != 200:
        return f"GET {response.status}"
    cookie = next(
        (v.split(";")[0] for k, v in response.getheaders() if k.lower() == "set-cookie" and "csrftoken" in v),
        None,
    )
    field = CSRF_FIELD.search(page)
    if cookie is None or field is None:
        return "no CSRF token on the form"
    body = urlencode({**ANSWER, "csrfmiddlewaretoken": field.group(1)})
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": cookie,
        "HX-Request": "true",
        "HX-Target": "pulse",
        "Referer": f"http://127.0.0.1{url}",
    }
    conn.request("POST", url, body=body, headers=headers)
    response = conn.getresponse()
    response.read()
    return None if response.status == 200 else f"POST {response.status}"


def run_side(side: Side, *, port: int, members: int, seconds: float) -> None:
    deadline = time.perf_counter() + seconds

    def member() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.perf_counter() < deadline:
            token = side.next_token()
            if token is None:
                return
            try:
                problem = one_cycle(conn, side, token)
            except (OSError, http.client.HTTPException) as error:
                problem = repr(error)
                conn.close()
            with side.lock:
                if problem is None:
                    side.cycles += 1
                else:
                    side.errors += 1
                    if len(side.error_examples) < 3:
                        side.error_examples.append(problem)
        conn.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=member) for _ in range(members)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    side.elapsed += time.perf_counter() - started


def read_server_times(log: Path, offset: int, side: Side) -> int:
    """Add the server times (ms) logged since `offset` to the side; returns the new offset."""
    with log.open() as lines:
        lines.seek(offset)
        for line in lines:
            parts = line.split()
            if len(parts) == 4 and parts[0] in side.server_ms and parts[2].startswith("2"):
                side.server_ms[parts[0]].append(int(parts[3]) / 1000)
        return lines.tell()


def percentiles(values: list[float]) -> str:
    if len(values) < 2:
        return "n/a"
    cuts = statistics.quantiles(values, n=100)
    return f"p50 {cuts[49]:.1f} ms, p90 {cuts[89]:.1f} ms, p99 {cuts[98]:.1f} ms"


def workers_peak_memory(master: int) -> list[int]:
    """Peak resident memory of each gunicorn worker (bytes), from /proc (Linux)."""
    peaks = []
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        for child in children:
            for line in Path(f"/proc/{child}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) * 1024)
    except OSError:
        return []
    return peaks


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(args, port: int, log: Path) -> subprocess.Popen:
    command = [
        *(sys.executable, "-m", "gunicorn", "-c", "python:config.gunicorn"),
        *("--bind", f"127.0.0.1:{port}", "--worker-class", args.worker_class),
        *("--workers", str(args.workers), "--threads", str(args.threads)),
        *("--access-logfile", str(log), "--access-logformat", ACCESS_FORMAT),
        *("--pythonpath", str(ROOT / "bench"), "answer_load:wsgi_app()"),
    ]
    server = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit("gunicorn did not start") from None
            time.sleep(0.1)
    raise SystemExit("gunicorn did not answer")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=16, help="concurrent members (client threads)")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each side's turn")
    parser.add_argument("--rounds", type=int, default=4, help="turns of each side, alternating")
    parser.add_argument("--pool", type=int, default=8000, help="invited members per side")
    parser.add_argument("--worker-class", default="gthread", choices=["sync", "gthread"])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from config.celery import app
    from purpose.models import PurposeStatement
    from surveys.models import PulseRound, link_token
    from surveys.rounds import round_open
    from teams.models import Membership, Organization, Unit, User

    call_command("migrate", verbosity=0)

    def clean_up() -> None:
        PulseRound.objects.filter(unit__organization__slug=SLUG).delete()
        User.objects.filter(email__endswith="@answer-load.invalid").delete()
        Organization.objects.filter(slug=SLUG).delete()
        with app.connection_for_write() as conn:
            conn.default_channel.client.delete("celery")  # no worker here: drop what was queued

    def team_with_open_round(name: str) -> list[str]:
        unit = Unit.objects.create(organization=organization, name=name)
        users = User.objects.bulk_create(
            (
                User(
                    email=f"{name.lower()}{i}@answer-load.invalid",
                    name=f"{name} {i}",
                    organization=organization,
                    password=password,
                )
                for i in range(args.pool)
            ),
            batch_size=5000,
        )
        Membership.objects.bulk_create((Membership(unit=unit, user=u) for u in users), batch_size=5000)
        PurposeStatement.objects.create(
            unit=unit,
            version=1,
            purpose="We make card payments effortless for small shops.",
            fit="We serve Product.",
        )
        now = timezone.now()
        pulse_round = round_open(
            unit=unit, scheduled_for=now, closes_at=now + timedelta(days=5), remind_at=None
        )
        return [link_token(pulse_round.pk, u.pk) for u in users]

    clean_up()
    organization = Organization.objects.create(name="Answer load", slug=SLUG)
    password = make_password(None)
    print(f"Inviting {args.pool:,} members on each side…", flush=True)
    sides = {
        "minimal": Side("minimal view", "minimal", team_with_open_round("Minimal")),
        "ours": Side("pulse_answer", "p", team_with_open_round("Ours")),
    }
    connection.close()
    descriptor, name = tempfile.mkstemp(prefix="answer-load-", suffix=".log")
    os.close(descriptor)
    log = Path(name)
    port = free_port()
    server = start_server(args, port, log)
    try:
        offset = 0
        # Warm both up (imports, templates, connections), then alternate: neither side
        # has the warmer machine alone.
        for side in sides.values():
            warm = Side("warm-up", side.prefix, [side.next_token() for _ in range(args.members * 2)])
            run_side(warm, port=port, members=args.members, seconds=60)
        time.sleep(0.5)
        offset = log.stat().st_size
        for _ in range(args.rounds):
            for side in sides.values():
                run_side(side, port=port, members=args.members, seconds=args.seconds)
                time.sleep(0.3)  # the access log is written after the response
                offset = read_server_times(log, offset, side)
        peaks = workers_peak_memory(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        log.unlink(missing_ok=True)
        clean_up()

    server_kind = f"gunicorn {args.worker_class}, {args.workers} workers" + (
        f" x {args.threads} threads" if args.worker_class == "gthread" else ""
    )
    print(f"members: {args.members} concurrent   server: {server_kind}   database: {connection.vendor}")
    rates = {}
    for key, side in sides.items():
        rates[key] = side.cycles / side.elapsed
        print(
            f"{side.name:>13}: {rates[key]:6.1f} answers/s ({side.cycles} in {side.elapsed:.1f} s"
            f", {side.errors} errors{': ' + ', '.join(side.error_examples) if side.errors else ''})"
        )
        for method in ("GET", "POST"):
            print(f"{'':>15}server time, {method:>4}: {percentiles(side.server_ms[method])}")
    print(f"web workers' peak memory (VmHWM): {', '.join(f'{p / 2**20:.0f} MiB' for p in peaks) or 'n/a'}")
    print(f"ratio: {rates['ours'] / rates['minimal']:.2f}")


if __name__ == "__main__":
    main()
