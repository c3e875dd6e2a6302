"""Wording the team suggested, handed to the editor to draw on.

The purpose app can't read the pulses (they live above it), so whoever may show a
unit's suggestions puts the chosen texts in the leader's session under
SESSION_KEY, one list per unit, and sends the leader to the editor. The editor
shows them beside the form; a version saved while they are offered keeps them
(`PurposeStatement.shaped_from`) and the history says it was shaped with the
team's suggestions. The session is the leader's own and signed server-side, so
no text reaches a version without having been offered by the server.
"""

from collections.abc import MutableMapping

SESSION_KEY = "purpose.suggestions"  # {str(unit_id): [text, ...]}
MAX_SUGGESTIONS = 40
SUGGESTION_MAX_LENGTH = 1000


def suggestions_offer(session: MutableMapping, *, unit_id: int, texts: list[str]) -> list[str]:
    """Offer these texts to the editor of this unit (replacing any offered before); returns what is kept."""
    kept = [text.strip()[:SUGGESTION_MAX_LENGTH] for text in texts if text.strip()][:MAX_SUGGESTIONS]
    offered = dict(session.get(SESSION_KEY) or {})
    offered[str(unit_id)] = kept
    session[SESSION_KEY] = offered
    return kept


def suggestions_for(session: MutableMapping, unit_id: int) -> list[str]:
    return list((session.get(SESSION_KEY) or {}).get(str(unit_id), []))


def suggestions_drop(session: MutableMapping, unit_id: int) -> None:
    offered = dict(session.get(SESSION_KEY) or {})
    if offered.pop(str(unit_id), None) is not None:
        session[SESSION_KEY] = offered
