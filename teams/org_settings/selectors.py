"""Reads for the settings pages: the unit tree with its counts, and the people list.

Each is a constant number of queries whatever the organization's size; the pages
paginate them (10,000 units, 100,000 people).
"""

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce

from teams.importing.reading import PATH_SEPARATOR
from teams.models import Membership, Organization, Unit, User, normalize_email_address


def _count(queryset) -> Coalesce:
    return Coalesce(Subquery(queryset.order_by().values("n")[:1], output_field=IntegerField()), 0)


def unit_tree(organization: Organization):
    """Every unit in tree order (`tree_depth`), with its leaders, active members and units inside."""
    members = (
        Membership.objects.filter(unit=OuterRef("pk"), role=Membership.Role.MEMBER, user__is_active=True)
        .values("unit")
        .annotate(n=Count("pk"))
    )
    children = Unit.objects.filter(parent=OuterRef("pk")).values("parent").annotate(n=Count("pk"))
    leaders = (
        Membership.objects.filter(role=Membership.Role.LEADER).select_related("user").order_by("user__name")
    )
    return (
        Unit.objects.with_tree_fields()
        .filter(organization=organization)
        .annotate(member_count=_count(members), child_count=_count(children))
        .prefetch_related(Prefetch("memberships", queryset=leaders, to_attr="leader_memberships"))
    )


class UnitPaths:
    """Every unit of the organization by its path ("Brightwell / Product / Payments"), read in
    one query of (id, name, parent): how the settings' forms name a unit, and find the one typed."""

    SEPARATOR = " / "

    def __init__(self, organization: Organization):
        self.rows = {
            pk: (name, parent_id)
            for pk, name, parent_id in Unit.objects.filter(organization=organization).values_list(
                "pk", "name", "parent_id"
            )
        }

    def __len__(self) -> int:
        return len(self.rows)

    def names(self, pk: int) -> list[str]:
        names, seen = [], set()
        while pk is not None and pk not in seen:
            seen.add(pk)
            name, pk = self.rows[pk]
            names.append(name)
        return names[::-1]

    def path(self, pk: int) -> str:
        return self.SEPARATOR.join(self.names(pk))

    def find(self, typed: str) -> list[int]:
        """The units a typed name or path names: the whole path, or its end ("Product / Payments"),
        ignoring case and spaces around the separators."""
        parts = [" ".join(part.split()).casefold() for part in typed.split(PATH_SEPARATOR) if part.strip()]
        if not parts:
            return []
        last = parts[-1]
        return [
            pk
            for pk, (name, _) in self.rows.items()
            if name.casefold() == last and [n.casefold() for n in self.names(pk)[-len(parts) :]] == parts
        ]

    def matching(self, typed: str, limit: int) -> list[str]:
        """Paths of units whose name contains what was typed, shortest first: suggestions."""
        text = " ".join(typed.split(PATH_SEPARATOR)[-1].split()).casefold()
        found = [pk for pk, (name, _) in self.rows.items() if text in name.casefold()]
        return sorted((self.path(pk) for pk in found), key=lambda path: (len(path), path))[:limit]


def people_search(
    organization: Organization,
    *,
    text: str = "",
    unit: Unit | None = None,
    role: str = "",
    org_role: str | None = None,
    status: str = "",
):
    """The organization's people matching the filters, in name order (one query; paginate it).

    `role` (leader or member) is their role in `unit`, or in any unit without one; `org_role`
    None for any, "" for people with none; `status` "active", "inactive" or "" for both."""
    people = User.objects.filter(organization=organization)
    if text:
        people = people.filter(Q(name__icontains=text) | Q(email__icontains=normalize_email_address(text)))
    if unit is not None or role:
        places = Membership.objects.filter(user=OuterRef("pk"))
        if unit is not None:
            places = places.filter(unit=unit)
        if role:
            places = places.filter(role=role)
        people = people.filter(Exists(places))
    if org_role is not None:
        people = people.filter(org_role=org_role)
    if status:
        people = people.filter(is_active=status == "active")
    return people.order_by("name", "email", "pk")


def with_places(people) -> list[User]:
    """The page's people with their memberships and units (one more query)."""
    places = Membership.objects.select_related("unit").order_by("role", "unit__name")
    return list(people.prefetch_related(Prefetch("memberships", queryset=places, to_attr="places")))
