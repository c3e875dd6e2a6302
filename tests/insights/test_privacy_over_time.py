"""Privacy that holds over time: an attacker who keeps every page they were ever shown.

Hypothesis grows organizations through several rounds (people join and leave,
so counts change; units skip rounds; a sibling's round closes after the others
were already read). After each round, and again when a late sibling closes, the
attacker reads everything an executive sees: the CSV export (every unit's
figures and the change since the round before), every team view (the trend
over all rounds with their counts) and every pulses page. At the end, linear
algebra over all rounds' answers checks that no group below the threshold,
in any round, has its respondent count or its score computable. Counts and
score sums are published by the same sums of the same groups (each figure is
checked to be that sum), so one rank test covers both.
"""

import csv
import io
import itertools
import re
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from insights.figures_cache import figures_changed
from insights.models import RoundSummary
from surveys.models import PulseRound
from surveys.rounds import round_open
from teams.models import Membership, User
from tests.factories import (
    MembershipFactory,
    OrganizationFactory,
    PurposeStatementFactory,
    UnitFactory,
    closed_round_with_summary,
)

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 2, 9, tzinfo=UTC)
EVERY = timedelta(weeks=4)
LATE = timedelta(days=2)
serial = itertools.count()


@st.composite
def histories(draw):
    size = draw(st.integers(min_value=2, max_value=7))
    parents = [None] + [draw(st.integers(0, i - 1)) for i in range(1, size)]
    rounds = draw(st.integers(min_value=2, max_value=4))
    # Per round and unit: respondents, or None when the unit had no round that time.
    answers = [[draw(st.one_of(st.none(), st.integers(0, 9))) for _ in range(size)] for _ in range(rounds)]
    # Members who didn't answer: the invited count moves as people join and leave.
    silent = [[draw(st.integers(0, 3)) for _ in range(size)] for _ in range(rounds)]
    # Saved answers the engine couldn't read ("idk"): counted as answered, not in the mean.
    unread = [[draw(st.sampled_from([0, 0, 0, 1, 2])) for _ in range(size)] for _ in range(rounds)]
    late = [draw(st.one_of(st.none(), st.integers(0, size - 1))) for _ in range(rounds)]
    return parents, answers, silent, unread, late, draw(st.integers(3, 6))


def subtree(parents: list[int | None], i: int) -> set[int]:
    out, stack = set(), [i]
    while stack:
        node = stack.pop()
        out.add(node)
        stack.extend(c for c, p in enumerate(parents) if p == node)
    return out


class Attacker:
    """Everything an executive was ever shown, as equations over rounds' answers.

    The org page, its fragments and the home page print the export's figures
    (test_privacy_pages holds them to it), so the export stands for them.
    """

    def __init__(self, client: Client, units, parents):
        self.client, self.units, self.parents = client, units, parents
        self.equations: list[frozenset[int]] = []  # each a set of RoundSummary ids whose sum was shown

    def _cohorts_of(self, i: int) -> list[list[RoundSummary]]:
        """The subtree's rounds grouped by the organization round they were decided in, newest first."""
        ids = [self.units[j].pk for j in subtree(self.parents, i)]
        found: dict[int, list[RoundSummary]] = {}
        for s in RoundSummary.objects.filter(unit_id__in=ids, cohort__isnull=False).select_related("cohort"):
            found.setdefault(s.cohort.number, []).append(s)
        return [found[n] for n in sorted(found, reverse=True)]

    def _check_sum(self, atoms: list[RoundSummary], row: dict | None, alignment: float) -> None:
        total = sum(s.respondents for s in atoms)
        if row is not None:  # both counts: every saved answer, and the answers read
            assert int(row["respondents"]) == sum(s.answered for s in atoms)
            assert int(row["answers_read"]) == total
        mean = sum(s.alignment * s.respondents for s in atoms) / total
        assert abs(alignment - mean) < 0.11, (alignment, mean)  # printed to one decimal

    def look(self) -> None:
        export = self.client.get(reverse("org_dashboard_csv"))
        assert export.status_code == 200
        for row in csv.DictReader(io.StringIO(export.content.decode())):
            i = next(j for j, u in enumerate(self.units) if u.name == row["unit"])
            cohorts = self._cohorts_of(i)
            if row["alignment"]:
                # The figure is one organization round's sum over the subtree: that is the equation.
                self._check_sum(cohorts[0], row, float(row["alignment"]))
                self.equations.append(frozenset(s.pk for s in cohorts[0]))
                if row["change_since_last_round"]:
                    before = float(row["alignment"]) - float(row["change_since_last_round"])
                    self._check_sum(cohorts[1], None, before)
                    # The cautious reading: the round before is known in full, count included.
                    self.equations.append(frozenset(s.pk for s in cohorts[1]))
            else:
                for count in (row["respondents"], row["answers_read"]):
                    assert not count.isdigit() or int(count) == 0
                assert row["change_since_last_round"] == ""
        for unit in self.units:
            html = self.client.get(reverse("team_dashboard", args=[unit.pk])).content.decode()
            for round_id, cells in re.findall(r'<tr data-round="(\d+)">(.*?)</tr>', html, re.S):
                if 'colspan="3"' in cells:
                    continue  # not shown
                alignment, count = re.search(
                    r'<td class="num">(\d+)</td><td class="num">[^<]*</td><td class="num">(\d+) of \d+</td>',
                    cells,
                ).groups()
                summary = RoundSummary.objects.get(round_id=int(round_id))
                assert summary.answered == int(count)
                assert abs(summary.alignment - int(alignment)) <= 0.5
                self.equations.append(frozenset([summary.pk]))
            pulses = self.client.get(reverse("unit_pulses", args=[unit.pk])).content.decode()
            # An executive sees a parent's total: no unit's raw count may sit beside it.
            assert not re.search(r"\d+ of \d+ answered", pulses), unit.name


def computable(equations: list[frozenset[int]], variables: list[int], group: set[int]) -> bool:
    index = {v: k for k, v in enumerate(variables)}

    def vector(atoms) -> np.ndarray:
        v = np.zeros(len(variables))
        for a in atoms:
            if a in index:
                v[index[a]] = 1
        return v

    if not equations:
        return False
    known = np.array([vector(e) for e in set(equations)])
    rank = np.linalg.matrix_rank(known)
    return np.linalg.matrix_rank(np.vstack([known, vector(group)])) == rank


def groups_of_one_round(parents: list[int | None], atom_of: dict[int, int]):
    """Per round: each unit's own answers plus any choice of its children's subtrees, and the
    rest of its subtree (what the privacy rule reasons about), as sets of RoundSummary ids."""
    for i in range(len(parents)):
        kids = [subtree(parents, c) for c, p in enumerate(parents) if p == i]
        whole = subtree(parents, i)
        for r in range(len(kids) + 1):
            for chosen in itertools.combinations(kids, r):
                part = {i}.union(*chosen)
                for units in (part, whole - part | {i}, whole - part):
                    atoms = {atom_of[u] for u in units if u in atom_of}
                    if atoms:
                        yield atoms


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(histories())
# Found in CI: a late sibling alone in its organization round, neither part reaching the threshold.
@example(
    (
        [None, 0, 0],
        [[1, None, 4], [None, None, None], [None, None, None], [None, None, None]],
        [[0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]],
        [[0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]],
        [0, None, None, None],
        5,
    )
)
def test_no_small_group_is_computable_from_every_view_across_rounds(history):
    parents, answers, silent, unread, late, threshold = history
    n = next(serial)
    org = OrganizationFactory(slug=f"time-{n}", min_group_size=threshold, min_verbatim_size=max(threshold, 5))
    units = []
    for i, parent in enumerate(parents):
        units.append(
            UnitFactory(
                organization=org, parent=units[parent] if parent is not None else None, name=f"T{n}u{i}"
            )
        )
    executive = User.objects.create_user(f"time{n}@example.com", organization=org, org_role="executive")
    client = Client()
    client.force_login(executive)
    attacker = Attacker(client, units, parents)
    truth: dict[int, tuple[int, int]] = {}  # summary id -> (round number, unit index)

    def close(k: int, i: int, closes_at: datetime) -> None:
        respondents, saved = answers[k][i], answers[k][i] + unread[k][i]
        summary = closed_round_with_summary(
            units[i],
            closes_at=closes_at,
            respondents=respondents,
            invited=saved + silent[k][i] or 1,
            alignment=20 + 7 * i + 3 * k,
        )
        RoundSummary.objects.filter(pk=summary.pk).update(answered=saved)
        truth[summary.pk] = (k, i)

    for k, row in enumerate(answers):
        when = START + k * EVERY
        for i, respondents in enumerate(row):
            if respondents is not None and i != late[k]:
                close(k, i, when)
        attacker.look()
        if late[k] is not None and row[late[k]] is not None:
            close(k, late[k], when + LATE)
            attacker.look()

    # Not vacuous: the attacker saw something whenever the rounds that closed on time were big
    # enough to show. (A late sibling may land in an organization round of its own, and then
    # neither part reaches the threshold alone: nothing shown is right, not a vacuous run.)
    on_time = [sum(a for i, a in enumerate(row) if a and i != late[k]) for k, row in enumerate(answers)]
    if any(total >= threshold for total in on_time):
        assert attacker.equations, history
    read = {pk: answers[k][i] for pk, (k, i) in truth.items()}
    saved = {pk: answers[k][i] + unread[k][i] for pk, (k, i) in truth.items()}
    variables = sorted(pk for pk in truth if saved[pk])  # a round nobody answered is no secret
    for k in range(len(answers)):
        atom_of = {i: pk for pk, (kk, i) in truth.items() if kk == k}
        for group in groups_of_one_round(parents, atom_of):
            counts = (sum(read[pk] for pk in group), sum(saved[pk] for pk in group))
            if any(0 < count < threshold for count in counts):
                assert not computable(attacker.equations, variables, group), (history, k, group)


def _csv(client: Client) -> dict[str, dict]:
    export = client.get(reverse("org_dashboard_csv"))
    return {row["unit"]: row for row in csv.DictReader(io.StringIO(export.content.decode()))}


@pytest.fixture
def department(org):
    """Ops with teams Alpha, Beta and Gamma; threshold 5."""
    org.min_group_size = 5
    org.save()
    ops = UnitFactory(organization=org, name="Ops")
    teams = {
        name: UnitFactory(organization=org, parent=ops, name=name) for name in ("Alpha", "Beta", "Gamma")
    }
    return ops, teams


def test_a_team_hidden_to_protect_a_sibling_stays_hidden_on_its_trend(login, executive, department):
    """Beta (8) hid beside Alpha's 4 in the first round; two rounds later its trend still hides it."""
    ops, teams = department
    client = login(executive)
    for k, counts in enumerate(({"Alpha": 4, "Beta": 8, "Gamma": 9}, {"Alpha": 6, "Beta": 8, "Gamma": 9})):
        for name, count in counts.items():
            closed_round_with_summary(
                teams[name], closes_at=START + k * EVERY, respondents=count, alignment=40 + k
            )
        rows = _csv(client)
        if k == 0:
            assert rows["Ops"]["respondents"] == "21" and rows["Gamma"]["respondents"] == "9"
            assert rows["Alpha"]["alignment"] == rows["Beta"]["alignment"] == ""
    closed_round_with_summary(teams["Beta"], closes_at=START + 2 * EVERY, respondents=8, alignment=60)
    html = client.get(reverse("team_dashboard", args=[teams["Beta"].pk])).content.decode()
    first = RoundSummary.objects.get(unit=teams["Beta"], closes_at=START)
    cells = re.search(rf'<tr data-round="{first.round_id}">(.*?)</tr>', html, re.S).group(1)
    assert 'colspan="3"' in cells and "8 of 8" not in cells
    later = RoundSummary.objects.get(unit=teams["Beta"], closes_at=START + EVERY)
    assert "8 of 8" in re.search(rf'<tr data-round="{later.round_id}">(.*?)</tr>', html, re.S).group(1)


def test_a_sibling_that_closes_late_is_waited_for_and_joins_its_round(login, executive, department):
    """While Gamma's pulse is still open, Alpha's and Beta's closed ones wait; then all three show as one."""
    ops, teams = department
    client = login(executive)
    opened = START - timedelta(days=5)
    gamma_round = PulseRound.objects.create(
        unit=teams["Gamma"],
        purpose_statement=PurposeStatementFactory(unit=teams["Gamma"]),
        scheduled_for=opened,
        opens_at=opened,
        closes_at=START + LATE,
        invited_count=7,
    )
    for name in ("Alpha", "Beta"):
        closed_round_with_summary(teams[name], closes_at=START, respondents=6, alignment=50)
    rows = _csv(client)
    assert all(rows[name]["alignment"] == "" for name in ("Ops", "Alpha", "Beta"))  # waiting for Gamma

    PulseRound.objects.filter(pk=gamma_round.pk).update(
        status=PulseRound.Status.CLOSED, closed_at=START + LATE
    )
    RoundSummary.objects.create(
        round=gamma_round,
        unit=teams["Gamma"],
        closes_at=START + LATE,
        is_final=True,
        invited=7,
        answered=3,
        respondents=3,
        alignment=80,
    )
    rows = _csv(client)
    assert rows["Ops"]["respondents"] == "15"  # 6 + 6 + 3, one organization round
    assert rows["Gamma"]["alignment"] == ""  # 3 answers
    assert sum(rows[name]["alignment"] != "" for name in ("Alpha", "Beta")) == 1  # one hides beside it
    summaries = RoundSummary.objects.filter(unit__parent=ops)
    assert len({s.cohort_id for s in summaries}) == 1


def test_a_changed_round_is_decided_again_without_showing_what_was_hidden(login, executive, department):
    """A late score lifts Alpha from 4 to 6 answers after its round was decided: Alpha and Beta,
    hidden before, stay hidden; the totals follow the new figures."""
    ops, teams = department
    client = login(executive)
    made = {
        name: closed_round_with_summary(teams[name], closes_at=START, respondents=n, alignment=50)
        for name, n in (("Alpha", 4), ("Beta", 8), ("Gamma", 9))
    }
    assert _csv(client)["Ops"]["respondents"] == "21"
    RoundSummary.objects.filter(pk=made["Alpha"].pk).update(respondents=6, answered=6)
    figures_changed(ops.organization_id)  # as the summary's recompute does (insights.summaries)
    rows = _csv(client)
    assert rows["Ops"]["respondents"] == "23"
    assert rows["Alpha"]["alignment"] == rows["Beta"]["alignment"] == ""
    assert rows["Gamma"]["respondents"] == "9"


def _open_round_with_answers(unit, members: int, answered: int) -> PulseRound:
    PurposeStatementFactory(unit=unit)
    people = [MembershipFactory(unit=unit, role=Membership.Role.MEMBER).user for _ in range(members)]
    now = datetime.now(UTC)
    pulse_round = round_open(
        unit=unit, scheduled_for=now, closes_at=now + timedelta(days=5), remind_at=None, now=now
    )
    pulse_round.invitations.filter(user__in=people[:answered]).update(answered_at=now)
    return pulse_round


def test_only_a_teams_own_leader_reads_its_exact_counts(login, executive, department):
    """Alpha's leader sees '6 of 8 answered'; Ops' leader and the executive, who see Ops' total, don't."""
    ops, teams = department
    _open_round_with_answers(teams["Alpha"], members=8, answered=6)
    closed_round_with_summary(teams["Alpha"], closes_at=START, respondents=7, invited=9, alignment=50)
    alpha_leader = MembershipFactory(unit=teams["Alpha"], role=Membership.Role.LEADER).user
    ops_leader = MembershipFactory(unit=ops, role=Membership.Role.LEADER).user
    url = reverse("unit_pulses", args=[teams["Alpha"].pk])

    page = login(alpha_leader).get(url).content.decode()
    assert "6 of 8 answered" in page and "of 9 answered" in page  # the open round and the closed one
    assert "6 of 8 answered" in login(alpha_leader).get(reverse("home")).content.decode()
    for viewer in (ops_leader, executive):
        client = login(viewer)
        page = client.get(url)
        assert page.status_code == 200
        html = page.content.decode()
        assert not re.search(r"\d+ of \d+ answered", html)
        assert "8 invited" in html and 'id="counts-elsewhere"' in html
        live = client.get(reverse("unit_pulse_live", args=[teams["Alpha"].pk]), HTTP_HX_REQUEST="true")
        assert live.status_code == 200 and not re.search(r"\d+ of \d+ answered", live.content.decode())
    ops_page = login(ops_leader).get(reverse("home")).content.decode()
    assert not re.search(r"\d+ of \d+ answered", ops_page)


def test_a_new_threshold_hides_more_of_old_rounds_and_never_shows_more(login, executive, department):
    """Raised from 5 to 7, Beta's 6 answers hide; lowered to 3, Alpha's 4 stay hidden all the same."""
    ops, teams = department
    client = login(executive)
    for name, n in (("Alpha", 4), ("Beta", 6), ("Gamma", 9)):
        closed_round_with_summary(teams[name], closes_at=START, respondents=n, alignment=50)
    assert _csv(client)["Gamma"]["respondents"] == "9"
    org = ops.organization
    org.min_group_size = org.min_verbatim_size = 7
    org.save()
    rows = _csv(client)
    assert rows["Beta"]["alignment"] == rows["Alpha"]["alignment"] == ""
    org.min_group_size = 3
    org.save()
    rows = _csv(client)
    assert rows["Alpha"]["alignment"] == rows["Beta"]["alignment"] == ""
    assert rows["Ops"]["respondents"] == "19"
