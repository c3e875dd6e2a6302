"""Every page of the three journeys, on a phone (390×844) and a laptop (1280×800).

Each page must fit the window (no sideways scrolling), have no text under 11 px, pass axe-core
with no serious or critical violation, and log no console error or failed request (the last two
are checked for every browser test by `new_page`).
"""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from surveys.models import Invitation
from surveys.rounds import round_open
from teams.models import Unit
from tests.browser.pagecheck import page_problems

pytestmark = pytest.mark.browser


@pytest.fixture
def payments_pulse(demo_with_history):
    """The demo, with a Payments pulse open (as `make run` has two minutes after it starts)."""
    payments = Unit.objects.get(name="Payments")
    now = timezone.now()
    with mock.patch("surveys.rounds.queue_invitation_emails"):
        round_open(
            unit=payments, scheduled_for=now, closes_at=now + timedelta(days=5), remind_at=None, now=now
        )
    return payments


def _pages(payments: Unit) -> dict[str, list[str]]:
    p = payments.pk
    token = (
        Invitation.objects.filter(round__unit=payments, user__email="member@demo.example")
        .latest("round__opens_at")
        .token
    )
    version = payments.purpose_versions.order_by("-version").first().version
    return {
        "": ["/login/", "/password-reset/", "/account/claim/", "/p/not-a-real-token/", "/no-such-page/"],
        "member@demo.example": ["/", "/org/", f"/units/{p}/", f"/p/{token}/"],
        "lead@demo.example": [
            "/",
            f"/units/{p}/purpose/edit/",
            f"/units/{p}/purpose/history/",
            f"/units/{p}/purpose/v{version}/",
            f"/units/{p}/pulses/",
            f"/units/{p}/pulses/close/",
            f"/units/{p}/dashboard/",
            "/dashboard/",
        ],
        "exec@demo.example": [
            "/",
            "/dashboard/",
            "/dashboard/?sort=drop",
            "/dashboard/cascade/",
            f"/units/{p}/dashboard/",
            f"/units/{payments.parent_id}/dashboard/",
        ],
    }


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "laptop"])
def test_every_page_fits_reads_and_passes_axe(payments_pulse, new_page, log_in, phone):
    problems = []
    for who, paths in _pages(payments_pulse).items():
        page = new_page(phone=phone)
        if who:
            log_in(page, who)
        for path in paths:
            page.goto(path)
            problems += page_problems(page, f"{who or 'anonymous'} {path}")
    assert not problems, "\n".join(problems)
