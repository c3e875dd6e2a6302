from django import template

register = template.Library()

# Bands on the calibrated scale: faithful paraphrases of a purpose land around 45–60.
HEAT_BANDS = [(55, "heat-5"), (45, "heat-4"), (35, "heat-3"), (25, "heat-2")]


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
