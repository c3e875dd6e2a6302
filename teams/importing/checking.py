"""Checking an import's rows against each other and the organization, and working out the changes.

One function, `import_analyse`, serves the preview and every run of the apply:
it reads the organization as it is now, so a run that resumes after a crash
finds only what is still to do, and importing the same file twice finds nothing.

The rules for where a person may be come from the product (DESIGN.md): a person
is a member of one unit, or leads one unit and is a member of the unit above it.
"""

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from teams.importing.planning import Plan, plan_changes
from teams.importing.reading import PATH_SEPARATOR
from teams.models import Membership, Organization, Unit, User, normalize_email_address

ROLE_WORDS = {
    "leader": Membership.Role.LEADER,
    "lead": Membership.Role.LEADER,
    "manager": Membership.Role.LEADER,
    "member": Membership.Role.MEMBER,
    "": Membership.Role.MEMBER,
}
NAME_MAX, UNIT_NAME_MAX = 150, 200

# Characters that change how text around them is shown (right-to-left overrides and
# isolates, invisible marks) or aren't text at all (control characters).
_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class Analysis:
    problems: list[Problem]
    plan: Plan
    skipped_rows: set[int]  # rows with a problem, or that depend on one, left out of the plan
    rows: int


def _column(columns: dict, name: str) -> str:
    if name in ("unit", "parent"):
        return columns.get(name) or columns.get("unit_path") or name
    return columns.get(name) or name


def text_problem(text: str, what: str, limit: int) -> str | None:
    """Why a name people will read (a person's, a unit's) can't be taken, or None. The one rule
    for names from a file, the settings pages and an identity provider (SCIM)."""
    if len(text) > limit:
        return f"The {what} is {len(text)} characters long; at most {limit} are allowed."
    if _BIDI.search(text):
        return f"The {what} holds an invisible right-to-left or direction mark, which can disguise text. Remove it."
    if not text.isprintable() and any(
        unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co") for char in text
    ):
        return f"The {what} holds an invisible control character. Type it again as plain text."
    if "<" in text or ">" in text:
        return f"The {what} contains < or >, which a {what} never needs. Remove them."
    return None


class _Checker:
    def __init__(self, organization: Organization, rows: list[list], columns: dict, *, acting_user_id=None):
        self.organization = organization
        self.rows = rows
        self.columns = columns
        self.by_path = "unit_path" in columns
        self.acting_user_id = acting_user_id
        self.problems: list[Problem] = []
        self.bad_units: dict[str, int] = {}  # unit key -> the row whose problem stops it
        self._emails_checked: dict[str, bool] = {}
        units = list(Unit.objects.filter(organization=organization).values_list("pk", "name", "parent_id"))
        self.db_parent = {pk: parent for pk, _, parent in units}
        self.db_name = {pk: name for pk, name, _ in units}
        self.db_by_name: dict[str, list[int]] = defaultdict(list)
        for pk, name, _ in units:
            self.db_by_name[name.casefold()].append(pk)
        self.db_by_path = {self._db_path(pk): pk for pk in self.db_parent} if self.by_path else {}

    def problem(self, row: int, column: str, message: str) -> None:
        self.problems.append(Problem(row, _column(self.columns, column), message))

    def unit_problem(self, key: str, column: str, message: str) -> None:
        """A problem with a unit: said on the row that gives it, and every row in it waits for it."""
        self.problem(self.given_on[key], column, message)
        self.bad_units.setdefault(key, self.given_on[key])

    def leave_out_rows_of_bad_units(self, row_unit: dict[int, str]) -> None:
        said = self._bad_rows()
        for row, key in row_unit.items():
            if key in self.bad_units and row not in said:
                first = self.bad_units[key]
                self.problem(
                    row,
                    "unit",
                    f"Left out with row {first}: “{self.name(key)}” can't be placed until row {first} is fixed.",
                )

    def _db_path(self, pk: int) -> tuple:
        path = []
        seen = set()
        while pk is not None and pk not in seen:
            seen.add(pk)
            path.append(self.db_name[pk].casefold())
            pk = self.db_parent[pk]
        return tuple(reversed(path))

    # --- one row at a time --------------------------------------------------------------------

    def _valid_email(self, email: str) -> bool:
        # Leaders come twice (their unit and the one above): each address is checked once.
        if email not in self._emails_checked:
            try:
                validate_email(email)
                self._emails_checked[email] = True
            except ValidationError:
                self._emails_checked[email] = False
        return self._emails_checked[email]

    def check_row(self, row: list) -> dict | None:
        number, email, name, unit, parent, role = row
        ok = True
        if not email:
            self.problem(number, "email", "The email is missing.")
            ok = False
        elif not self._valid_email(email):
            self.problem(number, "email", f"“{email[:80]}” isn't an email address.")
            ok = False
        if name and (message := text_problem(name, "name", NAME_MAX)):
            self.problem(number, "name", message)
            ok = False
        if role.strip().lower() not in ROLE_WORDS:
            self.problem(number, "role", f"The role “{role[:40]}” isn't leader or member.")
            ok = False
        path = self._path(number, unit, parent)
        if path is None:
            ok = False
        if not ok:
            return None
        return {
            "row": number,
            "email": normalize_email_address(email),
            "name": name,
            "path": path,
            "role": ROLE_WORDS[role.strip().lower()],
        }

    def _path(self, number: int, unit: str, parent: str) -> tuple | None:
        """The unit as a tuple of names: (parent, unit) by name, or the whole path from the top."""
        if self.by_path:
            names = tuple(part.strip() for part in unit.split(PATH_SEPARATOR)) if unit else ()
            column = "unit_path"
        else:
            names = ((parent,) if parent else ("",)) + ((unit,) if unit else ())
            column = "unit"
        if not unit:
            self.problem(number, column, "The unit is missing.")
            return None
        if self.by_path and not all(names):
            self.problem(number, column, f"The unit path “{unit[:80]}” has an empty step between “/”.")
            return None
        for part in names:
            if part and (message := text_problem(part, "unit name", UNIT_NAME_MAX)):
                self.problem(number, column if part == names[-1] else "parent", message)
                return None
        return names

    # --- the units ----------------------------------------------------------------------------

    def resolve_units(self, people: list[dict]) -> dict[int, str]:
        """Give every row's unit a key and every unit its parent; returns row -> unit key."""
        self.parent_of: dict[str, str | None] = {}
        self.names: dict[str, str] = {}
        self.given_on: dict[str, int] = {}
        row_unit: dict[int, str] = {}
        if self.by_path:
            resolve = self._key_by_path
        else:
            resolve = self._key_by_name
        for person in people:
            key = resolve(person)
            if key is not None:
                row_unit[person["row"]] = key
        if not self.by_path:
            self._check_parents_by_name(row_unit)
        self._check_cycles(row_unit)
        self.leave_out_rows_of_bad_units(row_unit)
        return {row: key for row, key in row_unit.items() if key not in self.bad_units}

    def _bad_rows(self) -> set[int]:
        return {problem.row for problem in self.problems}

    def _key_by_path(self, person: dict) -> str | None:
        path = tuple(part.casefold() for part in person["path"])
        key = f"u{self.db_by_path[path]}" if path in self.db_by_path else "n:" + PATH_SEPARATOR.join(path)
        self.names.setdefault(key, person["path"][-1])
        self.given_on.setdefault(key, person["row"])
        parent_path = path[:-1]
        if not parent_path:
            parent = None
        elif parent_path in self.db_by_path:
            parent = f"u{self.db_by_path[parent_path]}"
        else:
            parent = "n:" + PATH_SEPARATOR.join(parent_path)
        self.parent_of.setdefault(key, parent)
        return key

    def _key_by_name(self, person: dict) -> str | None:
        parent_name, name = person["path"]
        key = self._name_key(person["row"], name, "unit")
        if key is None:
            return None
        self.names.setdefault(key, name)
        self.given_on.setdefault(key, person["row"])
        self._given_parents = getattr(self, "_given_parents", defaultdict(list))
        self._given_parents[key].append((person["row"], parent_name))
        return key

    def _name_key(self, row: int, name: str, column: str) -> str | None:
        matches = self.db_by_name.get(name.casefold(), [])
        if len(matches) > 1:
            self.problem(
                row,
                column,
                f"The organization has {len(matches)} units named “{name}”. Use a “unit path” column "
                "(for example Company / Division / Team) to say which.",
            )
            return None
        return f"u{matches[0]}" if matches else f"n:{name.casefold()}"

    def _check_parents_by_name(self, row_unit: dict[int, str]) -> None:
        in_file = set(row_unit.values())
        for key, given in getattr(self, "_given_parents", {}).items():
            first_row, first_parent = given[0]
            for row, parent_name in given[1:]:
                if parent_name.casefold() != first_parent.casefold():
                    self.problem(
                        row,
                        "parent",
                        f"Row {first_row} puts “{self.names[key]}” under “{first_parent or 'nothing (the top)'}”, "
                        f"this row under “{parent_name or 'nothing (the top)'}”. A unit has one parent.",
                    )
                    self.bad_units.setdefault(key, row)
            if not first_parent:
                self.parent_of[key] = None
                continue
            parent_key = self._name_key(first_row, first_parent, "parent")
            if parent_key is None:
                self.bad_units.setdefault(key, first_row)
                continue
            if parent_key not in in_file and parent_key.startswith("n:"):
                self.unit_problem(
                    key,
                    "parent",
                    f"Unknown parent unit “{first_parent}”: it is neither in this file nor in the organization.",
                )
                continue
            self.parent_of[key] = parent_key
        for key in set(row_unit.values()) - set(self.parent_of):
            self.parent_of[key] = None  # its parent was refused above; the row is skipped

    def parent(self, key: str | None) -> str | None:
        if key in self.parent_of:
            return self.parent_of[key]
        parent = self.db_parent.get(int(key[1:])) if key and key.startswith("u") else None
        return f"u{parent}" if parent is not None else None

    def _check_cycles(self, row_unit: dict[int, str]) -> None:
        in_file = set(row_unit.values())
        for key in in_file:
            chain, node = [key], self.parent(key)
            while node is not None and node != key and node not in chain:
                chain.append(node)
                node = self.parent(node)
            if node == key:
                names = " → ".join(self.name(k) for k in reversed([*chain, key]))
                self.unit_problem(
                    key,
                    "parent",
                    f"“{self.name(key)}” would be its own ancestor ({names}). Give one of these units another parent.",
                )
        if self.by_path:
            for key in in_file:
                parent = self.parent_of.get(key)
                if parent is not None and parent.startswith("n:") and parent not in in_file:
                    self.unit_problem(
                        key,
                        "unit_path",
                        f"Unknown parent unit “{parent[2:].split(PATH_SEPARATOR)[-1]}” in “{self.name(key)}”'s "
                        "path: it is neither in this file nor in the organization.",
                    )

    def name(self, key: str) -> str:
        return self.names.get(key) or self.db_name.get(int(key[1:]), key)

    def depth(self, key: str) -> int:
        depth, node = 0, self.parent(key)
        while node is not None and depth < 10_000:
            depth, node = depth + 1, self.parent(node)
        return depth

    # --- the people ---------------------------------------------------------------------------

    def check_people(self, people: list[dict], row_unit: dict[int, str]) -> dict[str, list[dict]]:
        """Places per person; problems for duplicates, two places, and units without a leader."""
        placed: dict[str, list[dict]] = defaultdict(list)
        for person in people:
            if person["row"] not in row_unit:
                continue
            person["unit"] = row_unit[person["row"]]
            earlier = placed[person["email"]]
            message = self._clash(person, earlier)
            if message:
                self.problem(person["row"], "email" if "twice" in message else "unit", message)
                continue
            earlier.append(person)
        outside = User.objects.filter(email__in=list(placed)).exclude(organization=self.organization)
        for email in outside.values_list("email", flat=True):
            for person in placed.pop(email):
                self.problem(
                    person["row"],
                    "email",
                    "This address belongs to an account outside this organization, so it can't be imported here.",
                )
        leaders = {p["unit"] for rows in placed.values() for p in rows if p["role"] == Membership.Role.LEADER}
        for key in sorted(set(row_unit.values()) - leaders, key=lambda k: self.given_on[k]):
            self.unit_problem(
                key,
                "role",
                f"“{self.name(key)}” has no leader in this file. Mark one of its people as leader.",
            )
        self.leave_out_rows_of_bad_units(row_unit)
        return placed

    def _clash(self, person: dict, earlier: list[dict]) -> str | None:
        for other in earlier:
            if other["unit"] == person["unit"]:
                return f"Duplicate email: this person is in “{self.name(other['unit'])}” twice (row {other['row']})."
            if person["name"] and other["name"] and person["name"] != other["name"]:
                return f"Duplicate email: row {other['row']} gives this address the name “{other['name']}”."
        roles = [p["role"] for p in earlier] + [person["role"]]
        allowed = len(earlier) == 0 or (
            len(earlier) == 1 and sorted(roles) == [Membership.Role.LEADER, Membership.Role.MEMBER]
        )
        if allowed and earlier:
            led = person if person["role"] == Membership.Role.LEADER else earlier[0]
            member_of = earlier[0] if led is person else person
            allowed = self.parent(led["unit"]) == member_of["unit"]
        if allowed:
            return None
        first = earlier[0]
        return (
            f"This person is already placed on row {first['row']} ({first['role']} of “{self.name(first['unit'])}”). "
            "A person is a member of one unit, or leads one unit and is a member of the unit above it."
        )


def import_analyse(
    *,
    organization: Organization,
    rows: list[list],
    columns: dict,
    skip_rows: set[int] = frozenset(),
    acting_user_id: int | None = None,
) -> Analysis:
    """Check the rows and plan the changes. Rows with a problem are left out, and so, in turn,
    are rows that only made sense with them (a team whose parent row was left out): the plan
    is what applying with those rows skipped would do."""
    skipped = set(skip_rows)
    problems: dict[tuple, Problem] = {}
    while True:
        checker = _Checker(organization, [r for r in rows if r[0] not in skipped], columns)
        people = [p for p in map(checker.check_row, checker.rows) if p is not None]
        row_unit = checker.resolve_units(people)
        placed = checker.check_people(people, row_unit)
        found = {(p.row, p.column, p.message): p for p in checker.problems}
        problems.update(found)
        if not found:
            break
        skipped |= {p.row for p in found.values()}
    skipped_emails = {normalize_email_address(r[1]) for r in rows if r[0] in skipped and r[1]}
    plan = plan_changes(checker, placed, skipped_emails, acting_user_id)
    return Analysis(
        problems=sorted(problems.values(), key=lambda p: (p.row, p.column)),
        plan=plan,
        skipped_rows=skipped,
        rows=len(rows),
    )
