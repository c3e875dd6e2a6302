"""Builds the demo organization (see data.py). Idempotent: it never loads twice."""

from collections.abc import Callable
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from demo.data import COMPANY, FIRST_NAMES, LAST_NAMES
from demo.schedules import demo_schedules
from purpose.models import PurposeStatement
from teams.models import Membership, Organization, Unit, User

DEMO_SLUG = "brightwell"
DEMO_PASSWORD = "pulse-demo"
EXEC_EMAIL = "exec@demo.example"
ADMIN_EMAIL = "admin@demo.example"
LEAD_EMAIL = "lead@demo.example"
MEMBER_EMAIL = "member@demo.example"
DEMO_ACCOUNTS = [EXEC_EMAIL, ADMIN_EMAIL, LEAD_EMAIL, MEMBER_EMAIL]
# Every demo login with who it is, for the README, `make run`'s banner and seed_demo.
DEMO_LOGINS = [
    (LEAD_EMAIL, "Lena Ortiz, leader of the Payments team"),
    (MEMBER_EMAIL, "Max Keller, member of Payments"),
    (EXEC_EMAIL, "Evelyn Carter, executive (sees the whole organization)"),
    (ADMIN_EMAIL, "Arjun Mehta, organization admin (may edit any unit's purpose)"),
]

# The Payments purpose as first written, so the demo history has a real change.
PAYMENTS_V1 = (
    "We process card payments for small businesses and keep the payment service running.",
    "We are part of Money Movement.",
)


class _People:
    """Hands out deterministic, distinct demo people."""

    def __init__(self, organization: Organization, password_hash: str):
        self.organization = organization
        self.password_hash = password_hash
        self.count = 0
        self.users: list[User] = []

    def make(self, *, email: str | None = None, name: str | None = None, role: str = "") -> User:
        n = self.count
        self.count += 1
        if name is None:
            name = f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {LAST_NAMES[(n * 7 + n // len(FIRST_NAMES)) % len(LAST_NAMES)]}"
        if email is None:
            email = f"{name.lower().replace(' ', '.')}.{n}@demo.example"
        user = User(
            email=email, name=name, organization=self.organization, org_role=role, password=self.password_hash
        )
        self.users.append(user)
        return user


def demo_is_loaded() -> bool:
    return Organization.objects.filter(slug=DEMO_SLUG).exists()


def demo_set_password(password: str) -> int:
    return User.objects.filter(email__in=DEMO_ACCOUNTS).update(password=make_password(password))


@transaction.atomic
def demo_seed(
    *, password: str = DEMO_PASSWORD, progress: Callable[[str], None] = lambda _: None
) -> Organization:
    organization = Organization.objects.create(name="Brightwell", slug=DEMO_SLUG, time_zone="Europe/London")
    people = _People(organization, make_password(password))
    executive = people.make(email=EXEC_EMAIL, name="Evelyn Carter", role=User.OrgRole.EXECUTIVE)
    people.make(email=ADMIN_EMAIL, name="Arjun Mehta", role=User.OrgRole.ADMIN)
    memberships: list[tuple[User, Unit, str]] = []
    statements: list[PurposeStatement] = []
    written_at = timezone.now() - timedelta(days=120)

    def build(spec, parent: Unit | None, parent_leader: User | None):
        name, kind, purpose, fit, size, children = spec
        unit = Unit.objects.create(organization=organization, parent=parent, name=name, kind=kind)
        if parent is None:
            leader = executive
        elif name == "Payments":
            leader = people.make(email=LEAD_EMAIL, name="Lena Ortiz")
        else:
            leader = people.make()
        memberships.append((leader, unit, Membership.Role.LEADER))
        if parent is not None:
            memberships.append((leader, parent, Membership.Role.MEMBER))
        for i in range(size):
            if name == "Payments" and i == 0:
                member = people.make(email=MEMBER_EMAIL, name="Max Keller")
            else:
                member = people.make()
            memberships.append((member, unit, Membership.Role.MEMBER))
        versions = [PAYMENTS_V1, (purpose, fit)] if name == "Payments" else [(purpose, fit)]
        for number, (text, fit_text) in enumerate(versions, start=1):
            statements.append(
                PurposeStatement(
                    unit=unit,
                    version=number,
                    purpose=text,
                    fit=fit_text,
                    author=leader,
                    created_at=written_at + timedelta(days=30 * (number - 1)),
                )
            )
        progress(f"  {kind:<10} {name}")
        for child in children:
            build(child, unit, leader)

    progress("Building the hierarchy…")
    build(COMPANY, None, None)
    User.objects.bulk_create(people.users)
    saved = {u.email: u for u in User.objects.filter(organization=organization)}
    Membership.objects.bulk_create(
        Membership(user=saved[user.email], unit=unit, role=role) for user, unit, role in memberships
    )
    for statement in statements:
        statement.author = saved[statement.author.email]
    PurposeStatement.objects.bulk_create(statements)
    demo_schedules(organization)
    progress(
        f"Created {Unit.objects.filter(organization=organization).count()} units and {len(saved)} people."
    )
    return organization
