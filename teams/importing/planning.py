"""What applying a checked file would change: the difference between the file and the organization.

`plan_changes` reads the organization as it is now (its people and memberships)
and the checker's view of the units (teams.importing.checking), so the same
file planned twice against the same organization gives an empty plan.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from teams.models import Membership, Unit, User

EXAMPLES = 50  # changes of each kind listed by name in the preview


@dataclass
class Plan:
    """What applying would change. Units are named by keys: "u<id>" for a unit that exists,
    "n:<name or path>" for one the import creates."""

    unit_adds: list[dict] = field(default_factory=list)  # key, name, parent (key or None), depth
    unit_moves: list[dict] = field(default_factory=list)  # id, name, parent (key), depth
    person_adds: list[dict] = field(default_factory=list)  # email, name, places [(unit key, role)]
    person_changes: list[dict] = field(default_factory=list)  # id, email, name (new or None), reactivate
    membership_adds: list[dict] = field(default_factory=list)  # user_id, email, unit (key), role
    membership_changes: list[dict] = field(default_factory=list)  # user_id, email, unit_id, role
    membership_moves: list[dict] = field(default_factory=list)  # id, email, from_id, unit (key)
    membership_removes: list[dict] = field(default_factory=list)  # user_id, email, unit_id
    leavers: list[dict] = field(default_factory=list)  # id, email, deactivate
    names: dict[str, str] = field(default_factory=dict)  # unit key -> name shown

    @property
    def size(self) -> int:
        return sum(len(getattr(self, kind)) for kind in PLAN_KINDS)


PLAN_KINDS = (
    "unit_adds",
    "unit_moves",
    "person_adds",
    "person_changes",
    "membership_adds",
    "membership_changes",
    "membership_moves",
    "membership_removes",
    "leavers",
)

PLAN_LABELS = {
    "unit_adds": "New units",
    "unit_moves": "Units moving",
    "person_adds": "New people",
    "person_changes": "People changed",
    "membership_adds": "People joining a unit",
    "membership_changes": "Roles changed",
    "membership_moves": "People moving",
    "membership_removes": "People leaving a unit",
    "leavers": "Leavers (deactivated, not deleted)",
}


def plan_changes(checker, placed: dict[str, list[dict]], skipped_emails: set[str], acting_user_id) -> Plan:
    organization = checker.organization
    plan = Plan()
    in_file = {p["unit"] for places in placed.values() for p in places}
    parents = {checker.parent(key) for key in in_file}
    for key in in_file:
        parent = checker.parent(key)
        if key.startswith("n:"):
            # The file says nothing of kinds: the top is the company, a unit with units below a
            # department, the rest teams (the admin can change a kind in the Django admin).
            kind = (
                Unit.Kind.COMPANY
                if parent is None
                else Unit.Kind.DEPARTMENT
                if key in parents
                else Unit.Kind.TEAM
            )
            plan.unit_adds.append(
                {
                    "key": key,
                    "name": checker.name(key),
                    "parent": parent,
                    "depth": checker.depth(key),
                    "kind": kind,
                }
            )
        elif parent != (f"u{checker.db_parent[int(key[1:])]}" if checker.db_parent[int(key[1:])] else None):
            plan.unit_moves.append(
                {"id": int(key[1:]), "name": checker.name(key), "parent": parent, "depth": checker.depth(key)}
            )
    plan.unit_adds.sort(key=lambda u: (u["depth"], u["name"]))
    plan.unit_moves.sort(key=lambda u: (u["depth"], u["name"]))
    plan.names = {key: checker.name(key) for key in in_file} | {
        unit["parent"]: checker.name(unit["parent"])
        for unit in plan.unit_adds + plan.unit_moves
        if unit["parent"]
    }

    # Addresses outside the organization were refused by the checks: its own people are all there is.
    users = {
        email: (pk, name, active)
        for pk, email, name, active in User.objects.filter(organization=organization).values_list(
            "pk", "email", "name", "is_active"
        )
    }
    current: dict[int, dict[int, tuple[int, str]]] = defaultdict(dict)
    for pk, user_id, unit_id, role in Membership.objects.filter(unit__organization=organization).values_list(
        "pk", "user_id", "unit_id", "role"
    ):
        current[user_id][unit_id] = (pk, role)

    for email, places in placed.items():
        name = next((p["name"] for p in places if p["name"]), "")
        if email not in users:
            ordered = sorted(
                places, key=lambda p: p["role"] != Membership.Role.LEADER
            )  # the unit they lead first
            plan.person_adds.append(
                {"email": email, "name": name, "places": [(p["unit"], p["role"]) for p in ordered]}
            )
            continue
        user_id, old_name, active = users[email]
        if (name and name != old_name) or not active:
            plan.person_changes.append(
                {
                    "id": user_id,
                    "email": email,
                    "name": name if name and name != old_name else None,
                    "reactivate": not active,
                }
            )
        _plan_memberships(plan, user_id, email, places, current.pop(user_id, {}))

    in_org = User.objects.filter(organization=organization)
    for user_id, email, active, role in in_org.filter(pk__in=list(current)).values_list(
        "pk", "email", "is_active", "org_role"
    ):
        if email in skipped_emails or email in placed:
            continue
        for unit_id in current[user_id]:
            plan.membership_removes.append({"user_id": user_id, "email": email, "unit_id": unit_id})
        # An admin missing from an HR file keeps the account: an import never locks out the
        # people who run it.
        deactivate = active and role != User.OrgRole.ADMIN and user_id != acting_user_id
        plan.leavers.append({"id": user_id, "email": email, "deactivate": deactivate})
    plan.names |= {
        f"u{unit_id}": checker.db_name[unit_id]
        for unit_id in [r["unit_id"] for r in plan.membership_removes + plan.membership_changes]
        + [r["from_id"] for r in plan.membership_moves]
    }
    return plan


def _plan_memberships(
    plan: Plan, user_id: int, email: str, places: list[dict], now: dict[int, tuple]
) -> None:
    wanted = {p["unit"]: p["role"] for p in places}
    for key in list(wanted):
        unit_id = int(key[1:]) if key.startswith("u") else None
        if unit_id in now:
            pk, role = now.pop(unit_id)
            if role != wanted[key]:
                plan.membership_changes.append(
                    {"user_id": user_id, "email": email, "unit_id": unit_id, "role": wanted[key]}
                )
            del wanted[key]
    # What is left: units they leave and units they join. One of each in the same role is a move.
    for key, role in wanted.items():
        leaving = next((unit_id for unit_id, (_, old_role) in now.items() if old_role == role), None)
        if leaving is not None:
            pk, _ = now.pop(leaving)
            plan.membership_moves.append(
                {"id": pk, "email": email, "from_id": leaving, "unit": key, "role": role}
            )
        else:
            plan.membership_adds.append({"user_id": user_id, "email": email, "unit": key, "role": role})
    for unit_id in now:
        plan.membership_removes.append({"user_id": user_id, "email": email, "unit_id": unit_id})
