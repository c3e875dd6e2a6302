"""No shown roll-up lets anyone see or compute a group below the threshold."""

from itertools import combinations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from insights.privacy import build_tree, visible_units


@st.composite
def org_shapes(draw):
    size = draw(st.integers(min_value=1, max_value=14))
    rows = [(0, None, draw(st.integers(0, 8)))]
    for uid in range(1, size):
        parent = draw(st.integers(0, uid - 1))
        rows.append((uid, parent, draw(st.integers(0, 9))))
    return rows, draw(st.integers(3, 6))


def subtree_atoms(nodes, uid):
    stack, out = [nodes[uid]], set()
    while stack:
        node = stack.pop()
        out.add(node.id)
        stack.extend(node.children)
    return out


def computable_groups(nodes, visible):
    """Every group an attacker can compute from the shown roll-ups by linear algebra."""
    # A unit with no own respondents is public knowledge (the cautious reading): not a variable.
    ids = sorted(uid for uid, node in nodes.items() if node.own)
    index = {uid: i for i, uid in enumerate(ids)}

    def vector(atoms):
        v = np.zeros(len(ids))
        for a in atoms:
            if a in index:
                v[index[a]] = 1
        return v

    known = (
        np.array([vector(subtree_atoms(nodes, uid)) for uid in visible])
        if visible
        else np.zeros((0, len(ids)))
    )
    rank = np.linalg.matrix_rank(known) if len(known) else 0
    candidates = []
    for uid, node in nodes.items():
        candidates.append({uid})
        kids = [subtree_atoms(nodes, c.id) for c in node.children]
        for r in range(len(kids) + 1):
            for chosen in combinations(kids, r):
                atoms = {uid}.union(*chosen) if chosen else {uid}
                candidates.append(atoms)
                candidates.append(
                    subtree_atoms(nodes, uid) - atoms | {uid} if chosen else subtree_atoms(nodes, uid)
                )
    for atoms in candidates:
        stacked = np.vstack([known, vector(atoms)]) if len(known) else vector(atoms)[None, :]
        if np.linalg.matrix_rank(stacked) == rank:
            yield atoms


@settings(max_examples=400, deadline=None)
@given(org_shapes())
def test_no_small_group_is_shown_or_computable(shape):
    rows, threshold = shape
    nodes = build_tree(rows)
    visible = visible_units(nodes, threshold)
    own = {uid: o for uid, _, o in rows}
    # Not vacuous: hiding everything would pass the checks below, but the whole
    # organization shows once it reaches the threshold (children hide instead).
    assert (0 in visible) == (nodes[0].total >= threshold), (rows, threshold, visible)
    for uid in visible:
        assert nodes[uid].total >= threshold
    for atoms in computable_groups(nodes, visible):
        count = sum(own[a] for a in atoms)
        assert count == 0 or count >= threshold, (rows, threshold, visible, atoms)


def test_single_small_sibling_forces_the_next_smallest_to_hide():
    # Division 0 (no direct members) with teams of 12, 6 and 2 respondents, threshold 5.
    nodes = build_tree([(0, None, 0), (1, 0, 12), (2, 0, 6), (3, 0, 2)])
    assert visible_units(nodes, 5) == {0, 1}


def test_large_groups_all_show():
    nodes = build_tree([(0, None, 0), (1, 0, 7), (2, 0, 9)])
    assert visible_units(nodes, 5) == {0, 1, 2}


def test_a_unit_computable_from_below_does_not_protect_a_small_sibling():
    # Team 2 hides; team 4 (5+5 below a unit with no own respondents) would be hidden next,
    # but it is the sum of its two visible children, so one of those must hide instead.
    nodes = build_tree([(0, None, 0), (1, 0, 11), (2, 0, 2), (4, 0, 0), (5, 4, 5), (6, 4, 5)])
    assert visible_units(nodes, 5) == {0, 1, 6}


def test_direct_members_of_a_parent_are_protected():
    # The parent's own 2 respondents would be parent minus children.
    nodes = build_tree([(0, None, 2), (1, 0, 8), (2, 0, 9)])
    visible = visible_units(nodes, 5)
    assert 0 in visible and len(visible & {1, 2}) == 1


@settings(max_examples=300, deadline=None)
@given(org_shapes(), st.data())
def test_units_kept_hidden_stay_hidden_and_nothing_small_becomes_computable(shape, data):
    """A decision taken again (insights.disclosure) keeps hidden what was hidden, and stays safe."""
    rows, threshold = shape
    nodes = build_tree(rows)
    hidden = data.draw(st.sets(st.sampled_from([uid for uid, _, _ in rows])))
    visible = visible_units(nodes, threshold, hidden=hidden)
    assert not visible & hidden
    own = {uid: o for uid, _, o in rows}
    for atoms in computable_groups(nodes, visible):
        count = sum(own[a] for a in atoms)
        assert count == 0 or count >= threshold, (rows, threshold, hidden, visible, atoms)
