from django import template

from alignment.reading import BAND_CUTS
from insights.wording import situation_for
from teams.access import led_unit_ids

register = template.Library()

# The heatmap's shades follow the purpose scale's bands (25/50/75): darkest where
# members say something else, lightest where they tell the purpose back; "on topic"
# is split in two so a team sliding towards "something else" shows it.
HEAT_BANDS = [
    (BAND_CUTS[2], "heat-5"),
    (BAND_CUTS[1], "heat-4"),
    ((BAND_CUTS[0] + BAND_CUTS[1]) / 2, "heat-3"),
    (BAND_CUTS[0], "heat-2"),
]


@register.filter
def heat_class(value) -> str:
    if value is None:
        return "heat-none"
    return next((name for floor, name in HEAT_BANDS if value >= floor), "heat-1")


@register.filter
def percent(value) -> str:
    return "–" if value is None else f"{value * 100:.0f}%"


@register.filter
def trend_arrow(value) -> str:
    """A change in points, with an arrow and words so it doesn't rely on colour."""
    if value is None:
        return "–"
    if abs(value) < 1:
        return "→ steady"
    return f"▲ +{value:.0f}" if value > 0 else f"▼ {value:.0f}"


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "")


@register.simple_tag(takes_context=True)
def situation_for_viewer(context, situation, unit_id=None):
    """The situation addressed to "you" only when the person reading leads that very unit
    (insights.wording); tables and roll-ups name the leader in the third person."""
    user = context.get("user")
    if not unit_id or user is None or not user.is_authenticated:
        return situation_for(situation, viewer_leads=False)
    if not hasattr(user, "_led_unit_ids"):  # one query per request, however many rows
        user._led_unit_ids = led_unit_ids(user)
    return situation_for(situation, viewer_leads=unit_id in user._led_unit_ids)
