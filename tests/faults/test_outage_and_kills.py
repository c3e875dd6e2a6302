"""Redis stopped mid-pulse and workers killed mid-task lose, stall or double nothing.

A redis-server of the suite's own and real Celery workers, started as the
deployed command (docker-compose.yml's) with the solo pool; members answer
through the web, from the links in the emails the workers sent. Nothing waits
out a grace period: where the product waits, the sweep is called with the time
beat would call it at.
"""

import json
import os
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import pytest
import redis
from django.utils import timezone

from insights.models import RoundSummary, ScoringClaim
from insights.queue import SCORE_ROUND
from insights.scoring import SCORING_GRACE, unscored_sweep
from insights.summaries import round_summarize
from surveys.emails import LEASE, emails_sweep
from surveys.models import Response
from surveys.rounds import round_open
from teams.models import Membership
from tests.factories import MembershipFactory, PurposeStatementFactory
from tests.faults.harness import (
    BIN,
    ROOT,
    Mailbox,
    RedisServer,
    Worker,
    app_publishing_to,
    deployed_worker_command,
    wait_until,
    worker_database_url,
)

pytestmark = [pytest.mark.faults]

MEMBERS = 20
PURPOSE = "We make it effortless for small businesses to accept card payments, so every sale goes through."
FIT = "We own the payment flow the rest of Product builds on."
TEXTS = [
    "We help small shops take card payments easily so their sales always go through.",
    "Card payments for small businesses, without the hassle.",
    "I mostly fix the office printers and order lunch for meetings.",
    "We keep checkout working so shops never lose a sale.",
    "Making payments simple for the little guys.",
]


@dataclass
class Faults:
    folder: Path
    redis: RedisServer
    mailbox: Mailbox
    env: dict[str, str]
    command: list[str]
    workers: list[Worker] = field(default_factory=list)

    def worker(self, name: str, *, mail_pause: float = 0, score_pause: float = 0) -> Worker:
        env = {**self.env, "FAULT_MAIL_PAUSE": str(mail_pause), "FAULT_SCORE_PAUSE": str(score_pause)}
        worker = Worker(name, self.command, env, self.folder / f"worker-{name}.log")
        self.workers.append(worker)
        return worker.start()

    def queued(self, task_name: str) -> int:
        """Messages for this task waiting in the default queue, not yet taken by a worker."""
        client = redis.Redis.from_url(self.redis.url)
        return sum(json.loads(raw)["headers"]["task"] == task_name for raw in client.lrange("celery", 0, -1))


def _worker_command(deployed: list[str]) -> list[str]:
    assert deployed[:2] == ["celery", "-A"], deployed
    command = [str(BIN / "celery"), "-A", "tests.faults.worker_app", *deployed[3:]]
    return [*command, "--pool=solo"]  # one process: a SIGKILL cuts the task itself


@pytest.fixture
def faults(transactional_db, tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    mail = tmp_path / "mail"
    mail.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if k != "DEV_MODE"},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": worker_database_url(),
        "CELERY_BROKER_URL": server.url,
        "EMAIL_BACKEND": "tests.faults.mailbox.EmailBackend",
        "FAULT_MAIL_DIR": str(mail),
        "FAULT_DIR": str(tmp_path),
        "SECURE_COOKIES": "false",
    }
    harness = Faults(tmp_path, server, Mailbox(mail), env, _worker_command(deployed_worker_command()))
    try:
        with app_publishing_to(server.url):
            yield harness
    finally:
        for worker in harness.workers:
            worker.stop()
        server.stop()


def link_path(message) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    return urlparse(re.search(r"https?://\S+?/p/[^/\s]+/", body).group(0)).path


def test_redis_down_mid_pulse_and_workers_killed_mid_task(faults, team, client):
    PurposeStatementFactory(unit=team, version=1, purpose=PURPOSE, fit=FIT)
    members = [MembershipFactory(unit=team, role=Membership.Role.MEMBER).user for _ in range(MEMBERS)]

    # 1. The round opens; the worker sending its invitations is killed mid-batch.
    first = faults.worker("a", mail_pause=0.25)
    now = timezone.now()
    pulse_round = round_open(
        unit=team, scheduled_for=now, closes_at=now + timedelta(days=5), remind_at=None, now=now
    )
    invitations = pulse_round.invitations.all()
    wait_until(lambda: faults.mailbox.count() >= 4, seconds=30, what="the first emails", logs=[first])
    first.kill()
    sent_by_first = faults.mailbox.count()
    in_flight = invitations.filter(sent_at__isnull=False).count() - sent_by_first
    assert sent_by_first < MEMBERS, "the batch was over before the kill"
    assert in_flight in (0, 1), "only the email being sent can be claimed and unsent"

    second = faults.worker("b")
    # The sweep a minute after the dead batch's lease ran out queues what it left.
    assert (
        emails_sweep(now=timezone.now() + LEASE + timedelta(seconds=1)) == MEMBERS - sent_by_first - in_flight
    )
    wait_until(
        lambda: faults.mailbox.count() == MEMBERS - in_flight, seconds=30, what="the rest", logs=[second]
    )
    assert not invitations.filter(sent_at__isnull=True).exists()
    recipients = Counter(str(message["To"]) for message in faults.mailbox.messages())
    assert max(recipients.values()) == 1, "an email went twice"
    assert set(recipients) <= {m.email for m in members}

    # 2. Members answer from their links; Redis is stopped for six seconds meanwhile.
    links = {str(message["To"]): link_path(message) for message in faults.mailbox.messages()}
    people = [person for person in members if person.email in links]
    submitted: dict[str, list[str]] = {}
    statuses = []

    def answer(person, text: str) -> None:
        revision = len(submitted.get(person.email, []))
        page = client.post(
            links[person.email],
            {
                "purpose_text": text,
                "fit_text": FIT,
                "understands_purpose": "4",
                "sees_contribution": "3",
                "shapes_direction": "2",
                "question_for_leader": "",
                "revision": str(revision),
            },
        )
        statuses.append(page.status_code)
        if page.status_code == 302:
            submitted.setdefault(person.email, []).append(text)

    for i, person in enumerate(people[:7]):
        answer(person, TEXTS[i % len(TEXTS)])
    faults.redis.stop()
    stopped = time.monotonic()
    for i, person in enumerate(people[7:14]):
        answer(person, TEXTS[(i + 2) % len(TEXTS)])
    for person in people[:2]:
        answer(person, "Revised while the broker was down: payments that just work for shops.")
    assert statuses == [302] * len(statuses), "a request failed while Redis was down"
    time.sleep(max(0.0, 6 - (time.monotonic() - stopped)))
    faults.redis.start()

    # The same worker process reconnects by itself.
    wait_until(second.answers_ping, seconds=40, what="the worker to come back", logs=[second])
    assert second.alive() and "Connection to broker lost" in second.log()
    assert "Unrecoverable error" not in second.log()
    for i, person in enumerate(people[14:17]):
        answer(person, TEXTS[(i + 4) % len(TEXTS)])
    answer(people[7], "Revised after the outage: every sale goes through.")
    # A scoring message queued just before the restart died with Redis's memory; its
    # claim is taken over by the first sweep after SCORING_GRACE.
    unscored_sweep(now=timezone.now() + SCORING_GRACE)
    waiting = Response.objects.filter(round=pulse_round, needs_scoring=True)
    wait_until(lambda: not waiting.exists(), seconds=30, what="scoring after the outage", logs=[second])
    wait_until(lambda: faults.queued(SCORE_ROUND) == 0, seconds=10, what="the queue to drain", logs=[second])

    # 3. The worker is killed mid-scoring; another takes over at the next sweep.
    second.stop()
    for i, person in enumerate(people[17:]):
        answer(person, TEXTS[i % len(TEXTS)])
    answer(people[3], "Revised at the end: small shops take cards without thinking about it.")
    assert faults.queued(SCORE_ROUND) == 1, "a burst of answers queues one scoring task"
    third = faults.worker("c", score_pause=30)
    wait_until(
        lambda: any(faults.folder.glob("scoring-*")), seconds=30, what="scoring to start", logs=[third]
    )
    third.kill()
    assert waiting.exists(), "the kill came after the scores were written"
    # The task gave its claim up when it started: the next sweep queues the round at
    # once, and only once however often it runs.
    assert not ScoringClaim.objects.filter(round=pulse_round).exists()
    for _ in range(3):
        unscored_sweep()
    assert faults.queued(SCORE_ROUND) == 1
    fourth = faults.worker("d")
    wait_until(lambda: not waiting.exists(), seconds=30, what="scoring by the new worker", logs=[fourth])
    unscored_sweep()  # whatever summary the dead worker left stale
    wait_until(
        lambda: RoundSummary.objects.filter(round=pulse_round, stale=False).exists(),
        seconds=30,
        what="the summary",
        logs=[fourth],
    )

    # Submitted = saved = scored once, at the revision saved; no request failed.
    assert statuses == [302] * len(statuses)
    responses = {
        r.invitation.user.email: r
        for r in Response.objects.filter(round=pulse_round).select_related("invitation__user", "score")
    }
    assert set(responses) == set(submitted)
    for address, texts in submitted.items():
        response = responses[address]
        assert (response.purpose_text, response.revision) == (texts[-1], len(texts))
        assert not response.needs_scoring and response.score.revision == response.revision

    # The summary the workers left is the one the final data gives.
    stored = RoundSummary.objects.get(round=pulse_round)
    recomputed = round_summarize(round_id=pulse_round.pk)
    for name in ("invited", "answered", "respondents", "situation", "agree_means", "scores"):
        assert getattr(stored, name) == getattr(recomputed, name), name
    for name in ("alignment", "agreement", "aligned_share", "fit_alignment"):
        assert getattr(stored, name) == pytest.approx(getattr(recomputed, name), abs=1e-6), name
    assert stored.idea_shares == pytest.approx(recomputed.idea_shares, abs=1e-6)
    assert stored.respondents == len(submitted)
