"""Which groups may be described, so that no group below the threshold can be seen or computed.

A unit's roll-up covers its own direct respondents plus every unit below it:
``R(P) = own(P) + sum(R(c) for c in children(P))``. Showing some roll-ups lets
anyone compute others by addition and subtraction along these equations, so
we treat as *known* every roll-up that is shown or computable:

- bottom-up: a unit with no own respondents whose children are all known;
- top-down: the one unknown part of a known parent (own respondents count as a
  part unless there are none).

The rule: for every known parent, the parts it leaves unknown must add up to
nothing or to at least the threshold. When they don't, the smallest known
child is hidden too (complementary suppression; if that child is computable
from below, its smallest known child is hidden instead), and we check again.
Treating "no own respondents" as public knowledge is the cautious reading.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(slots=True)
class Node:
    id: int
    parent_id: int | None
    own: int  # respondents who are direct members of this unit
    children: list["Node"] = field(default_factory=list)
    total: int = 0  # respondents in the whole subtree


class Tree(dict):
    """Nodes by id, with their post-order (children before parents) worked out once."""

    order: list[Node]


def build_tree(rows: Iterable[tuple[int, int | None, int]]) -> Tree:
    """rows: (unit id, parent id, own respondents). Parents missing from rows make roots."""
    nodes = Tree((uid, Node(uid, parent, own)) for uid, parent, own in rows)
    for node in nodes.values():
        parent = nodes.get(node.parent_id)
        if parent is not None:
            parent.children.append(node)
    nodes.order = _post_order(nodes)
    for node in nodes.order:
        node.total = node.own + sum(child.total for child in node.children)
    return nodes


def _roots(nodes: Mapping[int, Node]) -> list[Node]:
    return [n for n in nodes.values() if n.parent_id not in nodes]


def _post_order(nodes: Mapping[int, Node]) -> list[Node]:
    order: list[Node] = []
    stack = [(root, False) for root in _roots(nodes)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
        else:
            stack.append((node, True))
            stack.extend((child, False) for child in node.children)
    return order


def _known(order: list[Node], shown: set[int]) -> set[int]:
    """Shown roll-ups plus every roll-up computable from them (a fixpoint of both rules)."""
    known = set(shown)
    changed = True
    while changed:
        changed = False
        for node in order:  # children before parents
            if node.id not in known and node.own == 0:
                if all(c.id in known for c in node.children):
                    known.add(node.id)
                    changed = True
        for node in reversed(order):  # parents before children
            if node.id in known and node.own == 0:
                unknown = [c for c in node.children if c.id not in known]
                if len(unknown) == 1:
                    known.add(unknown[0].id)
                    changed = True
    return known


def _unknown_sum(node: Node, known: set[int]) -> int:
    return node.own + sum(c.total for c in node.children if c.id not in known)


def _hide_one(parent: Node, shown: set[int], known: set[int], spare: int | None = None) -> None:
    """Hide the smallest known child (not `spare`), descending while it is known only from below."""
    node = parent
    while True:
        candidates = [c for c in node.children if c.id in known and c.total > 0 and c.id != spare]
        if not candidates:
            shown.discard(node.id)
            return
        smallest = min(candidates, key=lambda c: (c.total, c.id))
        if smallest.id in shown:
            shown.discard(smallest.id)
            return
        node, spare = smallest, None


def _leaks(order: list[Node], nodes: Mapping[int, Node], known: set[int], threshold: int):
    """(parent whose children to thin out, child to leave alone) for every leak, one per parent."""
    seen: set[int] = set()
    for node in reversed(order):
        if node.id not in known:
            continue
        leak = None
        if 0 < node.total < threshold:  # a small group is computable
            parent = nodes.get(node.parent_id)
            leak = (parent, node.id) if parent is not None else (node, None)
        elif node.children and 0 < _unknown_sum(node, known) < threshold:
            leak = (node, None)  # what the parent leaves unexplained is small
        if leak and leak[0].id not in seen:
            seen.add(leak[0].id)
            yield leak


def visible_units(nodes: Mapping[int, Node], threshold: int, *, hidden: Iterable[int] = ()) -> set[int]:
    """Ids of units whose roll-up may be shown (and used in any figure).

    `hidden`: units that stay hidden whatever their size (an earlier decision
    is never undone, insights.disclosure). Each pass fixes every leak it finds,
    then re-derives what is computable: a few passes even for a large
    organization, each linear in its size.
    """
    order = nodes.order if isinstance(nodes, Tree) else _post_order(nodes)
    shown = {node.id for node in order if node.total >= threshold} - set(hidden)
    while True:
        known = _known(order, shown)
        leaks = list(_leaks(order, nodes, known, threshold))
        if not leaks:
            return shown
        for parent, spare in leaks:
            _hide_one(parent, shown, known, spare)
