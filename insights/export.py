"""The org dashboard as CSV: exactly the rows and figures the person may see."""

import csv
from collections.abc import Iterable

from insights.dashboard import UnitRow

HEADER = [
    "unit",
    "kind",
    "path",
    "respondents",
    "response_rate_pct",
    "alignment",
    "agreement",
    "change_since_last_round",
    "situation",
]


def _fmt(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def write_dashboard_csv(out, rows: Iterable[UnitRow], *, threshold: int) -> None:
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for row in rows:
        if row.visible:
            respondents = row.respondents
        else:
            respondents = f"fewer than {threshold}" if row.has_data else 0
        rate = row.response_rate * 100 if row.response_rate is not None else None
        writer.writerow(
            [
                row.name,
                row.kind,
                " / ".join(row.path),
                respondents,
                _fmt(rate, 0),
                _fmt(row.alignment),
                _fmt(row.agreement),
                _fmt(row.change),
                row.situation.title if row.situation else "",
            ]
        )
