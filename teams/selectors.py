"""Reusable reads of the hierarchy, each a constant number of queries."""

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce

from teams.models import Membership, Unit, User


def _count_subquery(model, group_field: str, **filters):
    return Coalesce(
        Subquery(
            model.objects.filter(**filters)
            .order_by()
            .values(group_field)
            .annotate(n=Count("pk"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def units_with_people(units):
    """Annotate units with member and child counts, and prefetch their leaders."""
    leaders = Membership.objects.filter(role=Membership.Role.LEADER).select_related("user")
    return units.annotate(
        member_count=_count_subquery(Membership, "unit_id", unit=OuterRef("pk"), role=Membership.Role.MEMBER),
        child_count=_count_subquery(Unit, "parent_id", parent=OuterRef("pk")),
    ).prefetch_related(Prefetch("memberships", queryset=leaders, to_attr="leader_memberships"))


def unit_people(unit: Unit):
    return (
        Membership.objects.filter(unit=unit)
        .select_related("user")
        .order_by("role", "user__name")  # "leader" sorts before "member"
    )


def user_units(user: User):
    """The units a person belongs to, those they lead first."""
    return (
        Unit.objects.filter(memberships__user=user)
        .annotate(led=Count("memberships", filter=Q(memberships__user=user, memberships__role="leader")))
        .order_by("-led", "name")
        .distinct()
    )
