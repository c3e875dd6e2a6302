"""A person's data (GDPR): an admin exports everything identifiable about one person, or erases
them. Erased, their account, memberships, invitations, open-pulse answer and sign-in records go,
audit rows keep the action under "erased person #n", and closed pulses keep their answers, so
every closed round's summary equals a recomputation made afterwards."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from axes.models import AccessLog
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from insights.models import LeaderMark, RoundSummary
from insights.scoring import round_score_waiting
from insights.summaries import round_summarize
from surveys.answering import response_submit
from surveys.models import Invitation, Response
from surveys.person_data import CLOSED_ANSWER
from surveys.rounds import round_close
from teams.models import AuditEvent, Membership, User
from teams.services import membership_add
from tests.factories import UnitFactory
from tests.surveys.conftest import answers

pytestmark = pytest.mark.django_db

FIGURES = (
    "invited",
    "answered",
    "respondents",
    "alignment",
    "agreement",
    "scores",
    "agree_means",
    "idea_shares",
)


def figures(summary: RoundSummary) -> dict:
    return {name: getattr(summary, name) for name in FIGURES}


@pytest.fixture
def history(team, org, leader, member, members, make_round, t0, password, time_machine):
    """Mia (the member) signed in, joined a second unit, answered a closed pulse and the open one,
    and marked an answer; five colleagues answered both pulses but one."""
    time_machine.move_to(t0 - timedelta(days=1), tick=False)
    Client().post(reverse("login"), {"username": member.email, "password": password}, REMOTE_ADDR="10.0.0.7")
    membership_add(
        unit=UnitFactory(organization=org, name="Guild"), user=member, role="member", acting_user=leader
    )

    time_machine.move_to(t0 + timedelta(hours=1), tick=False)
    closed = make_round(now=t0)
    for invitation in closed.invitations.order_by("pk")[:5]:
        response_submit(
            invitation=invitation,
            answers=answers(purpose_text=f"Closed {invitation.user_id}"),
            seen_revision=0,
        )
    assert closed.invitations.filter(user=member, answered_at__isnull=False).exists()
    round_score_waiting(round_id=closed.pk)
    round_close(round_id=closed.pk, now=t0 + timedelta(days=5))
    round_summarize(round_id=closed.pk)
    LeaderMark.objects.create(response=closed.responses.first(), round=closed, marked_by=member, mark="yes")

    opened_at = t0 + timedelta(days=7)
    time_machine.move_to(opened_at + timedelta(hours=1), tick=False)
    current = make_round(now=opened_at)
    for invitation in current.invitations.order_by("pk")[:5]:
        text = (
            "Mia's own words, still linked"
            if invitation.user_id == member.pk
            else f"Open {invitation.user_id}"
        )
        response_submit(invitation=invitation, answers=answers(purpose_text=text), seen_revision=0)
    round_score_waiting(round_id=current.pk)
    round_summarize(round_id=current.pk)
    return closed, current


def export(email: str) -> dict:
    out = StringIO()
    call_command("export_person", email, stdout=out)
    return json.loads(out.getvalue())


def test_the_export_holds_everything_identifiable_and_is_audited(history, member):
    closed, current = history
    data = export(member.email.upper())
    assert data["account"]["email"] == member.email and data["account"]["name"] == "Mia Member"
    assert {m["unit"] for m in data["memberships"]} == {"Payments", "Guild"}
    by_status = {row["pulse_status"]: row for row in data["pulse_invitations"]}
    assert by_status["closed"]["answer"] == CLOSED_ANSWER  # cut at the close: nothing links it to her
    assert by_status["open"]["answer"]["purpose_text"] == "Mia's own words, still linked"
    assert data["leader_marks"] == [
        {"unit": "Payments", "pulse_opened_at": closed.opens_at.isoformat(), "mark": "Yes, that's it"}
    ]
    actions = [(row["action"], row["by_them"]) for row in data["audit_log"]]
    assert ("login", True) in actions and ("membership.add", False) in actions
    assert [s["ip"] for s in data["sign_ins"]] == ["10.0.0.7"]
    assert "token" not in json.dumps(data)
    assert AuditEvent.objects.filter(action="person.export", details__person=member.email).exists()


def test_an_unknown_address_is_a_clear_message():
    with pytest.raises(CommandError, match="No account uses 'nobody@example.com'"):
        call_command("export_person", "nobody@example.com")


def test_erasing_removes_the_person_and_keeps_closed_statistics(
    history, member, members, django_capture_on_commit_callbacks
):
    closed, current = history
    before = figures(RoundSummary.objects.get(round=closed))
    closed_answers = sorted(closed.responses.values_list("purpose_text", flat=True))
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("erase_person", member.email, "--no-input", stdout=out)
    assert "is now erased person #1" in out.getvalue() and "open pulse answers: 1" in out.getvalue()

    assert not User.objects.filter(email=member.email).exists()
    assert not Membership.objects.filter(user_id=member.pk).exists()
    assert not Invitation.objects.filter(user_id=member.pk).exists()
    assert not AccessLog.objects.filter(username=member.email).exists()
    # Closed: the same answers and, recomputed now, the same figures.
    assert sorted(closed.responses.values_list("purpose_text", flat=True)) == closed_answers
    assert figures(RoundSummary.objects.get(round=closed)) == before
    assert figures(round_summarize(round_id=closed.pk)) == before
    # Open: her still-linked answer is gone, and she is out of the invited count.
    assert not Response.objects.filter(purpose_text="Mia's own words, still linked").exists()
    current.refresh_from_db()
    assert (current.invited_count, current.responses.count()) == (5, 4)
    summary = RoundSummary.objects.get(round=current)
    assert summary.stale  # asked to be made again...
    assert (
        round_summarize(round_id=current.pk).invited,
        RoundSummary.objects.get(round=current).answered,
    ) == (5, 4)
    # Her mark stays as a leader's reading, by nobody.
    assert LeaderMark.objects.get(round=closed).marked_by is None


def test_after_erasing_the_audit_log_keeps_actions_and_names_nobody(history, member, leader):
    export(member.email)
    call_command("erase_person", member.email, "--no-input", stdout=StringIO())
    everything = json.dumps(list(AuditEvent.objects.values()), default=str).lower()
    assert member.email not in everything and "mia member" not in everything and "10.0.0.7" not in everything
    login = AuditEvent.objects.get(action="login")
    assert login.actor is None and login.details == {"actor": "erased person #1"}
    added = AuditEvent.objects.get(action="membership.add", details__role="member", unit__name="Guild")
    assert added.actor == leader and added.details["user"] == "erased person #1"
    erase = AuditEvent.objects.get(action="person.erase")
    assert (
        erase.details["person"] == "erased person #1" and erase.details["removed"]["open_pulse_answers"] == 1
    )


def test_each_erased_person_gets_the_next_number(history, members):
    for person in members[1:3]:
        call_command("erase_person", person.email, "--no-input", stdout=StringIO())
    labels = list(
        AuditEvent.objects.filter(action="person.erase")
        .order_by("pk")
        .values_list("details__person", flat=True)
    )
    assert labels == ["erased person #1", "erased person #2"]


def test_the_command_asks_for_the_address_before_erasing(member, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "someone-else@example.com")
    with pytest.raises(CommandError, match="Nothing erased"):
        call_command("erase_person", member.email, stdout=StringIO())
    assert User.objects.filter(pk=member.pk).exists()


@pytest.fixture
def root(client):
    root = User.objects.create_superuser("root@example.com", "x")
    client.force_login(root)
    return root


def test_the_admin_exports_a_person_as_a_json_file(client, root, history, member):
    page = client.post(
        reverse("admin:teams_user_changelist"),
        {"action": "export_person_data", "_selected_action": [member.pk]},
    )
    assert page.status_code == 200 and page["Content-Type"].startswith("application/json")
    assert "attachment" in page["Content-Disposition"]
    assert json.loads(page.content)["account"]["email"] == member.email
    assert AuditEvent.objects.filter(action="person.export", actor=root).exists()


def test_the_admin_erases_after_confirming(client, root, history, member):
    changelist = reverse("admin:teams_user_changelist")
    ask = client.post(changelist, {"action": "erase_people", "_selected_action": [member.pk]})
    assert ask.status_code == 200 and member.email in ask.content.decode()
    assert User.objects.filter(pk=member.pk).exists()  # nothing yet
    done = client.post(changelist, {"action": "erase_people", "_selected_action": [member.pk], "post": "yes"})
    assert done.status_code == 302 and not User.objects.filter(pk=member.pk).exists()
    erase = AuditEvent.objects.get(action="person.erase")
    assert erase.actor == root and erase.details["person"] == "erased person #1"


def test_deleting_an_account_in_the_admin_is_an_erase(client, root, history, member):
    client.post(reverse("admin:teams_user_delete", args=[member.pk]), {"post": "yes"})
    assert not User.objects.filter(pk=member.pk).exists()
    assert member.email not in json.dumps(list(AuditEvent.objects.values("details")))
    assert AuditEvent.objects.filter(action="person.erase", actor=root).exists()


def test_an_admin_cant_erase_themselves(client, root):
    client.post(
        reverse("admin:teams_user_changelist"),
        {"action": "erase_people", "_selected_action": [root.pk], "post": "yes"},
    )
    assert User.objects.filter(pk=root.pk).exists()
