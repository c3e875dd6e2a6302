import os
import time

import pytest
from django.core.cache import cache

from teams.models import Membership, User
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    OrganizationFactory,
    PurposeStatementFactory,
    UnitFactory,
    UserFactory,
)
from tests.matrix import build_world

# Playwright's sync API runs an event loop in the test thread; Django refuses
# ORM calls there unless told the thread is safe (it is: one test at a time).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def empty_cache():
    """The password-reset limit counts in the cache; each test starts from none."""
    cache.clear()
    yield
    cache.clear()


WORKER_STARTED = False  # set once the session's worker runs (celery_worker_session)


@pytest.fixture(autouse=True)
def worker_idle_before_flush(request):
    """A test with committed data ends by emptying every table (TRUNCATE). Tasks its requests
    queued may still run in the session's worker thread, and a scoring transaction there
    deadlocks with the TRUNCATE. So, before the tables are emptied: drop what is still queued
    and wait for the task in hand. (Setting transactional_db up from here makes this teardown
    run before its flush.)"""
    if "transactional_db" not in request.fixturenames and "live_server" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    if not WORKER_STARTED:
        return  # nothing consumes the queue: no task can run during the flush
    from celery.worker import state

    from config.celery import app

    if app.conf.broker_url == os.environ.get("CELERY_BROKER_URL"):  # not a fault test's own Redis
        try:
            app.control.purge()
        except Exception:  # the broker is down: nothing more reaches the worker either
            pass
    deadline = time.monotonic() + 30
    while state.active_requests and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.fixture
def org(db):
    return OrganizationFactory(name="Acme", slug="acme")


@pytest.fixture
def division(org):
    division = UnitFactory(organization=org, name="Product", kind="division")
    PurposeStatementFactory(unit=division, version=1, purpose="We build the products our customers love.")
    return division


@pytest.fixture
def team(org, division):
    return UnitFactory(organization=org, parent=division, name="Payments")


@pytest.fixture
def leader(team):
    return MembershipFactory(unit=team, role=Membership.Role.LEADER, user__name="Lee Leader").user


@pytest.fixture
def member(team):
    return MembershipFactory(unit=team, role=Membership.Role.MEMBER, user__name="Mia Member").user


@pytest.fixture
def executive(org):
    return UserFactory(organization=org, org_role=User.OrgRole.EXECUTIVE, name="Eve Executive")


@pytest.fixture
def org_admin(org):
    return UserFactory(organization=org, org_role=User.OrgRole.ADMIN, name="Ada Admin")


@pytest.fixture
def colleague(org):
    """Someone in the same organization but not in the team."""
    return UserFactory(organization=org, name="Cole League")


@pytest.fixture
def outsider(db):
    """Someone from another organization."""
    other = OrganizationFactory(name="Other Co", slug="other-co")
    return MembershipFactory(unit=UnitFactory(organization=other), role=Membership.Role.LEADER).user


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture(scope="session")
def celery_worker_session(django_db_setup):
    """A real Celery worker consuming from the Redis broker for the whole session.

    It runs in a thread of this process so it shares the test database
    settings and Django's locmem outbox; tasks reach it only through Redis.
    Tests that use it need committed data: use the `celery_worker` fixture,
    which also marks the test transactional.
    """
    from celery.contrib.testing.worker import start_worker
    from kombu import pools

    from config.celery import app

    # A fault test may have pointed the app at another broker and back: start from
    # fresh connection pools (kombu keeps them in a process-wide registry).
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
    app.control.purge()
    # No ping check: it reads the ping's result, and the app has no result
    # backend (results are ignored). start_worker already waits for the consumer.
    global WORKER_STARTED
    with start_worker(
        app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=20
    ) as worker:
        WORKER_STARTED = True
        yield worker
    WORKER_STARTED = False


@pytest.fixture
def celery_worker(celery_worker_session, transactional_db):
    return celery_worker_session


@pytest.fixture
def world(org, division, team, leader, member, executive, org_admin, outsider):
    """One of everything a URL can take, for the permission matrix and the header checks (tests/matrix.py)."""
    return build_world(
        org=org,
        division=division,
        team=team,
        leader=leader,
        member=member,
        executive=executive,
        org_admin=org_admin,
        outsider=outsider,
    )
