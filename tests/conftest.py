import os

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

# Playwright's sync API runs an event loop in the test thread; Django refuses
# ORM calls there unless told the thread is safe (it is: one test at a time).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def empty_cache():
    """The password-reset limit counts in the cache; each test starts from none."""
    cache.clear()
    yield
    cache.clear()


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
    with start_worker(
        app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=20
    ) as worker:
        yield worker


@pytest.fixture
def celery_worker(celery_worker_session, transactional_db):
    return celery_worker_session
