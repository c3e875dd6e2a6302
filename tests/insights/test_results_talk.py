"""The leader answers and the team acts: the talk-it-through page, replies, actions, follow-through."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from insights.results_mail import action_reminders_send
from surveys.models import Invitation, LeaderReply, ResultsTalk, TeamAction
from surveys.rounds import round_open
from teams.models import Membership
from tests.factories import MembershipFactory, UnitFactory
from tests.insights.test_results import CLOSED, QUESTIONS, payments_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(team, leader, member):
    for _ in range(5):
        MembershipFactory(unit=team, role=Membership.Role.MEMBER)
    return payments_round(team)


def talk_url(team):
    return reverse("talk_it_through", args=[team.pk])


def test_the_leader_gets_an_agenda_built_from_the_reading(closed, team, leader, login):
    page = login(leader).get(talk_url(team))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ideas the team misses" in html and "<strong>trust</strong>" in html
    assert "Diverging readings" in html and "We keep the payment platform running." in html
    # The lowest self-rating (2.8 of 5) is on the agenda; the others are not.
    assert "I take part in shaping our team&#x27;s direction" in html and "2.8 out of 5" in html
    assert "3.9 out of 5" not in html
    assert all(q.replace("'", "&#x27;") in html for q in QUESTIONS)  # grouped, every one quoted
    assert "along the lines of" in html


def test_only_the_units_managers_talk_it_through(closed, team, member, executive, org_admin, login):
    assert login(member).get(talk_url(team)).status_code == 403
    assert login(executive).get(talk_url(team)).status_code == 403
    assert login(org_admin).get(talk_url(team)).status_code == 200
    reply = {"round": closed.round_id, "theme": "", "text": "Hello", "publish": "1"}
    assert login(member).post(reverse("talk_reply", args=[team.pk]), reply).status_code == 403
    assert not LeaderReply.objects.exists()


def test_a_published_reply_reaches_the_results_page_a_draft_does_not(closed, team, leader, member, login):
    client = login(leader)
    url = reverse("talk_reply", args=[team.pk])
    draft = client.post(
        url, {"round": closed.round_id, "theme": "0", "text": "Thinking about it.", "save": "1"}
    )
    assert draft.status_code == 302
    results = reverse("team_results", args=[team.pk])
    assert "Thinking about it." not in login(member).get(results).content.decode()
    published = login(leader).post(
        url,
        {
            "round": closed.round_id,
            "theme": "0",
            "topic": "On-call",
            "text": "A second engineer joins in May.",
            "publish": "1",
        },
    )
    assert published.status_code == 302
    html = login(member).get(results).content.decode()
    assert "A second engineer joins in May." in html and "On-call" in html
    reply = LeaderReply.objects.get()
    assert reply.theme == 0 and reply.published_at is not None


def test_a_refused_reply_says_why_and_keeps_the_text(closed, team, leader, login):
    client = login(leader)
    url = reverse("talk_reply", args=[team.pk])
    empty = client.post(
        url, {"round": closed.round_id, "theme": "", "topic": "Kept heading", "text": "  ", "publish": "1"}
    )
    assert empty.status_code == 422
    assert "Write a reply before saving it." in empty.content.decode()
    assert "Kept heading" in empty.content.decode()
    unknown_theme = client.post(url, {"round": closed.round_id, "theme": "7", "text": "Mine", "publish": "1"})
    assert unknown_theme.status_code == 422 and "reload it" in unknown_theme.content.decode()
    assert "Mine" in unknown_theme.content.decode()
    assert not LeaderReply.objects.exists()


def test_below_the_verbatim_threshold_the_leader_sees_no_question_and_replies_to_all(team, leader, login):
    team.organization.min_verbatim_size = 8
    team.organization.save()
    summary = payments_round(team, respondents=6)
    client = login(leader)
    html = client.get(talk_url(team)).content.decode()
    assert not any(q.replace("'", "&#x27;") in html for q in QUESTIONS)
    assert "can't be quoted" in html
    to_theme = client.post(
        reverse("talk_reply", args=[team.pk]),
        {"round": summary.round_id, "theme": "0", "text": "x", "publish": "1"},
    )
    assert to_theme.status_code == 422 and not LeaderReply.objects.exists()


def test_the_leader_records_two_actions_with_owners_and_due_dates(closed, team, leader, member, login):
    client = login(leader)
    url = reverse("talk_action_add", args=[team.pk])
    due = timezone.localdate() + timedelta(days=14)
    first = client.post(
        url,
        {
            "round": closed.round_id,
            "title": "Open each demo with why",
            "owner": member.pk,
            "due_on": due,
            "ideas": ["trust"],
        },
    )
    second = client.post(
        url, {"round": closed.round_id, "title": "Pair on-call", "owner": leader.pk, "due_on": due}
    )
    assert first.status_code == second.status_code == 302
    actions = {a.title: a for a in TeamAction.objects.all()}
    assert actions["Open each demo with why"].owner == member and actions[
        "Open each demo with why"
    ].ideas == ["trust"]
    assert actions["Pair on-call"].round == closed.round
    html = login(member).get(reverse("team_results", args=[team.pk])).content.decode()
    assert "Open each demo with why" in html and "Pair on-call" in html


def test_a_bad_action_says_why_and_saves_nothing(closed, team, leader, colleague, login):
    client = login(leader)
    url = reverse("talk_action_add", args=[team.pk])
    yesterday = timezone.localdate() - timedelta(days=1)
    outsider_owner = client.post(
        url, {"round": closed.round_id, "title": "Kept title", "owner": colleague.pk, "due_on": yesterday}
    )
    assert outsider_owner.status_code == 422
    html = outsider_owner.content.decode()
    assert "Choose an owner from the team." in html and "Kept title" in html
    past = client.post(
        url, {"round": closed.round_id, "title": "Late", "owner": leader.pk, "due_on": yesterday}
    )
    assert past.status_code == 422 and "The due date has passed" in past.content.decode()
    assert not TeamAction.objects.exists()


def test_an_owner_marks_their_action_done_another_member_cant(closed, team, leader, member, login):
    other = Membership.objects.filter(unit=team, role="member").exclude(user=member).first().user
    action = TeamAction.objects.create(
        unit=team, round=closed.round, title="Write the FAQ", owner=member, due_on=timezone.localdate()
    )
    url = reverse("action_status", args=[team.pk])
    assert login(other).post(url, {"action": action.pk, "status": "done"}).status_code == 403
    assert login(member).post(url, {"action": action.pk, "status": "done"}).status_code == 302
    action.refresh_from_db()
    assert action.status == "done" and action.done_at is not None
    assert login(leader).post(url, {"action": action.pk, "status": "open"}).status_code == 302
    action.refresh_from_db()
    assert action.status == "open" and action.done_at is None
    # Back to the page it was sent from, when that is a page of this site; else the team's results.
    back = login(member).post(url, {"action": action.pk, "status": "done", "next": "/home/#actions"})
    assert back.url == "/home/#actions"
    for junk in ("team_results", "https://evil.example/", "//evil.example/"):
        sent = login(member).post(url, {"action": action.pk, "status": "open", "next": junk})
        assert sent.status_code == 302 and sent.url == reverse("team_results", args=[team.pk]), junk


def test_the_team_records_that_it_talked_the_result_through(closed, team, leader, login):
    client = login(leader)
    url = reverse("talk_held", args=[team.pk])
    future = client.post(url, {"round": closed.round_id, "held_on": timezone.localdate() + timedelta(days=3)})
    assert future.status_code == 422 and "not in the future" in future.content.decode()
    assert client.post(url, {"round": closed.round_id, "held_on": timezone.localdate()}).status_code == 302
    assert ResultsTalk.objects.get().held_on == timezone.localdate()
    assert "Talked through on" in client.get(talk_url(team)).content.decode()


def test_the_next_pulse_opens_with_replies_and_actions_since_the_last(closed, team, leader, member, client):
    LeaderReply.objects.create(round=closed.round, text="Refunds come back in spring.", published_at=CLOSED)
    LeaderReply.objects.create(round=closed.round, theme=0, text="Draft only.")
    TeamAction.objects.create(
        unit=team, round=closed.round, title="Write the FAQ", owner=member, due_on=CLOSED.date()
    )
    now = timezone.now()
    pulse_round = round_open(unit=team, scheduled_for=now, closes_at=now + timedelta(days=5), remind_at=None)
    invitation = Invitation.objects.get(round=pulse_round, user=member)
    html = client.get(reverse("pulse_answer", args=[invitation.token])).content.decode()
    assert "Since the last pulse" in html
    assert "Refunds come back in spring." in html and "Write the FAQ" in html
    assert "Draft only." not in html


def test_owners_get_one_reminder_before_the_due_date(closed, team, member, leader):
    today = timezone.localdate()
    soon = TeamAction.objects.create(
        unit=team, title="Write the FAQ", owner=member, due_on=today + timedelta(days=1)
    )
    TeamAction.objects.create(unit=team, title="Later", owner=member, due_on=today + timedelta(days=20))
    TeamAction.objects.create(unit=team, title="Done", owner=leader, due_on=today, status="done")
    assert action_reminders_send() == 1
    assert [m.to for m in mail.outbox] == [[member.email]]
    assert "Write the FAQ" in mail.outbox[0].body
    assert action_reminders_send() == 0
    soon.refresh_from_db()
    assert soon.reminded_at is not None


def test_executives_see_counts_of_teams_that_acted_on_their_result(
    closed, team, org, division, executive, member, login
):
    risk = UnitFactory(organization=org, parent=division, name="Risk")
    payments_round(risk)
    ResultsTalk.objects.create(round=closed.round, held_on=timezone.localdate())
    TeamAction.objects.create(
        unit=team, title="Overdue one", owner=member, due_on=timezone.localdate() - timedelta(days=2)
    )
    TeamAction.objects.create(
        unit=risk, title="Open one", owner=member, due_on=timezone.localdate() + timedelta(days=2)
    )
    html = login(executive).get(reverse("home")).content.decode()
    assert "<strong>1</strong> of 2 teams talked their last result through" in html
    assert "<strong>2</strong> with open actions" in html
    assert "<strong>1</strong> with overdue actions" in html
    assert "Overdue one" not in html  # counts only


def test_the_round_after_an_action_shows_whether_its_ideas_moved(closed, team, member, login):
    TeamAction.objects.create(
        unit=team,
        round=closed.round,
        title="Explain trust",
        owner=member,
        due_on=CLOSED.date(),
        ideas=["trust"],
    )
    later = payments_round(team, closes_at=CLOSED + timedelta(days=30))
    later.idea_shares = [0.8, 0.5, 0.67]
    later.save()
    html = login(member).get(reverse("team_results", args=[team.pk])).content.decode()
    assert "trust: named by 0% before “Explain trust”, 67% now." in html


def test_open_actions_stay_on_the_team_dashboard_until_done(closed, team, leader, member, login):
    action = TeamAction.objects.create(
        unit=team, round=closed.round, title="Write the FAQ", owner=member, due_on=timezone.localdate()
    )
    dashboard = reverse("team_dashboard", args=[team.pk])
    assert "Write the FAQ" in login(leader).get(dashboard).content.decode()
    action.status = TeamAction.Status.DONE
    action.save()
    assert "Write the FAQ" not in login(leader).get(dashboard).content.decode()
