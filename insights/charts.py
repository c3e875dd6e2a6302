"""Small server-rendered SVG charts. Each carries a <title> and a text description,
and marks values with shapes and labels, never colour alone."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


@dataclass
class Point:
    label: str  # e.g. the round's date
    value: float | None  # 0–100, None when hidden or missing
    note: str = ""  # e.g. "purpose v3"
    likely: tuple[float, float] | None = None  # where the value likely lies, drawn as a bar behind the dot


def _svg(width: int, height: int, title: str, desc: str, body: str) -> SafeString:
    return mark_safe(
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="t d" '
        f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>{body}</svg>"
    )


# Charts are drawn for a phone-width card (about 316 CSS px at 390 px) and scale up on a laptop
# (capped by .chart's max-height), so text set at FONT units is never under 11 px on screen.
WIDTH = 340
FONT = 12
CHAR_W = FONT * 0.62  # a generous average glyph width, to keep labels apart


def _every(labels: Sequence[str], spacing: float) -> int:
    """Label every k-th point so that labels of this width never touch."""
    widest = max((len(label) for label in labels), default=0) * CHAR_W + 6
    return max(1, int(-(-widest // max(spacing, 1))))


def _anchor(x: float, half: float, lo: float, hi: float) -> str:
    """Centre a label on its point unless that would cut it at the chart's edge."""
    if x - half < lo:
        return "start"
    if x + half > hi:
        return "end"
    return "middle"


def trend_chart(points: Sequence[Point], *, title: str = "Alignment over time") -> SafeString:
    """A line of 0–100 values across rounds; gaps where a round is hidden or missing."""
    width, height, left, right, top, bottom = WIDTH, 210, 30, 8, 20, 44
    inset = 14  # keeps the first point and its value clear of the axis labels
    plot_w, plot_h = width - left - right - 2 * inset, height - top - bottom
    n = max(len(points), 1)
    step = plot_w / max(n - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return left + inset + (i * step if n > 1 else plot_w / 2), top + plot_h * (1 - v / 100)

    parts = []
    for tick in (0, 25, 50, 75, 100):
        y = top + plot_h * (1 - tick / 100)
        parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="axis" x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
    segment: list[str] = []
    for i, p in enumerate(points):
        if p.value is None:
            if len(segment) > 1:
                parts.append(f'<polyline class="line" points="{" ".join(segment)}"/>')
            segment = []
            continue
        x, y = xy(i, p.value)
        segment.append(f"{x:.1f},{y:.1f}")
        if p.likely:
            (_, y_low), (_, y_high) = xy(i, p.likely[0]), xy(i, p.likely[1])
            parts.append(
                f'<line class="range" x1="{x:.1f}" x2="{x:.1f}" y1="{y_low:.1f}" y2="{y_high:.1f}"/>'
            )
        parts.append(f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="4"/>')
    if len(segment) > 1:
        parts.append(f'<polyline class="line" points="{" ".join(segment)}"/>')
    # Values over the dots, thinned like the labels when rounds crowd.
    value_every = _every(["100"], step if n > 1 else plot_w)
    label_every = _every([f"{p.label} {p.note}" for p in points], step if n > 1 else plot_w)
    last = len(points) - 1
    for i, p in enumerate(points):
        if p.value is not None and ((last - i) % value_every == 0):
            x, y = xy(i, p.value)
            parts.append(
                f'<text class="value" x="{x:.1f}" y="{y - 8:.1f}" text-anchor="middle">{p.value:.0f}</text>'
            )
        if (last - i) % label_every:
            continue  # the latest round always keeps its label
        x = xy(i, 0)[0]
        anchor = _anchor(x, len(p.label) * CHAR_W / 2, 0, width)
        parts.append(
            f'<text class="axis" x="{x:.1f}" y="{height - 24}" text-anchor="{anchor}">{escape(p.label)}</text>'
        )
        if p.note:
            anchor = _anchor(x, len(p.note) * CHAR_W / 2, 0, width)
            parts.append(
                f'<text class="note" x="{x:.1f}" y="{height - 8}" text-anchor="{anchor}">{escape(p.note)}</text>'
            )
    desc = "; ".join(
        f"{p.label}: {'not shown' if p.value is None else f'{p.value:.0f}'}"
        f"{f', likely {p.likely[0]:.0f}–{p.likely[1]:.0f}' if p.likely and p.value is not None else ''}"
        f"{f' ({p.note})' if p.note else ''}"
        for p in points
    )
    return _svg(width, height, title, desc or "No rounds yet.", "".join(parts))


def histogram(values: Sequence[float], *, bins: int = 10, title: str = "Spread of answers") -> SafeString:
    """How many answers fall in each band of ten points, 0–100."""
    width, height, left, right, bottom, top = WIDTH, 180, 12, 12, 26, 18
    counts = [0] * bins
    for v in values:
        counts[min(int(v // (100 / bins)), bins - 1)] += 1
    peak = max(counts) or 1
    bar_w = (width - left - right) / bins
    parts = []
    for i, count in enumerate(counts):
        h = (height - top - bottom) * count / peak
        x = left + i * bar_w
        y = height - bottom - h
        parts.append(
            f'<rect class="bar" x="{x + 2:.1f}" y="{y:.1f}" width="{bar_w - 4:.1f}" height="{h:.1f}"/>'
        )
        if count:
            parts.append(
                f'<text class="value" x="{x + bar_w / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle">{count}</text>'
            )
    # The scale under the bars: band edges, every other one, so the numbers never touch.
    for edge in range(0, bins + 1, 2):
        x = left + edge * bar_w
        parts.append(
            f'<text class="axis" x="{x:.1f}" y="{height - 8}" text-anchor="middle">{int(edge * 100 / bins)}</text>'
        )
    desc = ", ".join(
        f"{int(i * 100 / bins)} to {int((i + 1) * 100 / bins)}: {c}" for i, c in enumerate(counts) if c
    )
    return _svg(width, height, title, f"Answers per band of scores — {desc or 'none'}.", "".join(parts))
