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
    "answers_read",
    "alignment",
    "agreement",
    "change_since_last_round",
    "change_could_be_noise",
    "situation",
    "situation_close_call",
]


# A spreadsheet runs a cell that starts with one of these as a formula
# (`=HYPERLINK(...)` in a unit's name); a leading quote makes it plain text (OWASP's rule).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    """Text that came from people (names, paths): never read as a formula."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _fmt(value: float | None, digits: int = 1) -> str:
    """A figure we format ourselves stays a number: a change of -3.5 is not a formula."""
    return "" if value is None else f"{value:.{digits}f}"


def write_dashboard_csv(out, rows: Iterable[UnitRow], *, threshold: int) -> None:
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for row in rows:
        # `respondents` counts every saved answer, as the pulses page and the team view do;
        # `answers_read` those the engine could read, which the alignment is the mean of.
        if row.visible:
            respondents, read = row.answered, row.respondents
        else:
            respondents = read = f"fewer than {threshold}" if row.has_data else 0
        rate = row.response_rate * 100 if row.response_rate is not None else None
        writer.writerow(
            [
                _text(row.name),
                _text(row.kind),
                _text(" / ".join(row.path)),
                respondents,
                _fmt(rate, 0),
                read,
                _fmt(row.alignment),
                _fmt(row.agreement),
                _fmt(row.change),
                "yes" if row.change_could_be_noise else "",
                _text(row.situation.title) if row.situation else "",
                _text(row.close_call.title) if row.close_call else "",
            ]
        )
