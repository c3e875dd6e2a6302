"""The block a pulse opens with: what happened since the team's last pulse (replies, actions)."""

from django import template
from django.utils import timezone

from surveys.actions import actions_since
from surveys.models import PulseRound
from surveys.replies import previous_closed_round, published_replies

register = template.Library()


@register.inclusion_tag("surveys/_since_last_pulse.html")
def since_last_pulse(pulse_round: PulseRound) -> dict:
    """The leader's published replies to the last pulse's questions, the team's open actions and
    those done since. Only the leader's words and the team's decisions: nothing from answers."""
    previous = previous_closed_round(pulse_round)
    if previous is None:
        return {"shown": False}
    replies = published_replies(previous)
    actions = actions_since(pulse_round.unit, previous.closed_at or previous.closes_at)
    return {
        "shown": bool(replies or actions),
        "replies": replies,
        "actions": actions,
        "previous": previous,
        "today": timezone.localdate(),
    }
