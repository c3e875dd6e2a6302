"""Pulse links: the database keeps only a hash of each link's token, and no log prints a token."""

import hashlib
import io
import logging
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.core.servers.basehttp import WSGIRequestHandler
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from surveys.emails import invitation_remind, invitation_send
from surveys.models import Invitation, link_token, token_hash
from teams.models import Membership
from tests.factories import MembershipFactory, PurposeStatementFactory, UserFactory

pytestmark = pytest.mark.django_db
REPO = Path(__file__).resolve().parents[2]
LINK = re.compile(r"https://pulse\.example(/p/[^/\s]+/)")


@pytest.fixture(autouse=True)
def during_the_round(time_machine, t0, settings):
    settings.SITE_URL = "https://pulse.example"
    time_machine.move_to(t0 + timedelta(hours=1))


def emailed_path() -> str:
    [path] = set(LINK.findall(mail.outbox[-1].body))
    return path


def stored_invitations_text() -> str:
    """Every column of every invitation, as the database holds them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(i)::text FROM surveys_invitation i")
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_emailed_link_opens_the_pulse_and_the_database_holds_only_its_hash(client, invitation, t0):
    assert invitation_send(invitation_id=invitation.pk, now=t0) is True
    path = emailed_path()
    token = path.split("/")[2]

    page = client.get(path)
    assert page.status_code == 200
    assert "How would you describe what" in page.content.decode()
    assert token not in stored_invitations_text()
    stored = Invitation.objects.get(pk=invitation.pk)
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest() != token
    assert not Invitation.objects.filter(token_hash=token).exists()


def test_a_reminder_days_later_carries_a_link_that_opens(client, invitation, t0):
    """The worker derives the link again when it mails a reminder: nothing stored it."""
    invitation_send(invitation_id=invitation.pk, now=t0)
    first = emailed_path()
    assert invitation_remind(invitation_id=invitation.pk, now=t0 + timedelta(days=2)) is True
    assert emailed_path() == first
    assert client.get(first).status_code == 200


def test_a_link_with_one_character_changed_opens_nothing(client, invitation):
    token = invitation.token
    wrong = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert client.get(reverse("pulse_answer", args=[wrong])).status_code == 404


def test_links_keep_opening_after_the_secret_key_is_rotated_while_the_old_one_is_a_fallback(
    client, invitation, settings
):
    before = invitation.token
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "r0tated-" * 6
    again = Invitation.objects.get(pk=invitation.pk)
    assert again.token == before  # an email sent now carries the link already out there
    assert client.get(reverse("pulse_answer", args=[before])).status_code == 200


# --- Links emailed before tokens were hashed (migration 0009) ------------------------------

BEFORE_HASHING = [("surveys", "0008_invitation_withdrawn")]


@pytest.mark.django_db(transaction=True)
def test_links_emailed_before_the_migration_still_open_and_the_plain_token_is_gone(client, t0):
    # Made first: saving people and units tells insights (its figures version), whose tables
    # the migration below takes back to before they existed.
    membership = MembershipFactory(role=Membership.Role.MEMBER)
    unit, user = membership.unit, membership.user
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_HASHING)
    # Surveys and the apps above it go back; those below keep their current tables and models.
    apps = executor.loader.project_state(BEFORE_HASHING).apps
    statement = PurposeStatementFactory(unit=unit, version=1, purpose="We make card payments effortless.")
    pulse_round = apps.get_model("surveys", "PulseRound").objects.create(
        unit_id=unit.pk,
        purpose_statement_id=statement.pk,
        scheduled_for=t0,
        opens_at=t0,
        closes_at=t0 + timedelta(days=5),
    )
    emailed = "an-old-random-token-emailed-before-hashing"
    apps.get_model("surveys", "Invitation").objects.create(round=pulse_round, user_id=user.pk, token=emailed)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert emailed not in stored_invitations_text()
    invitation = Invitation.objects.get(round_id=pulse_round.pk)
    assert invitation.legacy_token_hash == token_hash(emailed)
    assert invitation.token_hash == token_hash(link_token(pulse_round.pk, user.pk))
    assert client.get(f"/p/{emailed}/").status_code == 200  # the link already in the inbox
    assert client.get(f"/p/{invitation.token}/").status_code == 200  # the link a reminder carries


# --- Logs -------------------------------------------------------------------------------------


def test_refused_and_unknown_links_are_logged_without_their_token(client, invitation, caplog):
    """Django's "Not Found: /p/…" and "Forbidden: /p/…" warnings name the path, not the token."""
    unknown = "Zx9" + invitation.token[3:]
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get(f"/p/{unknown}/").status_code == 404
        client.force_login(UserFactory(organization=invitation.user.organization))
        assert client.get(f"/p/{invitation.token}/").status_code == 403  # someone else's link
    logged = caplog.text
    assert "Not Found: /p/[token]/" in logged and "Forbidden: /p/[token]/" in logged
    assert invitation.token not in logged and unknown not in logged


def test_the_development_server_logs_requests_without_the_token(invitation):
    """What runserver (config/devserver.py's web server) prints for each request, through the real
    request handler and the project's logging."""
    handlers = [
        h for h in logging.getLogger("django.server").handlers if isinstance(h, logging.StreamHandler)
    ]
    printed = io.StringIO()
    previous = [handler.setStream(printed) for handler in handlers]
    try:
        request_handler = WSGIRequestHandler.__new__(WSGIRequestHandler)
        request_handler.request = None
        request_handler.log_message(
            '"%s" %s %s', f"GET /p/{invitation.token}/?edit=1 HTTP/1.1", "200", "5120"
        )
        request_handler.log_message(
            '"%s" %s %s', "GET /password-reset/MQ/c4n-b3-s3cr3t/ HTTP/1.1", "302", "0"
        )
    finally:
        for handler, stream in zip(handlers, previous, strict=True):
            handler.setStream(stream)
    assert '"GET /p/[token]/?edit=1 HTTP/1.1" 200 5120' in printed.getvalue()
    assert '"GET /password-reset/[uid]/[token]/ HTTP/1.1" 302 0' in printed.getvalue()
    assert invitation.token not in printed.getvalue() and "c4n-b3-s3cr3t" not in printed.getvalue()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_logs_requests_without_the_token(tmp_path):
    """The production server (config/gunicorn.py), started for real: its access line carries the
    request line, the path and the Referer, and none of them the token."""
    port = _free_port()
    access, errors = tmp_path / "access.log", tmp_path / "error.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    # The app reads the test database, where no invitation has these tokens: a 404, logged.
    env["DATABASE_URL"] = env["DATABASE_URL"].rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"]
    server = subprocess.Popen(
        [
            *(
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "python:config.gunicorn",
                "--bind",
                f"127.0.0.1:{port}",
            ),
            *("--workers", "1", "--access-logfile", str(access), "--error-logfile", str(errors)),
            "config.wsgi:application",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    secret, referer_secret = "SeCrEtToKeN-" + "q" * 20, "ReFeReRtOkEn-" + "w" * 19
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, "gunicorn did not start"
                time.sleep(0.1)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/p/{secret}/?edit=1",
            headers={"Referer": f"http://127.0.0.1:{port}/p/{referer_secret}/"},
        )
        with pytest.raises(urllib.error.HTTPError) as answered:
            urllib.request.urlopen(request, timeout=30)
        assert answered.value.code == 404
        for _ in range(50):  # the access line is written after the response
            if access.exists() and access.read_text():
                break
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=30)
    logged = access.read_text() + errors.read_text()
    assert '"GET /p/[token]/?edit=1 HTTP/1.1" 404' in logged
    assert f'"http://127.0.0.1:{port}/p/[token]/"' in logged  # the Referer, redacted too
    assert secret not in logged and referer_secret not in logged


def test_the_gunicorn_settings_name_the_redacting_logger():
    """Guard against the compose file or the image starting gunicorn without the settings."""
    for path in ("docker-compose.yml", "Dockerfile"):
        assert "python:config.gunicorn" in (REPO / path).read_text(), path
