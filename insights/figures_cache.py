"""The organization's figures, computed once and kept until something they are made of changes.

`insights.dashboard.org_figures` reads every unit of the organization, the cohorts in view and
their summaries, and rolls them up: about a third of a second at 10,000 units. Its result is the
same for everyone who reads the organization (each page then narrows it to what the viewer may
see, exactly as it does with figures computed afresh), so each web process keeps it, under the
organization's *figures version* (`insights.FiguresVersion`): a random token that every write
the figures depend on replaces, in the transaction of the write:

- a cohort cut, or decided again (`insights.disclosure`); a summary of a cohort recomputed
  (`insights.summaries`);
- a unit added, renamed, moved or deleted; a membership made, changed or ended; the
  organization's threshold changed (`insights.receivers`: Django's model signals, and the
  teams signals `units_changed` and `memberships_ended` for bulk writes).

A page reads the token (one query) before anything the figures are made of, so figures kept
under a token are never older than it: a write that commits meanwhile has replaced it already.
The token lives in the database, so a summary a worker recomputes reaches every web process.
The first page after a change, in each process, pays the full price.

Kept in the process's memory, not in Django's cache: a cache stores a copy (pickled), and
reading back 10,000 rows' objects took a third as long as computing them (bench/org_dashboard.py
measured it), which alone was most of the page's budget. The kept figures are shared by the
requests of the process, so nothing may change them: pages only read rows and build new lists.
"""

import secrets
import threading

from insights.models import FiguresVersion

# How many units' rows one process keeps, over all organizations (about 2 KB each: 19 MB at
# 10,000 units). The most recently computed organizations stay, and always the last one.
KEPT_ROWS = 40_000

_kept: dict[int, tuple[str, object]] = {}  # organization id -> (token, figures)
_keeping = threading.Lock()


def figures_changed(organization_id: int, *, deleting: bool = False) -> None:
    """The organization's figures changed: pages compute them afresh from the next one on.

    `deleting`: the change is a delete, maybe of the organization itself (its units, summaries and
    memberships go first): only an existing version is replaced, none is made, since one made then
    would point at an organization about to go. Every organization has its version from its
    creation on (the receiver of its first save, and migration 0006 for those before it).
    """
    token = secrets.token_hex(8)
    if FiguresVersion.objects.filter(organization_id=organization_id).update(token=token) or deleting:
        return
    _, made = FiguresVersion.objects.get_or_create(organization_id=organization_id, defaults={"token": token})
    if not made:  # a page made it meanwhile, and may have read the figures before this change
        FiguresVersion.objects.filter(organization_id=organization_id).update(token=token)


def figures_version(organization_id: int) -> str:
    """The token of the organization's figures as they stand now."""
    token = (
        FiguresVersion.objects.filter(organization_id=organization_id).values_list("token", flat=True).first()
    )
    if token is None:
        version, _ = FiguresVersion.objects.get_or_create(
            organization_id=organization_id, defaults={"token": secrets.token_hex(8)}
        )
        token = version.token
    return token


def figures_cached(organization_id: int, compute):
    """The organization's figures as this process keeps them, or computed by `compute()` and kept."""
    token = figures_version(organization_id)  # before reading anything the figures are made of
    kept = _kept.get(organization_id)
    if kept is not None and kept[0] == token:
        return kept[1]
    figures = compute()
    with _keeping:
        _kept.pop(organization_id, None)
        _kept[organization_id] = (token, figures)
        while len(_kept) > 1 and sum(len(kept) for _, kept in _kept.values()) > KEPT_ROWS:
            del _kept[next(iter(_kept))]
    return figures


def figures_kept(organization_id: int) -> bool:
    """Whether this process keeps the organization's current figures (the next page reads them)."""
    kept = _kept.get(organization_id)
    return kept is not None and kept[0] == figures_version(organization_id)


def figures_forget() -> None:
    """Drop every kept figure of this process (tests and benchmarks measure the first page)."""
    with _keeping:
        _kept.clear()
