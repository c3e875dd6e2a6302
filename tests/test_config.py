"""Settings come from the environment, fail loudly, and hold up in production."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROD_ENV = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/whatever",
    "SECRET_KEY": "k3y-" + "x9Q!m2Zr" * 8,
    "DEBUG": "false",
    "ALLOWED_HOSTS": "pulse.example.com",
}


def run_django(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "DATABASE_URL",
            "CELERY_BROKER_URL",
            "DEBUG",
            "SECRET_KEY",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
            "SECURE_COOKIES",
        )
    }
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings", DATA_DIR=str(ROOT / "test-output" / "data"))
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
        ({"DEBUG": "maybe"}, "DEBUG must be true or false"),
        ({"EMAIL_PORT": "smtp"}, "EMAIL_PORT must be a whole number"),
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
    ],
)
def test_bad_environment_fails_at_start_naming_the_variable(env, message):
    result = run_django("", env)
    assert result.returncode != 0
    assert message in result.stderr


def test_embedded_default_uses_sqlite_wal_and_a_filesystem_broker():
    result = run_django(
        "from django.conf import settings as s; from django.db import connection as c;"
        "c.ensure_connection(); cur = c.cursor(); cur.execute('PRAGMA journal_mode');"
        "print(s.DATABASES['default']['ENGINE'], cur.fetchone()[0], s.CELERY_BROKER_URL,"
        " s.DATABASES['default']['OPTIONS']['transaction_mode'])",
        {},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "wal", "filesystem://", "IMMEDIATE"]


def test_production_settings_pass_the_deploy_check():
    result = run_django(
        "from django.core.management import call_command; call_command('check', '--deploy', '--fail-level', 'WARNING')",
        PROD_ENV,
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
