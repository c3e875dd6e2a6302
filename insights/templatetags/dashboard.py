from django import template

from alignment.reading import BAND_CUTS

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
