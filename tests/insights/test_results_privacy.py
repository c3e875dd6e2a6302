"""Across generated organizations, the results page, its email and the talk-it-through page never
describe a group below the threshold, and never quote a question or a proposal for the purpose
below the verbatim threshold."""

import csv
import io
import itertools
from datetime import UTC, datetime

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings

from insights.results_mail import round_results_send
from surveys.models import Invitation, LeaderReply
from teams.models import Membership, User
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    ResponseFactory,
    UnitFactory,
    closed_round_with_summary,
)
from tests.insights.test_privacy_pages import organizations

pytestmark = pytest.mark.django_db
WHEN = datetime(2026, 10, 1, tzinfo=UTC)
serial = itertools.count()
BAND = "Taken together, the team"


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(organizations())
def test_results_pages_emails_and_talk_pages_keep_the_thresholds(shape):
    parents, answers, threshold = shape
    n = next(serial)
    verbatim = max(threshold, 5)
    org = OrganizationFactory(slug=f"loop-{n}", min_group_size=threshold, min_verbatim_size=verbatim)
    units, rounds = [], {}
    for i, parent in enumerate(parents):
        unit = UnitFactory(
            organization=org, parent=units[parent] if parent is not None else None, name=f"L{n}x{i}"
        )
        units.append(unit)
        member = MembershipFactory(unit=unit, role=Membership.Role.MEMBER, user__organization=org).user
        MembershipFactory(unit=unit, role=Membership.Role.LEADER, user__organization=org)
        if answers[i]:
            summary = closed_round_with_summary(
                unit,
                closes_at=WHEN,
                respondents=answers[i],
                alignment=80,
                ideas=["idea"],
                idea_shares=[1.0],
                interpretations=[{"size": answers[i], "text": f"Representative answer {n}-{i}"}],
            )
            for k in range(answers[i]):
                ResponseFactory(
                    round=summary.round,
                    question_for_leader=f"Question {k} of team {n}-{i}?",
                    purpose_proposal=f"Proposal {k} for team {n}-{i}.",
                )
            Invitation.objects.create(round=summary.round, user=member)
            LeaderReply.objects.create(round=summary.round, theme=0, text=f"Reply {n}-{i}", published_at=WHEN)
            rounds[i] = summary.round
    executive = User.objects.create_user(f"loop-exec{n}@example.com", organization=org, org_role="executive")
    client = Client()
    client.force_login(executive)
    export = client.get(reverse("org_dashboard_csv"))
    rows = {r["unit"]: r for r in csv.DictReader(io.StringIO(export.content.decode()))}
    shown_ids = {u.pk for u in units if rows[u.name]["alignment"] != ""}
    has_children = {parents[i] for i in range(len(parents)) if parents[i] is not None}

    for i, unit in enumerate(units):
        html = client.get(reverse("team_results", args=[unit.pk])).content.decode()
        leader = Membership.objects.get(unit=unit, role="leader").user
        talk = Client()
        talk.force_login(leader)
        talk_html = talk.get(reverse("talk_it_through", args=[unit.pk])).content.decode()
        quoted = f"of team {n}-{i}?" in html
        if BAND in html:
            assert unit.pk in shown_ids and answers[i] >= threshold, (shape, i)
        elif answers[i] and unit.pk in shown_ids and i not in has_children:
            raise AssertionError(f"a shown team's results page shows no reading: {shape}, {i}")
        for page in (html, talk_html):
            if f"of team {n}-{i}?" in page or f"Representative answer {n}-{i}" in page:
                assert answers[i] >= verbatim and unit.pk in shown_ids, (shape, i)
        if answers[i] >= verbatim and BAND in html:
            assert quoted and f"Representative answer {n}-{i}" in html, (shape, i)
        # Proposals reach only the leader's talk page, and only where the round's words may be quoted.
        proposal = f"for team {n}-{i}."
        assert proposal not in html, (shape, i)
        if proposal in talk_html:
            assert answers[i] >= verbatim and unit.pk in shown_ids, (shape, i)
        elif answers[i] >= verbatim and BAND in html:
            raise AssertionError(f"a quotable round's proposals are missing from the talk page: {shape}, {i}")
        if i in rounds:
            mail.outbox.clear()
            sent, _ = round_results_send(round_id=rounds[i].pk)
            assert bool(sent) == (BAND in html), (shape, i)
            assert all(f"Representative answer {n}-{i}" not in m.body for m in mail.outbox)
            assert all(proposal not in m.body for m in mail.outbox)
