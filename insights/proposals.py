"""What members would change in how the team describes its purpose: the optional pulse question
(surveys.PulseSchedule.asks_purpose_proposal), read back to the leader grouped by meaning.

Proposals are the team's own words, so they follow the rule for every quoted word
(insights.results.words_may_be_quoted): shown only from a round whose reading may
be shown and that reaches the organization's verbatim minimum; below it, none, not
even how many there were. They are grouped by the engine as the questions are
(insights.talk.themes_of), sorted first, so nothing says who wrote what or when.
The leader picks some and starts a new version from them: the picked texts go to
the editor through purpose.suggestions, which the purpose app reads on its own.
"""

from insights.talk import Theme, themes_of
from surveys.models import PulseRound, Response


def round_proposals(pulse_round: PulseRound) -> list[str]:
    """The round's proposals, in a fixed order that says nothing about who or when."""
    texts = Response.objects.filter(round=pulse_round).exclude(purpose_proposal="")
    return sorted({t.strip() for t in texts.values_list("purpose_proposal", flat=True) if t.strip()})


def proposal_groups(results) -> list[Theme]:
    """The proposals of the round of `results` (insights.results.TeamResults), grouped by meaning;
    empty unless the round's words may be quoted."""
    if results is None or not results.verbatim_ok or results.round.status != PulseRound.Status.CLOSED:
        return []
    return themes_of(round_proposals(results.round), kind="proposals", round_id=results.round.pk)


def proposals_chosen(results, chosen: list[str]) -> list[str]:
    """The chosen texts that are proposals shown for this round, in the page's order; others are dropped."""
    wanted = {text.strip() for text in chosen}
    return [text for group in proposal_groups(results) for text in group.questions if text in wanted]
