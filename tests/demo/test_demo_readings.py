"""The demo reads as it is meant to: Payments, whose members tell the purpose back in their own
words, reads aligned in number, band and words alike, scored by the product's real path.

Seeding scores four past pulses per team with the engine (~20-60 s), so it runs once per module,
inside a transaction rolled back at the end.
"""

import random
import re
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils.html import escape

from alignment import SITUATIONS
from alignment.reading import BANDS, band_of
from demo.history import PROFILES, _kinds
from demo.seed import DEMO_SLUG, LEAD_EMAIL
from insights.models import RoundSummary
from surveys.models import Response
from teams.models import Membership, Organization, Unit, User

BAND_LABELS = dict(BANDS)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", "--password", "x", verbosity=0)
        yield Organization.objects.get(slug=DEMO_SLUG)
        transaction.set_rollback(True)


@pytest.fixture
def payments(demo, db):
    return Unit.objects.get(organization=demo, name="Payments")


def latest(unit: Unit) -> RoundSummary:
    return RoundSummary.objects.filter(unit=unit, is_final=True).latest("closes_at")


def test_payments_reads_aligned_in_number_band_and_words(payments):
    summary = latest(payments)
    assert summary.round.purpose_statement.version == 2  # read against the purpose in force
    assert not summary.approximate  # the sentence-embedding model, not word matching
    assert summary.situation == "aligned", summary.situation
    assert summary.alignment >= 75, summary.alignment
    assert band_of(summary.alignment) == "tells_it_back"
    assert summary.respondents >= payments.organization.min_verbatim_size  # so the page shows it


def test_payments_team_view_says_so_to_its_leader(payments, client):
    summary = latest(payments)
    client.force_login(User.objects.get(email=LEAD_EMAIL))
    page = client.get(reverse("team_dashboard", args=[payments.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    glance = html[html.index('id="glance-title"') : html.index('id="ideas-title"')]
    assert f'<span class="stat-value">{summary.alignment:.0f}</span>' in glance
    assert f"<h3>{escape(SITUATIONS['aligned'].title)}</h3>" in glance
    others = [s.title for code, s in SITUATIONS.items() if code != "aligned"]
    assert not any(escape(title) in html for title in others)
    assert "75 and above</strong>, tells it back" in glance  # the scale is explained beside the number
    # Each shown answer carries the engine's band; most of this team's tell the purpose back.
    bands = Counter(re.findall(r"Engine: ([^<(]+)</span>", html))
    assert sum(bands.values()) == summary.respondents
    assert bands[BAND_LABELS["tells_it_back"]] > summary.respondents / 2, bands


def test_the_latest_pulse_of_every_team_big_enough_reaches_the_privacy_minimum(demo, db):
    for team in Unit.objects.filter(organization=demo, kind=Unit.Kind.TEAM):
        members = Membership.objects.filter(unit=team, role=Membership.Role.MEMBER).count()
        answered = Response.objects.filter(round=latest(team).round).count()
        assert answered >= min(members, demo.min_group_size), team.name


@pytest.mark.parametrize("profile", list(PROFILES))
def test_a_round_follows_its_team_profile_as_near_as_whole_answers_allow(profile):
    rng = random.Random(0)
    for n in range(1, 12):
        kinds = Counter(_kinds(rng, profile, n))
        assert sum(kinds.values()) == n
        for kind, share in zip(("faithful", "partial", "other", "vague"), PROFILES[profile], strict=True):
            assert abs(kinds[kind] - share * n) < 1, (profile, n, kinds)


def test_a_parent_unit_view_explains_the_scale_too(demo, db, client):
    department = Unit.objects.get(organization=demo, name="Money Movement")
    client.force_login(User.objects.get(email="exec@demo.example"))
    html = client.get(reverse("team_dashboard", args=[department.pk])).content.decode()
    assert "and the units inside it" in html
    assert "75 and above</strong>, tells it back" in html
