"""What makes the worker come back by itself: its Celery configuration and the compose file."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from config.celery import app

pytestmark = [pytest.mark.faults]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def services() -> dict:
    binary = shutil.which("docker-compose") or str(Path(sys.executable).parent / "docker-compose")
    result = subprocess.run(
        [binary, "-f", str(ROOT / "docker-compose.yml"), "config", "--format", "json"],
        env={**os.environ, "SECRET_KEY": "k3y-" + "x9Q!m2Zr" * 8},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["services"]


def test_the_worker_retries_the_broker_for_ever():
    """The default gives up after 100 attempts and the worker exits; a server error while Redis
    restarts (LOADING, READONLY) is retried like a lost connection instead of ending the worker."""
    conf = app.conf
    assert conf.broker_connection_retry and conf.broker_connection_retry_on_startup
    assert conf.broker_connection_max_retries is None
    assert conf.broker_channel_error_retry
    assert conf.worker_cancel_long_running_tasks_on_connection_loss is False


def test_a_half_open_redis_connection_is_noticed_and_dropped():
    options = app.conf.broker_transport_options
    assert options["health_check_interval"] <= 10 and options["socket_keepalive"]
    assert options["socket_connect_timeout"] <= 2 and options["socket_timeout"] > 1  # BRPOP waits 1 s


def test_every_service_comes_back_after_any_exit(services):
    for name, service in services.items():
        if name == "migrate":
            assert service["restart"] == "on-failure"  # a one-off job: done once it succeeds
        else:
            assert service["restart"] == "always", name


def test_the_worker_runs_without_the_steps_that_broke_on_reconnect(services):
    command = services["worker"]["command"]
    assert command[:4] == ["celery", "-A", "config", "worker"]
    assert {"--without-gossip", "--without-mingle", "--without-heartbeat"} <= set(command)


def test_a_worker_whose_consumer_answers_no_ping_is_restarted(services):
    check = services["worker"]["healthcheck"]
    script = check["test"][1]
    assert check["test"][0] == "CMD-SHELL"
    assert "celery -A config inspect ping -d celery@$$HOSTNAME" in script
    assert "kill -TERM 1" in script and "/run/health/" in script
    assert "/run/health" in services["worker"]["tmpfs"]
    assert check["interval"] == "30s" and check["retries"] == 3
