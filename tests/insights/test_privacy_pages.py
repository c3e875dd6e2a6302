"""Across many organization shapes and answer counts, no page, fragment or export leaks a small group."""

import csv
import io
import itertools
import re
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insights.privacy import build_tree
from teams.models import User
from tests.factories import OrganizationFactory, UnitFactory, closed_round_with_summary
from tests.insights.test_privacy import computable_groups

pytestmark = pytest.mark.django_db
WHEN = datetime(2026, 10, 1, tzinfo=UTC)
serial = itertools.count()


@st.composite
def organizations(draw):
    size = draw(st.integers(min_value=2, max_value=9))
    parents = [None] + [draw(st.integers(0, i - 1)) for i in range(1, size)]
    answers = [draw(st.integers(0, 9)) for _ in range(size)]
    return parents, answers, draw(st.integers(3, 6))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(organizations())
def test_no_page_fragment_or_export_describes_a_small_group(shape):
    parents, answers, threshold = shape
    n = next(serial)
    org = OrganizationFactory(
        slug=f"shape-{n}", min_group_size=threshold, min_verbatim_size=max(threshold, 5)
    )
    units = []
    for i, parent in enumerate(parents):
        units.append(
            UnitFactory(
                organization=org, parent=units[parent] if parent is not None else None, name=f"U{n}x{i}"
            )
        )
        if answers[i]:
            closed_round_with_summary(units[i], closes_at=WHEN, respondents=answers[i], alignment=10 + 7 * i)
    executive = User.objects.create_user(f"exec{n}@example.com", organization=org, org_role="executive")
    client = Client()
    client.force_login(executive)

    # The export lists every unit; the ones with a number are what anyone can see.
    export = client.get(reverse("org_dashboard_csv"))
    rows = {r["unit"]: r for r in csv.DictReader(io.StringIO(export.content.decode()))}
    assert set(rows) == {u.name for u in units}
    shown_ids = {u.pk for u in units if rows[u.name]["alignment"] != ""}
    shown_ids |= {
        u.pk for u in units if rows[u.name]["respondents"].isdigit() and int(rows[u.name]["respondents"]) > 0
    }
    nodes = build_tree((u.pk, u.parent_id, answers[i]) for i, u in enumerate(units))
    own = {u.pk: answers[i] for i, u in enumerate(units)}
    for atoms in computable_groups(nodes, shown_ids):
        count = sum(own[a] for a in atoms)
        assert count == 0 or count >= threshold, (shape, shown_ids, atoms)

    # Pages and fragments show a figure for exactly those units. Each lists the rows it
    # should (the page: the root and its children; a fragment: the unit's children), so a
    # page whose rows went missing fails here instead of passing with nothing checked.
    children = {
        u.pk: [c.pk for c, parent in zip(units, parents, strict=True) if parent == i]
        for i, u in enumerate(units)
    }
    root = units[0].pk
    pages = [(client.get(reverse("org_dashboard")), [root, *children[root]])]
    pages += [
        (client.get(reverse("org_dashboard_children", args=[u.pk]), HTTP_HX_REQUEST="true"), children[u.pk])
        for u in units
    ]
    for page, expected in pages:
        assert page.status_code == 200
        found = dict(re.findall(r'<tr id="dash-row-(\d+)"(.*?)</tr>', page.content.decode(), re.S))
        assert sorted(map(int, found)) == sorted(expected), (shape, expected)
        for unit_id, body in found.items():
            assert ("<strong>" in body) == (int(unit_id) in shown_ids), (shape, unit_id)
    for i, unit in enumerate(units):
        page = client.get(reverse("team_dashboard", args=[unit.pk]))
        assert page.status_code == 200
        html = page.content.decode()
        figure = f">{10 + 7 * i}<"
        if unit.pk not in shown_ids:
            assert "Latest pulse" not in html and figure not in html, (shape, i)
        elif answers[i] and not children[unit.pk]:
            # A team shown in the export shows its latest pulse here too.
            assert "Latest pulse" in html and figure in html, (shape, i)
