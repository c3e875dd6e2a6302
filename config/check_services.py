"""Stop at once, with the fix, when the test suite's PostgreSQL or Redis is not reachable.

Usage: python -m config.check_services
"""

import os
import sys
from urllib.parse import urlparse

import psycopg
import redis


def main() -> int:
    problems = []
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
                "  Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n"
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
