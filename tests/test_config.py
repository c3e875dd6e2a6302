"""Settings come from the environment, fail loudly, and hold up in production."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from demo.seed import DEMO_LOGINS

ROOT = Path(__file__).resolve().parent.parent
PROD_ENV = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/whatever",
    "SECRET_KEY": "k3y-" + "x9Q!m2Zr" * 8,
    "DEBUG": "false",
    "ALLOWED_HOSTS": "pulse.example.com",
}


# The suite itself runs with these set (PostgreSQL, Redis, the test key); a
# subprocess that wants another configuration starts from none of them.
CONFIG_VARIABLES = (
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "DEBUG",
    "DEV_MODE",
    "SECRET_KEY",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "SECURE_COOKIES",
    "SECURE_HSTS_PRELOAD",
    "SITE_URL",
)


def clean_environment(**env: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
    return {**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env}


def run_django(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = clean_environment(DATA_DIR=str(ROOT / "test-output" / "data"), **env)
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "env,message",
    [
        ({"DEV_MODE": "perhaps"}, "DEV_MODE must be true or false"),
        ({"DEBUG": "maybe"}, "DEBUG must be true or false"),
        ({"DEV_MODE": "true", "EMAIL_PORT": "smtp"}, "EMAIL_PORT must be a whole number"),
        ({"DEV_MODE": "true", "SESSION_COOKIE_AGE": "8h"}, "SESSION_COOKIE_AGE must be a whole number"),
        ({"DEV_MODE": "true", "REQUEST_MAX_BYTES": "10"}, "REQUEST_MAX_BYTES must be between"),
        ({"DEV_MODE": "true", "CACHE_URL": "memcached://x"}, "CACHE_URL must be locmem:// or a redis:// URL"),
        ({**PROD_ENV, "SECURE_HSTS_PRELOAD": "sometimes"}, "SECURE_HSTS_PRELOAD must be true or false"),
        ({"SECRET_KEY": PROD_ENV["SECRET_KEY"]}, "DATABASE_URL must be set in production"),
        (
            {"DATABASE_URL": "mysql://u@h/db", "SECRET_KEY": PROD_ENV["SECRET_KEY"]},
            "DATABASE_URL must point to PostgreSQL or SQLite",
        ),
        (
            {"DATABASE_URL": "nonsense", "SECRET_KEY": PROD_ENV["SECRET_KEY"]},
            "DATABASE_URL is not a valid database URL",
        ),
        ({"DATABASE_URL": PROD_ENV["DATABASE_URL"], "DEBUG": "false"}, "SECRET_KEY must be set"),
        ({"DATABASE_URL": PROD_ENV["DATABASE_URL"], "SECRET_KEY": "short"}, "SECRET_KEY must be at least 50"),
        (
            {"DATABASE_URL": PROD_ENV["DATABASE_URL"], "SECRET_KEY": "django-insecure-" + "x" * 50},
            "SECRET_KEY must be at least 50",
        ),
    ],
)
def test_bad_environment_fails_at_start_naming_the_variable(env, message):
    result = run_django("", env)
    assert result.returncode != 0
    assert message in result.stderr


def test_with_nothing_configured_the_settings_refuse_to_load_and_say_what_to_set():
    """No DEV_MODE, no DATABASE_URL, no SECRET_KEY: no silent fallback to DEBUG and a public key."""
    result = run_django("", {})
    assert result.returncode != 0
    assert (
        "No configuration: set DATABASE_URL and SECRET_KEY for production, "
        "or DEV_MODE=true for the embedded development mode (make run does this)."
    ) in result.stderr


def test_dev_mode_is_debug_with_sqlite_wal_and_a_filesystem_broker():
    result = run_django(
        "from django.conf import settings as s; from django.db import connection as c;"
        "c.ensure_connection(); cur = c.cursor(); cur.execute('PRAGMA journal_mode');"
        "print(s.DEBUG, s.DATABASES['default']['ENGINE'], cur.fetchone()[0], s.CELERY_BROKER_URL,"
        " s.DATABASES['default']['OPTIONS']['transaction_mode'], s.SECRET_KEY.startswith('django-insecure'))",
        {"DEV_MODE": "true"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "django.db.backends.sqlite3",
        "wal",
        "filesystem://",
        "IMMEDIATE",
        "True",
    ]


def test_dev_mode_uses_the_database_and_broker_it_is_given():
    result = run_django(
        "from django.conf import settings as s; print(s.DEBUG, s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL)",
        {
            "DEV_MODE": "true",
            "DATABASE_URL": PROD_ENV["DATABASE_URL"],
            "CELERY_BROKER_URL": "redis://h:6379/0",
        },
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "django.db.backends.postgresql", "redis://h:6379/0"]


PROD_WITHOUT_DEBUG = {k: v for k, v in PROD_ENV.items() if k != "DEBUG"}


@pytest.mark.parametrize(
    "env,debug,preload",
    [
        (PROD_WITHOUT_DEBUG, "False", "False"),
        ({**PROD_WITHOUT_DEBUG, "SECURE_HSTS_PRELOAD": "true"}, "False", "True"),
        ({**PROD_WITHOUT_DEBUG, "DEBUG": "true", "SECURE_COOKIES": "true"}, "True", "False"),
    ],
)
def test_production_is_not_debug_and_preloads_hsts_only_when_told(env, debug, preload):
    """DEBUG in production only when set explicitly; HSTS preloading only when SECURE_HSTS_PRELOAD=true."""
    result = run_django(
        "from django.conf import settings as s; print(s.DEBUG, s.SECURE_HSTS_PRELOAD, s.SECURE_HSTS_SECONDS > 0)",
        env,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [debug, preload, "True"]


@pytest.mark.parametrize("preload", ["false", "true"])
def test_production_settings_pass_the_deploy_check(preload):
    result = run_django(
        "from django.core.management import call_command; call_command('check', '--deploy', '--fail-level', 'WARNING')",
        {**PROD_ENV, "SECURE_HSTS_PRELOAD": preload},
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_docker_compose_file_is_valid():
    binary = shutil.which("docker-compose") or str(Path(sys.executable).parent / "docker-compose")
    result = subprocess.run(
        [binary, "-f", str(ROOT / "docker-compose.yml"), "config", "--format", "json"],
        env={**os.environ, "SECRET_KEY": PROD_ENV["SECRET_KEY"]},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    import json

    services = json.loads(result.stdout)["services"]
    assert {"web", "worker", "beat", "db", "redis"} <= set(services)
    assert services["beat"]["deploy"]["replicas"] == 1
    for name in ("db", "redis", "web"):
        assert "healthcheck" in services[name]


def test_healthz_answers(client, db):
    response = client.get("/healthz/")
    assert response.status_code == 200 and response.content == b"ok"


def session_members(session_id: int) -> set[int]:
    """Pids of the live processes in a session (the supervisor's, and so every one it started)."""
    members = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[3]) == session_id:  # fields after the name: state, ppid, pgrp, session
            members.add(int(stat.parent.name))
    return members


def wait_for(condition, seconds: float, what: str, output: list[str]) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}:\n" + "".join(output))
        time.sleep(0.2)


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def test_devserver_stops_everything_on_ctrl_c(tmp_path):
    """Ctrl-C stops the web server, the worker and its beat within 10 s, exit 0, no traceback, nothing left."""
    env = clean_environment(DEV_MODE="true", DATA_DIR=str(tmp_path))
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert migrate.returncode == 0, migrate.stderr
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # A session of its own, like a terminal's: its process group gets the Ctrl-C,
    # and every process the supervisor starts shows up in it.
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "config.devserver", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(supervisor.stdout), daemon=True)
    reader.start()
    try:
        wait_for(lambda: answers(f"http://127.0.0.1:{port}/healthz/"), 45, "the web server", output)
        wait_for(lambda: any("ready." in line for line in output), 30, "the worker", output)
        started = session_members(supervisor.pid) - {supervisor.pid}
        # runserver and its reloaded server process, the worker and its beat
        assert len(started) >= 4, started

        os.killpg(supervisor.pid, signal.SIGINT)
        began = time.monotonic()
        returncode = supervisor.wait(timeout=15)
        took = time.monotonic() - began
        reader.join(timeout=5)
        text = "".join(output)

        assert took < 10, f"stopping took {took:.1f} s"
        assert returncode == 0, text
        assert "Traceback" not in text and "Segmentation" not in text, text
        for email, who in DEMO_LOGINS:
            assert email in text and who in text
        left = {pid for pid in started if Path(f"/proc/{pid}").exists()}
        assert not left and not session_members(supervisor.pid), left
    finally:
        for pid in session_members(supervisor.pid):
            os.kill(pid, signal.SIGKILL)
        supervisor.wait(timeout=5)


def test_manage_py_without_configuration_says_what_to_set():
    """Not Django's unrelated "Models aren't loaded yet", but the settings' own message."""
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "manage.py: No configuration: set DATABASE_URL and SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr
