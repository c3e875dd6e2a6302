"""The permission matrix's parts, shared by tests/test_permission_matrix.py (who may use what)
and tests/test_security_headers.py (what every page reachable that way sends).

Every named URL pattern of the site comes from the resolver (the Django admin by its root
only), every role from one fixed organization, and the expected outcome of each request
from tests/permission_matrix.toml.
"""

import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from insights.results import results_link_token
from insights.team_view import answer_key
from surveys.models import Invitation, TeamAction
from surveys.rounds import round_open
from teams.importing.jobs import import_upload
from teams.invitations import invitation_tokens
from teams.models import Membership, User
from tests.factories import (
    PASSWORD,
    AnswerScoreFactory,
    MembershipFactory,
    PurposeStatementFactory,
    ResponseFactory,
    UnitFactory,
    closed_round_with_summary,
)

TABLE_PATH = Path(__file__).with_name("permission_matrix.toml")
IMPORT_FILE = b"email,name,unit,parent,role\nnew@acme.test,Nia New,Payments,Product,member\n"
ROLES = (
    "anonymous",
    "member",  # a member of the team the URL is about
    "other_member",  # a member of a sibling team in the same organization
    "leader",  # the team's leader
    "other_leader",  # the leader of the sibling team
    "leader_above",  # the leader of the division the team belongs to
    "executive",
    "admin",  # the organization's admin (org_role "admin"), not Django staff
    "outsider",  # a leader in another organization
    "superuser",  # Django staff and superuser, in no organization (createsuperuser)
)
METHODS = ("GET", "POST")
OUTCOMES = {"ok", "login", "401", "403", "404", "405"}
# The Django admin's own pages are Django's; its root stands for them all.
ADMIN_ROOT = "admin:index"

# A minimal body for the views that read a form; the rest get an empty one.
BODIES = {
    "pulse_answer": {
        "purpose_text": "We help shops take card payments.",
        "fit_text": "Product builds on the payments we capture.",
        "understands_purpose": "4",
        "sees_contribution": "4",
        "shapes_direction": "3",
        "revision": "0",
    },
    "answer_mark": {"mark": "yes"},
    "login": {"username": "nobody@example.com", "password": "wrong"},
    "password_reset": {"email": "nobody@example.com"},
    "unit_schedule": {"use_default": "1"},
}


def url_names() -> list[str]:
    """Every named URL of the site (the admin by its root only), from the resolver."""
    names: set[str] = set()

    def walk(patterns, namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern):
                if namespace == "admin":
                    continue
                if not pattern.name:
                    raise AssertionError(f"URL pattern {pattern.pattern} has no name: name it")
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, None)
    return sorted(names | {ADMIN_ROOT})


def load_table() -> dict:
    with TABLE_PATH.open("rb") as file:
        return tomllib.load(file)


def expected(table: dict, name: str, method: str) -> dict[str, str]:
    """The row for one URL and method: a single outcome for every role, or one per role."""
    cell = table[name][method]
    if isinstance(cell, str):
        return dict.fromkeys(ROLES, cell)
    return cell


@dataclass
class World:
    users: dict[str, User | None]
    kwargs: dict[str, object]  # URL parameter -> value, for every URL that names it
    by_url: dict[str, dict[str, object]]  # URL name -> parameters of its own (two kinds of token)
    bodies: dict[str, dict[str, object]]  # URL name -> a POST body naming this world's objects

    def body(self, name: str) -> dict[str, object]:
        return self.bodies.get(name) or BODIES.get(name, {})


def build_world(*, org, division, team, leader, member, executive, org_admin, outsider) -> World:
    """The conftest cast plus a sibling team, a leader above, a superuser, a closed pulse with
    shown answers and an open pulse with the member's personal link."""
    PurposeStatementFactory(unit=team, version=1, author=leader)
    sibling = UnitFactory(organization=org, parent=division, name="Risk")
    users = {
        "anonymous": None,
        "member": member,
        "other_member": MembershipFactory(unit=sibling, role=Membership.Role.MEMBER).user,
        "leader": leader,
        "other_leader": MembershipFactory(unit=sibling, role=Membership.Role.LEADER).user,
        "leader_above": MembershipFactory(unit=division, role=Membership.Role.LEADER).user,
        "executive": executive,
        "admin": org_admin,
        "outsider": outsider,
        "superuser": User.objects.create_superuser("root@example.com", PASSWORD),
    }
    # The team's last pulse closed with six scored answers: shown, so they can be marked.
    closed = closed_round_with_summary(
        team,
        closes_at=datetime(2026, 9, 1, tzinfo=UTC),
        respondents=6,
        alignment=52,
        ideas=["customers", "speed", "trust"],
        idea_shares=[0.8, 0.3, 0.0],
    )
    responses = [ResponseFactory(round=closed.round) for _ in range(6)]
    for response in responses:
        AnswerScoreFactory(response=response, alignment=70.0)
    # And its next pulse is open: the member's personal link works.
    now = timezone.now()
    pulse_round = round_open(unit=team, scheduled_for=now, closes_at=now + timedelta(days=5), remind_at=None)
    invitation = Invitation.objects.get(round=pulse_round, user=member)
    kwargs = {
        "unit_id": team.pk,
        "version": 1,
        "token": invitation.token,
        "key": answer_key(responses[0].pk),
        "uidb64": urlsafe_base64_encode(force_bytes(member.pk)),
        "person_id": member.pk,  # the organization settings' person pages
        # An upload waiting for review (teams.importing), checked as a real upload is.
        "job_id": import_upload(
            organization=org, file_name="people.csv", data=IMPORT_FILE, acting_user=org_admin
        ).pk,
        # The SCIM API (teams.scim) names users, groups, resource types and schemas by SCIM id.
        "scim_id": str(member.pk),
    }
    # The member was invited to the closed pulse too: their results link opens.
    closed_invitation = Invitation.objects.create(round=closed.round, user=member)
    by_url = {
        "password_reset_confirm": {"token": default_token_generator.make_token(member)},
        "account_invitation": {"token": invitation_tokens.make_token(member)},
        "account_invitation_renew": {"token": invitation_tokens.make_token(member)},
        "results_link": {"token": results_link_token(closed_invitation)},
    }
    # The team decided something after that pulse; the leader owns it.
    action = TeamAction.objects.create(
        unit=team, round=closed.round, title="Name trust in stand-ups", owner=leader, due_on=now.date()
    )
    bodies = {"action_status": {"action": action.pk, "status": "done"}}
    return World(users=users, kwargs=kwargs, by_url=by_url, bodies=bodies)


def url_for(name: str, world: World) -> str:
    if name == ADMIN_ROOT:
        return reverse(name)
    parameters = get_resolver().reverse_dict.getlist(name)[0][0][0][1]
    values = world.kwargs | world.by_url.get(name, {})
    unknown = [key for key in parameters if key not in values]
    if unknown:
        raise AssertionError(
            f"The URL {name} takes {', '.join(unknown)}: give build_world in tests/matrix.py an object "
            "of the member's team to fill it with (World.kwargs, or World.by_url for this URL alone)."
        )
    return reverse(name, kwargs={key: values[key] for key in parameters})


def play(url: str, method: str, user: User | None, *, body: dict, htmx: bool = False) -> HttpResponse:
    """One request as `user`, undone afterwards so the next one starts from the same data."""
    client = Client()
    headers = {"HX-Request": "true"} if htmx else {}
    with transaction.atomic():
        if user is not None:
            client.force_login(user)
        if method == "GET":
            response = client.get(url, headers=headers)
        else:
            response = client.post(url, body, headers=headers)
        transaction.set_rollback(True)
    return response


def outcome(response: HttpResponse) -> str:
    status = response.status_code
    if 300 <= status < 400:
        location = urlsplit(response["Location"])
        login_pages = {reverse("login"), reverse("admin:login")}
        if location.path in login_pages and "next" in parse_qs(location.query):
            return "login"
        return "ok"
    if 200 <= status < 300 or status in (400, 409, 422):
        return "ok"
    return str(status)
