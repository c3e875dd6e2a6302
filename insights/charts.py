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


def _svg(width: int, height: int, title: str, desc: str, body: str) -> SafeString:
    return mark_safe(
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="t d" '
        f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMidYMid meet">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>{body}</svg>"
    )


def trend_chart(points: Sequence[Point], *, title: str = "Alignment over time") -> SafeString:
    """A line of 0–100 values across rounds; gaps where a round is hidden or missing."""
    width, height, left, right, top, bottom = 560, 200, 34, 12, 12, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(points), 1)
    step = plot_w / max(n - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return left + (i * step if n > 1 else plot_w / 2), top + plot_h * (1 - v / 100)

    parts = []
    for tick in (0, 25, 50, 75, 100):
        y = top + plot_h * (1 - tick / 100)
        parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
    segment: list[str] = []
    for i, p in enumerate(points):
        if p.value is None:
            if len(segment) > 1:
                parts.append(f'<polyline class="line" points="{" ".join(segment)}"/>')
            segment = []
            continue
        x, y = xy(i, p.value)
        segment.append(f"{x:.1f},{y:.1f}")
        parts.append(f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="4"/>')
        parts.append(
            f'<text class="value" x="{x:.1f}" y="{y - 8:.1f}" text-anchor="middle">{p.value:.0f}</text>'
        )
    if len(segment) > 1:
        parts.append(f'<polyline class="line" points="{" ".join(segment)}"/>')
    for i, p in enumerate(points):
        x = xy(i, 0)[0]
        parts.append(
            f'<text class="axis" x="{x:.1f}" y="{height - 22}" text-anchor="middle">{escape(p.label)}</text>'
        )
        if p.note:
            parts.append(
                f'<text class="note" x="{x:.1f}" y="{height - 8}" text-anchor="middle">{escape(p.note)}</text>'
            )
    desc = "; ".join(
        f"{p.label}: {'not shown' if p.value is None else f'{p.value:.0f}'}{f' ({p.note})' if p.note else ''}"
        for p in points
    )
    return _svg(width, height, title, desc or "No rounds yet.", "".join(parts))


def histogram(values: Sequence[float], *, bins: int = 10, title: str = "Spread of answers") -> SafeString:
    """How many answers fall in each band of ten points, 0–100."""
    width, height, left, bottom, top = 560, 180, 30, 28, 14
    counts = [0] * bins
    for v in values:
        counts[min(int(v // (100 / bins)), bins - 1)] += 1
    peak = max(counts) or 1
    bar_w = (width - left - 10) / bins
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
        lo = int(i * 100 / bins)
        parts.append(
            f'<text class="axis" x="{x + bar_w / 2:.1f}" y="{height - 10}" text-anchor="middle">{lo}–{lo + 100 // bins}</text>'
        )
    desc = ", ".join(
        f"{int(i * 100 / bins)} to {int((i + 1) * 100 / bins)}: {c}" for i, c in enumerate(counts) if c
    )
    return _svg(width, height, title, f"Answers per band of scores — {desc or 'none'}.", "".join(parts))
