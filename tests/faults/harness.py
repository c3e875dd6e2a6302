"""What the fault suite runs for real: a Redis server of its own and Celery workers as processes.

Every process is started here, in a session of its own, and ended by its id.
"""

import email
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from pathlib import Path
from urllib.parse import quote

import redis
from django.db import connection
from kombu import pools
from kombu.exceptions import OperationalError

from config.celery import app

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def wait_until(condition, *, seconds: float, what: str, logs=()) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            tails = "\n".join(log.tail() for log in logs)
            raise AssertionError(f"timed out after {seconds} s waiting for {what}\n{tails}")
        time.sleep(0.05)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class RedisServer:
    """redis-server on a free port, with nothing kept on disk: a restart forgets every message."""

    folder: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary, "the fault suite needs redis-server (apt-get install redis-server)"
        with (self.folder / "redis.log").open("ab") as log:
            self.process = subprocess.Popen(
                [binary, "--port", str(self.port), "--bind", "127.0.0.1"]
                + ["--save", "", "--appendonly", "no", "--daemonize", "no"],
                cwd=self.folder,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        wait_until(lambda: self._answers(client), seconds=10, what="redis-server to start")

    @staticmethod
    def _answers(client: redis.Redis) -> bool:
        try:
            return client.ping()
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@dataclass
class Worker:
    """One Celery worker process: the deployed command (docker-compose.yml), solo pool."""

    name: str
    command: list[str]
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen | None = None

    @property
    def nodename(self) -> str:
        return f"{self.name}@{socket.gethostname()}"

    def start(self) -> "Worker":
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [*self.command, "-n", self.nodename],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until(
            lambda: f"{self.nodename} ready." in self.log() or not self.alive(),
            seconds=45,
            what=f"worker {self.name} to start",
            logs=[self],
        )
        assert self.alive(), self.tail()
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown, no acknowledgement, the task cut where it stands."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM, as Docker stops a container: a warm shutdown."""
        if not self.alive():
            return
        os.kill(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()

    def answers_ping(self) -> bool:
        try:
            return bool(app.control.ping(destination=[self.nodename], timeout=0.5))
        except (OperationalError, redis.RedisError, OSError):  # Redis itself not back yet
            return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def tail(self, lines: int = 40) -> str:
        return f"--- worker {self.name} ---\n" + "\n".join(self.log().splitlines()[-lines:])


def deployed_worker_command() -> list[str]:
    """The worker's command in docker-compose.yml, so the suite tests what is deployed."""
    binary = shutil.which("docker-compose") or str(BIN / "docker-compose")
    result = subprocess.run(
        [binary, "-f", str(ROOT / "docker-compose.yml"), "config", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)["services"]["worker"]["command"]


def worker_database_url() -> str:
    """The database pytest-django made (test_ + the configured name), where the test's rows are."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = quote(db["PASSWORD"] or "", safe="")
    return f"postgres://{user}:{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def app_publishing_to(url: str):
    """This process's Celery app (the one requests publish through) pointed at another broker."""
    # Celery reads CELERY_BROKER_URL from the environment before its configuration.
    saved = os.environ.get("CELERY_BROKER_URL"), app.conf.broker_url

    def reset_pools() -> None:
        # kombu keeps connection pools in a process-wide registry keyed by broker:
        # closing the app's pool alone would leave a closed pool there for the next user.
        pools.reset()
        app._pool = None
        app.amqp._producer_pool = None

    reset_pools()
    os.environ["CELERY_BROKER_URL"] = app.conf.broker_url = url
    try:
        yield
    finally:
        reset_pools()
        if saved[0] is None:
            del os.environ["CELERY_BROKER_URL"]
        else:
            os.environ["CELERY_BROKER_URL"] = saved[0]
        app.conf.broker_url = saved[1]


@dataclass
class Mailbox:
    """The emails the workers sent, one file each (tests/faults/mailbox.py)."""

    folder: Path

    def messages(self) -> list[email.message.EmailMessage]:
        return [
            email.message_from_bytes(path.read_bytes(), policy=policy.default)
            for path in sorted(self.folder.glob("*.eml"))
        ]

    def count(self) -> int:
        return len(list(self.folder.glob("*.eml")))
