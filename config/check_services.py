"""Make sure what the test suite needs is there before pytest starts.

Chromium for the browser tests is installed when we may (as root); PostgreSQL
and Redis are only checked. Whatever is missing stops the run at once, with
the command that fixes it.

Usage: python -m config.check_services
"""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import psycopg
import redis

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package, which the browser tests drive
APT_UPDATE = ["apt-get", "update", "-qq"]
APT_INSTALL = ["apt-get", "install", "-y", "-qq", "chromium"]
INSTALL_COMMAND = "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium"


def chromium_problem(chromium: Path = CHROMIUM) -> str | None:
    """Install Chromium if it is missing and we are root; otherwise say how, in one line."""
    if chromium.exists():
        return None
    if os.geteuid() != 0:
        # sudo would stop to ask for a password in the middle of the run; better to say it and stop.
        return f"{chromium} is missing for the browser tests. Install it with: sudo sh -c '{INSTALL_COMMAND}'"
    print("make test: installing Chromium for the browser tests", file=sys.stderr, flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (APT_UPDATE, APT_INSTALL):
        if subprocess.run(command, env=env, stdout=subprocess.DEVNULL).returncode != 0:
            return f"installing Chromium failed ({' '.join(command)}). Run by hand: {INSTALL_COMMAND}"
    if not chromium.exists():
        return f"apt-get installed chromium but {chromium} is still missing."
    return None


def main() -> int:
    problems = []
    chromium = chromium_problem()
    if chromium:
        problems.append(chromium)
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        problems.append(f"DATABASE_URL must point to PostgreSQL for the tests (got {database_url!r}).")
    else:
        url = urlparse(database_url)
        try:
            psycopg.connect(
                host=url.hostname,
                port=url.port or 5432,
                user=url.username or "postgres",
                password=url.password,
                dbname="postgres",
                connect_timeout=3,
            ).close()
        except psycopg.Error as exc:
            problems.append(
                f"PostgreSQL is not reachable at {url.hostname}:{url.port or 5432} ({str(exc).strip()}).\n"
                "  Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql | head -n1) main start\n"
                "  or point DATABASE_URL at a running server."
            )
    broker_url = os.environ.get("CELERY_BROKER_URL", "")
    try:
        redis.Redis.from_url(broker_url, socket_connect_timeout=3).ping()
    except (redis.RedisError, ValueError) as exc:
        problems.append(
            f"Redis is not reachable at {broker_url!r} ({exc}).\n"
            '  Start it with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no\n'
            "  or point CELERY_BROKER_URL at a running server."
        )
    for problem in problems:
        print(f"make test: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
