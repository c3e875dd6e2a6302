"""Reading an uploaded CSV or XLSX file into rows of text: nothing here decides what they mean.

CSV goes through the standard library's csv module, XLSX through openpyxl (with
defusedxml installed, so an XML bomb inside the workbook is refused, not expanded).
Every cell is kept as the text written in it: a formula is read as its text
(`=HYPERLINK(...)`), never as a value something computed, and nothing evaluates it.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import PurePath

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

MAX_ROWS = 200_000
MAX_COLUMNS = 100

# The fields a file may give, and the headers that mean each (compared in lowercase,
# with spaces, underscores and hyphens alike).
HEADERS = {
    "email": ("email", "e mail", "email address", "work email", "mail"),
    "name": ("name", "full name", "display name", "person", "person name"),
    "unit": ("unit", "team", "unit name", "team name"),
    "parent": ("parent", "parent unit", "parent team", "parent unit name", "reports into"),
    "unit_path": ("unit path", "path", "team path", "hierarchy"),
    "role": ("role", "role in unit", "unit role", "team role"),
}
FIELDS = ("email", "name", "unit", "parent", "role")  # the order of a stored row after its number
PATH_SEPARATOR = "/"

_OLD_EXCEL = b"\xd0\xcf\x11\xe0"  # the OLE container of .xls (and of encrypted .xlsx)
_ZIP = b"PK\x03\x04"


class FileRefused(Exception):
    """The file as a whole can't be read; the message says why and what to do, for the admin."""


@dataclass
class Table:
    """The file's rows as text: `rows` are [row number, email, name, unit, parent, role], where in
    a file with a unit path `unit` holds the path and `parent` is empty."""

    columns: dict[str, str] = field(default_factory=dict)  # field -> "header (column C)"
    notes: list[str] = field(default_factory=list)
    rows: list[list] = field(default_factory=list)

    @property
    def by_path(self) -> bool:
        return "unit_path" in self.columns


def _normal_header(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", text).strip().lower()


_FIELD_OF = {alias: name for name, aliases in HEADERS.items() for alias in aliases}


def read_table(file_name: str, data: bytes) -> Table:
    """Read the file by its extension, after checking its content is what the extension says."""
    suffix = PurePath(file_name).suffix.lower()
    if data.startswith(_OLD_EXCEL):
        raise FileRefused(
            "This is an old Excel (.xls) or password-protected workbook. Save it as .xlsx "
            "(Excel workbook) or as CSV UTF-8, without a password, and upload that."
        )
    if suffix == ".xlsx":
        if not data.startswith(_ZIP):
            raise FileRefused(
                "This file is named .xlsx but isn't an Excel workbook. Upload a .xlsx or .csv file."
            )
        return _table(_xlsx_rows(data))
    if suffix in (".csv", ".txt"):
        if data.startswith(_ZIP) or b"\x00" in data[:4096]:
            raise FileRefused("This file is named .csv but isn't text. Upload a .csv or .xlsx file.")
        return _table(_csv_rows(data))
    raise FileRefused(
        f"Only CSV (.csv) and Excel (.xlsx) files can be imported; this one is {suffix or 'without an extension'}."
    )


def _csv_rows(data: bytes):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        line = data[: problem.start].count(b"\n") + 1
        raise FileRefused(
            f"Line {line} of this file isn't UTF-8 text. In Excel choose Save As → “CSV UTF-8”, "
            "or upload the .xlsx workbook itself."
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise FileRefused(f"Line {line} holds a NUL character: the file looks damaged. Nothing was read.")
    try:
        dialect = csv.Sniffer().sniff(text[:65536], delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    except csv.Error as problem:
        raise FileRefused(
            f"This CSV file can't be read ({problem}). Check its quotes and upload it again."
        ) from None


def _xlsx_rows(data: bytes):
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # a damaged or hostile workbook: whatever openpyxl raises, the answer is the same
        raise FileRefused(
            "This Excel file can't be read: it is damaged, protected, or not really a workbook. "
            "Open it in Excel, save it again as .xlsx (or CSV UTF-8) and upload that."
        ) from None
    try:
        for values in workbook.worksheets[0].iter_rows(values_only=True):
            yield [_cell_text(value) for value in values]
    except FileRefused:
        raise
    except Exception:
        raise FileRefused(
            "This Excel file is damaged partway through. Save it again and upload that."
        ) from None
    finally:
        workbook.close()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    if "\x00" in text:
        raise FileRefused("A cell holds a NUL character: the file looks damaged. Nothing was read.")
    return text


def _table(raw_rows) -> Table:
    table = Table()
    header: list[str] | None = None
    positions: dict[str, int] = {}
    for number, cells in enumerate(raw_rows, start=1):
        cells = [cell.strip() for cell in cells]
        if not any(cells):
            continue
        if header is None:
            header = cells
            positions = _map_header(header, table)
            continue
        if len(table.rows) >= MAX_ROWS:
            raise FileRefused(
                f"The file has more than {MAX_ROWS:,} rows. Split it, or ask an operator to run "
                "manage.py import_people."
            )
        row = [number] + [
            cells[positions[name]] if name in positions and positions[name] < len(cells) else ""
            for name in FIELDS
        ]
        if table.by_path:
            row[3] = cells[positions["unit_path"]] if positions["unit_path"] < len(cells) else ""
        table.rows.append(row)
    if header is None:
        raise FileRefused(
            "The file is empty. The first row must name the columns: email, name, unit, parent, role."
        )
    if not table.rows:
        raise FileRefused("The file has a header row but no people under it.")
    return table


def _map_header(header: list[str], table: Table) -> dict[str, int]:
    if len(header) > MAX_COLUMNS:
        raise FileRefused(f"The first row has {len(header)} columns; at most {MAX_COLUMNS} are read.")
    positions: dict[str, int] = {}
    ignored = []
    for index, text in enumerate(header):
        name = _FIELD_OF.get(_normal_header(text))
        label = (
            f"“{text}” (column {get_column_letter(index + 1)})"
            if text
            else f"column {get_column_letter(index + 1)}"
        )
        if name is None or name in positions:
            if text:
                ignored.append(label)
            continue
        positions[name] = index
        table.columns[name] = label
    missing = [name for name in ("email", "role") if name not in positions]
    if "unit" not in positions and "unit_path" not in positions:
        missing.append("unit (or unit path)")
    if "unit" in positions and "unit_path" not in positions and "parent" not in positions:
        missing.append("parent (or unit path)")
    if missing:
        raise FileRefused(
            f"The first row must name the columns; missing: {', '.join(missing)}. Expected headers: "
            "email, name, unit, parent, role — or email, name, unit path, role."
        )
    if "unit_path" in positions and "unit" in positions:
        ignored.append(f"{table.columns.pop('unit')} (the unit path says where each person is)")
        ignored.extend(
            [f"{table.columns.pop('parent')} (the unit path says where each unit is)"]
            if "parent" in positions
            else []
        )
        del positions["unit"]
        positions.pop("parent", None)
    if ignored:
        table.notes.append("Columns ignored: " + "; ".join(ignored) + ".")
    return positions
