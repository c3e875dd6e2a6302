"""Key ideas written for an older wording are caught on save and suggested again."""

import pytest
from django.urls import reverse

from alignment import split_ideas
from purpose.models import PurposeStatement
from teams.models import AuditEvent
from tests.factories import PurposeStatementFactory

pytestmark = pytest.mark.django_db

OLD = "We make paying effortless for small shops, so that every sale goes through."
NEW = "We keep the money of small shops moving, so that every seller is paid on time."


def edit_url(unit):
    return reverse("purpose_edit", args=[unit.pk])


def save(client, unit, *, purpose=NEW, ideas="Trust\nSpeed", ideas_for=OLD, base=1, action="save", **headers):
    data = {
        "purpose": purpose,
        "fit": "We feed Payouts.",
        "key_ideas": ideas,
        "ideas_for": ideas_for,
        "base_version": base,
        "samples": "A sample answer kept as typed.",
        action: "",
    }
    return client.post(edit_url(unit), data, **headers)


@pytest.fixture
def saved(team, leader):
    return PurposeStatementFactory(unit=team, version=1, purpose=OLD, key_ideas=["Trust", "Speed"])


def textarea(html: str, name: str) -> str:
    return html.split(f'name="{name}"')[1].split(">", 1)[1].split("</textarea>")[0]


def test_editor_records_the_wording_the_ideas_were_written_for(login, saved, leader):
    html = login(leader).get(edit_url(saved.unit)).content.decode()
    assert f'name="ideas_for" value="{OLD}"' in html


def test_new_wording_with_the_old_ideas_is_held_back_with_fresh_ideas(login, saved, leader):
    """Nothing is saved; the notice shows, fresh ideas fill the box, everything else stays as typed."""
    response = save(login(leader), saved.unit)
    html = response.content.decode()
    assert response.status_code == 422
    assert "<html" in html  # works without JavaScript: the whole editor again
    assert "Your key ideas were written for the previous wording" in html
    assert textarea(html, "key_ideas") == "\n".join(split_ideas(NEW))
    assert NEW in textarea(html, "purpose") and "We feed Payouts." in html
    assert "A sample answer kept as typed." in html
    assert f'name="ideas_for" value="{NEW}"' in html  # saving this form again confirms
    assert 'name="base_version" value="1"' in html
    assert list(PurposeStatement.objects.filter(unit=saved.unit).values_list("version", flat=True)) == [1]
    assert not AuditEvent.objects.filter(action="purpose.edit").exists()


def test_confirming_saves_the_ideas_shown(login, saved, leader):
    client = login(leader)
    save(client, saved.unit)
    suggested = "\n".join(split_ideas(NEW))
    response = save(client, saved.unit, ideas=suggested, ideas_for=NEW)
    assert response.status_code == 302
    statement = PurposeStatement.objects.get(unit=saved.unit, version=2)
    assert (statement.purpose, statement.key_ideas) == (NEW, split_ideas(NEW))


def test_the_old_ideas_confirmed_for_the_new_wording_are_kept(login, saved, leader):
    """A leader who puts the old ideas back after the notice means it."""
    response = save(login(leader), saved.unit, ideas="Trust\nSpeed", ideas_for=NEW)
    assert response.status_code == 302
    assert PurposeStatement.objects.get(unit=saved.unit, version=2).key_ideas == ["Trust", "Speed"]


def test_new_wording_and_new_ideas_save_at_once(login, saved, leader):
    response = save(login(leader), saved.unit, ideas="Trust\nSellers paid on time")
    assert response.status_code == 302
    assert PurposeStatement.objects.get(unit=saved.unit, version=2).key_ideas == [
        "Trust",
        "Sellers paid on time",
    ]


def test_emptied_ideas_save_at_once_and_the_engine_proposes(login, saved, leader):
    assert save(login(leader), saved.unit, ideas="  \n").status_code == 302
    assert PurposeStatement.objects.get(unit=saved.unit, version=2).key_ideas == []


def test_the_engines_proposal_left_for_the_old_wording_goes_stale_too(login, team, leader):
    PurposeStatementFactory(unit=team, version=1, purpose=OLD, key_ideas=[])
    client = login(leader)
    proposal = textarea(client.get(edit_url(team)).content.decode(), "key_ideas")
    assert proposal == "\n".join(split_ideas(OLD))
    response = save(client, team, ideas=proposal)
    assert response.status_code == 422
    assert "Your key ideas were written for the previous wording" in response.content.decode()


@pytest.mark.parametrize(
    "purpose", [OLD, "  We make paying effortless for small   shops, so that every sale goes through. "]
)
def test_unchanged_wording_saves_with_its_ideas(login, saved, leader, purpose):
    """Only the fit changed (spacing doesn't make new wording)."""
    assert save(login(leader), saved.unit, purpose=purpose).status_code == 302
    assert PurposeStatement.objects.get(unit=saved.unit, version=2).key_ideas == ["Trust", "Speed"]


def test_htmx_save_returns_the_editor_with_the_notice(login, saved, leader):
    response = save(login(leader), saved.unit, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 422
    assert "<html" not in html and 'id="editor-title"' in html
    assert 'id="ideas-left-behind"' in html
    assert not PurposeStatement.objects.filter(unit=saved.unit, version=2).exists()


def test_a_colleagues_newer_version_is_reported_first(login, saved, leader):
    """The editor was opened before version 1: the conflict comes first, not the ideas."""
    response = save(login(leader), saved.unit, base=0)
    assert response.status_code == 409
    assert "Your key ideas were written for the previous wording" not in response.content.decode()


def test_suggesting_ideas_records_the_wording_they_are_for(login, saved, leader):
    response = save(login(leader), saved.unit, action="suggest", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "Suggested from the purpose as typed" in html
    assert f'name="ideas_for" value="{NEW}"' in html
    assert not PurposeStatement.objects.filter(unit=saved.unit, version=2).exists()
