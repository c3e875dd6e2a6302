"""The demo reads as it is meant to: Payments, whose members tell the purpose back in their own
words, reads aligned in number, band and words alike, scored by the product's real path.

Seeding scores four past pulses per team with the engine (~20-60 s), so it runs once per module,
inside a transaction rolled back at the end.
"""

import random
import re
from collections import Counter
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from alignment import SITUATIONS
from alignment.reading import BANDS, band_of
from demo.history import PROFILES, _kinds
from demo.loop import ACTION_DONE, ACTION_OPEN, PAYMENTS_PROPOSALS, PAYMENTS_V3
from demo.seed import DEMO_SLUG, EXEC_EMAIL, LEAD_EMAIL, MEMBER_EMAIL
from insights.models import RoundSummary
from insights.proposals import round_proposals
from insights.results_mail import results_due_rounds
from purpose.models import PurposeStatement, TeamStage
from surveys.models import LeaderReply, PulseSchedule, Response, ResultsTalk, TeamAction
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


# --- After the pulse: Payments' last round is answered, talked through and acted on (issue 11) ---


def test_payments_last_round_has_replies_actions_one_done_one_open_and_a_meeting(payments, client):
    last = latest(payments).round
    replies = LeaderReply.objects.filter(round=last, published_at__isnull=False)
    assert sorted(r.theme is None for r in replies) == [False, True]  # one to a theme, one to everyone
    actions = TeamAction.objects.filter(round=last)
    assert sorted(actions.values_list("status", flat=True)) == ["done", "open"]
    still_open = actions.get(status="open")
    assert timezone.localdate() <= still_open.due_on <= timezone.localdate() + timedelta(days=2)
    assert ResultsTalk.objects.filter(round=last).exists()
    # What the demo member reads: the replies and what the team will do.
    client.force_login(User.objects.get(email=MEMBER_EMAIL))
    html = client.get(reverse("team_results", args=[payments.pk])).content.decode()
    assert all(escape(reply.text) in html for reply in replies)
    assert escape(ACTION_OPEN) in html and escape(ACTION_DONE) in html


def test_payments_has_a_version_shaped_with_the_teams_suggestions(payments, client):
    last = latest(payments).round
    shaped = PurposeStatement.objects.filter(unit=payments).latest()
    assert shaped.version == last.purpose_statement.version + 1 and shaped.purpose == PAYMENTS_V3
    proposals = round_proposals(last)
    assert set(PAYMENTS_PROPOSALS) == set(proposals)
    assert shaped.shaped_from and set(shaped.shaped_from) <= set(proposals)
    client.force_login(User.objects.get(email=MEMBER_EMAIL))
    history = client.get(reverse("purpose_history", args=[payments.pk])).content.decode()
    assert "Shaped with the team's suggestions." in history
    assert all(escape(text) in history for text in shaped.shaped_from)
    # The leader finds the proposals on the talk page, grouped by meaning.
    client.force_login(User.objects.get(email=LEAD_EMAIL))
    talk = client.get(reverse("talk_it_through", args=[payments.pk])).content.decode()
    assert all(escape(text) in talk for text in proposals) and "proposals along the lines of" in talk
    assert PulseSchedule.objects.get(unit=payments).asks_purpose_proposal  # the next pulse asks again


def test_the_demo_shows_stages_and_follow_through_and_emails_no_old_results(demo, payments, client):
    stage = TeamStage.objects.filter(unit=payments).first()
    assert stage.stage == TeamStage.Stage.IMPLEMENT and stage.note
    client.force_login(User.objects.get(email=EXEC_EMAIL))
    chart = client.get(reverse("org_chart_children", args=[payments.parent_id])).content.decode()
    assert ">Implement</span>" in chart
    home = client.get(reverse("home")).content.decode()
    assert "teams talked their last result through" in home  # counts of teams only
    assert "<strong>1</strong> with open actions" in home
    assert results_due_rounds(now=timezone.now(), organization_id=demo.pk) == []
