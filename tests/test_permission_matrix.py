"""Who may use which URL: every URL pattern, for every role, against tests/permission_matrix.toml.

The patterns come from the resolver, so a view added to any urls.py is in this
test the day it is added, and fails it until someone writes down who may use
it. Each cell is one request by one role (GET, then POST with a minimal body)
on the objects of one fixed organization: the member's team, its open pulse,
a shown answer of its last closed pulse (tests/matrix.py). What is checked is
access, not the form: the outcome classes are

- ``ok``: the view served this person (a 2xx, a redirect elsewhere than a
  login page, or the view's own refusal of the minimal form: 400, 409, 422);
- ``login``: sent to a login page to sign in first (a redirect carrying ``next``);
- ``403``, ``404`` (ids of another organization, or outside one's part of it),
  ``405`` (a method the view doesn't take).

Anything else (a 500, a 410, a 429) fails the cell whatever the table says.
"""

import pytest
from django.urls import resolve

from tests.matrix import (
    METHODS,
    OUTCOMES,
    ROLES,
    TABLE_PATH,
    expected,
    load_table,
    outcome,
    play,
    url_for,
    url_names,
)

pytestmark = pytest.mark.django_db


def as_toml(name: str, observed: dict[str, dict[str, str]]) -> str:
    lines = [f'["{name}"]' if ":" in name else f"[{name}]"]
    for method in METHODS:
        cells = observed[method]
        if len(set(cells.values())) == 1:
            lines.append(f'{method} = "{next(iter(cells.values()))}"')
        else:
            lines.append(f"{method} = {{ " + ", ".join(f'{r} = "{cells[r]}"' for r in ROLES) + " }")
    return "\n".join(lines)


def test_the_table_names_every_url_and_only_those():
    """A URL missing from the table fails here, with how to add it; one no longer served, too."""
    table = load_table()
    names = url_names()
    missing = [name for name in names if name not in table]
    assert not missing, (
        f"No expected access in {TABLE_PATH.name} for {', '.join(missing)}. Run "
        f"`pytest tests/test_permission_matrix.py -k '{missing[0]}'`: its failure prints the "
        "outcomes observed as a TOML section. Check each cell against teams/access.py (who may "
        "see and do what), fix the view where one is wrong, and add the section to the table."
    )
    stale = sorted(set(table) - set(names))
    assert not stale, f"{TABLE_PATH.name} names URLs the site no longer has: {', '.join(stale)}"
    for name, row in table.items():
        assert set(row) == set(METHODS), f"[{name}] needs exactly GET and POST"
        for method in METHODS:
            cells = expected(table, name, method)
            assert set(cells) == set(ROLES), f"[{name}] {method} must name every role: {', '.join(ROLES)}"
            assert set(cells.values()) <= OUTCOMES, f"[{name}] {method}: outcomes are {sorted(OUTCOMES)}"


@pytest.mark.parametrize("name", url_names())
def test_access(name, world):
    """Every role gets, at this URL, exactly what the table says."""
    url = url_for(name, world)
    observed = {
        method: {role: outcome(play(url, method, world.users[role], body=world.body(name))) for role in ROLES}
        for method in METHODS
    }
    table = load_table()
    if name not in table:
        pytest.fail(
            f"{name} ({url}) is not in {TABLE_PATH.name}. Observed now (check every cell against "
            f"teams/access.py before adding it):\n\n{as_toml(name, observed)}\n"
        )
    wrong = [
        f"  {method} as {role}: expected {want}, got {observed[method][role]}"
        for method in METHODS
        for role, want in expected(table, name, method).items()
        if observed[method][role] != want
    ]
    assert not wrong, f"{name} ({url}, view {resolve(url).func.__name__}):\n" + "\n".join(wrong)
