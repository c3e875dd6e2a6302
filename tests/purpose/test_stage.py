"""The team's stage (get ready, plan, implement, sustain): set by its leader with a line on where it
stands, shown on the team's and the organization's pages, kept as history, and followed by the
prompts of the talk-it-through page."""

import pytest
from django.urls import reverse

from insights.talk import PROMPTS, STAGE_PROMPTS
from purpose.models import TeamStage
from teams.models import AuditEvent, Membership
from tests.factories import MembershipFactory
from tests.insights.test_results import payments_round

pytestmark = pytest.mark.django_db


def stage_url(team):
    return reverse("unit_stage", args=[team.pk])


def html_of(response) -> str:
    return response.content.decode().replace("&#x27;", "'")


def test_the_leader_sets_the_stage_and_its_history_is_kept(team, leader, login):
    client = login(leader)
    first = client.post(stage_url(team), {"stage": "plan", "note": "Agreeing what we stop."})
    assert first.status_code == 302 and first["Location"].endswith("#stage")
    client.post(stage_url(team), {"stage": "implement", "note": "Trying the two actions."})
    assert list(TeamStage.objects.filter(unit=team).values_list("stage", flat=True)) == ["implement", "plan"]
    page = html_of(client.get(reverse("unit_detail", args=[team.pk])))
    assert '<strong>Implement</strong>: <span dir="auto">Trying the two actions.</span>' in page
    assert "Earlier stages" in page and "Agreeing what we stop." in page
    assert AuditEvent.objects.filter(action="purpose.stage", unit=team).count() == 2


def test_the_stage_shows_on_the_team_dashboard_and_the_org_chart(team, leader, executive, login):
    login(leader).post(stage_url(team), {"stage": "sustain", "note": "Keeping the stand-up stories."})
    dashboard = html_of(login(leader).get(reverse("team_dashboard", args=[team.pk])))
    assert "Sustain" in dashboard and "Keeping the stand-up stories." in dashboard
    client = login(executive)
    chart = html_of(client.get(reverse("org_chart_children", args=[team.parent_id])))
    assert 'stage-sustain" title="Keeping the stand-up stories.">Sustain</span>' in chart


def test_only_the_teams_managers_set_its_stage(team, leader, member, colleague, executive, org_admin, login):
    for person in (member, colleague, executive):
        assert login(person).post(stage_url(team), {"stage": "plan"}).status_code == 403
    assert login(member).get(stage_url(team)).status_code == 405
    assert not TeamStage.objects.exists()
    assert login(org_admin).post(stage_url(team), {"stage": "plan"}).status_code == 302
    # Members see the stage, not the form to change it.
    page = html_of(login(member).get(reverse("unit_detail", args=[team.pk])))
    assert "<strong>Plan</strong>" in page and "Set the stage" not in page


def test_a_wrong_stage_or_too_long_a_line_is_refused_with_the_reason(team, leader, login):
    client = login(leader)
    wrong = client.post(stage_url(team), {"stage": "celebrate", "note": "Kept line"})
    assert wrong.status_code == 422
    assert "Choose one of the four stages." in html_of(wrong) and 'value="Kept line"' in html_of(wrong)
    long = client.post(stage_url(team), {"stage": "plan", "note": "x" * 281})
    assert long.status_code == 422 and "Keep the line under 280 characters." in html_of(long)
    assert not TeamStage.objects.exists()


def test_the_talk_it_through_prompts_follow_the_stage(team, leader, login):
    for _ in range(5):
        MembershipFactory(unit=team, role=Membership.Role.MEMBER)
    payments_round(team)
    client = login(leader)
    talk = reverse("talk_it_through", args=[team.pk])
    before = html_of(client.get(talk))
    assert PROMPTS[1] in before and "Set the team's stage" in before
    client.post(stage_url(team), {"stage": "get_ready"})
    ready = html_of(client.get(talk))
    assert all(p in ready for p in STAGE_PROMPTS[TeamStage.Stage.GET_READY]) and PROMPTS[1] not in ready
    client.post(stage_url(team), {"stage": "sustain", "note": "New people join in May."})
    sustain = html_of(client.get(talk))
    assert all(p in sustain for p in STAGE_PROMPTS[TeamStage.Stage.SUSTAIN])
    assert STAGE_PROMPTS[TeamStage.Stage.GET_READY][1] not in sustain
    assert "<strong>Sustain</strong>" in sustain and "New people join in May." in sustain
