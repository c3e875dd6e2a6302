import pytest
from django.urls import reverse

from alignment import split_ideas
from purpose.forms import KEY_IDEA_MAX_LENGTH, MAX_KEY_IDEAS
from purpose.models import PurposeStatement
from tests.factories import PurposeStatementFactory

pytestmark = pytest.mark.django_db

TYPED_PURPOSE = (
    "We make it effortless for small businesses to accept every kind of payment, "
    "so that each sale goes through on the first try."
)


def edit_url(unit):
    return reverse("purpose_edit", args=[unit.pk])


def post_editor(
    client, unit, *, ideas="", base=0, action="save", purpose=TYPED_PURPOSE, ideas_for=None, **headers
):
    data = {
        "purpose": purpose,
        "fit": "We feed Payouts.",
        "key_ideas": ideas,
        "base_version": base,
        action: "",
    }
    if ideas_for is not None:
        data["ideas_for"] = ideas_for
    return client.post(edit_url(unit), data, **headers)


def test_editor_proposes_ideas_when_none_were_confirmed(login, team, leader):
    """A version without confirmed ideas opens with the engine's proposal to adjust."""
    PurposeStatementFactory(unit=team, version=1, purpose=TYPED_PURPOSE, key_ideas=[])
    html = login(leader).get(edit_url(team)).content.decode()
    assert 'name="key_ideas"' in html
    assert "which ideas your team names or misses" in html
    proposal = split_ideas(TYPED_PURPOSE)
    assert proposal
    assert ">" + "\n".join(proposal) + "</textarea>" in html


def test_editor_shows_the_confirmed_ideas(login, team, leader):
    PurposeStatementFactory(unit=team, version=1, purpose=TYPED_PURPOSE, key_ideas=["Trust", "Speed"])
    html = login(leader).get(edit_url(team)).content.decode()
    assert ">Trust\nSpeed</textarea>" in html


def test_suggest_proposes_ideas_from_the_typed_purpose_and_saves_nothing(login, team, leader):
    response = post_editor(login(leader), team, ideas="My own idea", action="suggest")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html  # works without JavaScript: the whole editor again
    assert ">" + "\n".join(split_ideas(TYPED_PURPOSE)) + "</textarea>" in html
    assert "My own idea" not in html
    assert "every kind of payment, so that" in html and "We feed Payouts." in html
    assert 'name="base_version" value="0"' in html
    assert "nothing is saved until you save" in html
    assert not PurposeStatement.objects.filter(unit=team).exists()


def test_suggest_without_a_purpose_keeps_the_typed_ideas(login, team, leader):
    response = post_editor(login(leader), team, purpose="  ", ideas="My own idea", action="suggest")
    html = response.content.decode()
    assert response.status_code == 200
    assert ">My own idea</textarea>" in html
    assert "Write the purpose first" in html


def test_htmx_suggest_returns_only_the_ideas_block(login, team, leader):
    response = post_editor(login(leader), team, action="suggest", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="editor-title"' not in html
    assert html.strip().startswith('<div class="field key-ideas-field" id="key-ideas">')
    assert ">" + "\n".join(split_ideas(TYPED_PURPOSE)) + "</textarea>" in html
    assert not PurposeStatement.objects.filter(unit=team).exists()


def test_save_stores_the_cleaned_ideas(login, team, leader):
    ideas = "  Trust  \n\nSpeed\ntrust\n  \nEvery kind of payment\r\nSPEED \n"
    response = post_editor(login(leader), team, ideas=ideas)
    assert response.status_code == 302
    statement = PurposeStatement.objects.get(unit=team)
    assert statement.key_ideas == ["Trust", "Speed", "Every kind of payment"]


def test_save_stores_the_proposal_left_as_it_was(login, team, leader):
    """Ideas the engine proposed and the leader kept are stored, so later engine changes don't move them."""
    proposal = split_ideas(TYPED_PURPOSE)
    post_editor(login(leader), team, ideas="\n".join(proposal))
    assert PurposeStatement.objects.get(unit=team).key_ideas == proposal


def test_empty_ideas_leave_the_choice_to_the_engine(login, team, leader):
    post_editor(login(leader), team, ideas=" \n ")
    assert PurposeStatement.objects.get(unit=team).key_ideas == []


def test_too_many_ideas_are_refused_and_kept(login, team, leader):
    ideas = "\n".join(f"Idea number {n}" for n in range(MAX_KEY_IDEAS + 1))
    response = post_editor(login(leader), team, ideas=ideas)
    html = response.content.decode()
    assert response.status_code == 422
    assert f"List at most {MAX_KEY_IDEAS} key ideas (there are {MAX_KEY_IDEAS + 1} now)" in html
    assert ideas in html and "every kind of payment, so that" in html
    assert 'id="key-ideas-error"' in html
    assert not PurposeStatement.objects.filter(unit=team).exists()


def test_repeated_ideas_do_not_count_toward_the_limit(login, team, leader):
    ideas = "\n".join(["Trust"] * (MAX_KEY_IDEAS + 3))
    assert post_editor(login(leader), team, ideas=ideas).status_code == 302
    assert PurposeStatement.objects.get(unit=team).key_ideas == ["Trust"]


def test_too_long_idea_is_refused_and_kept(login, team, leader):
    long_idea = "y" * (KEY_IDEA_MAX_LENGTH + 1)
    response = post_editor(login(leader), team, ideas=f"Trust\n{long_idea}")
    html = response.content.decode()
    assert response.status_code == 422
    assert f"Keep each idea under {KEY_IDEA_MAX_LENGTH} characters" in html
    assert long_idea in html
    assert not PurposeStatement.objects.filter(unit=team).exists()


def test_htmx_save_error_keeps_the_ideas_in_the_editor(login, team, leader):
    ideas = "\n".join(f"Idea number {n}" for n in range(MAX_KEY_IDEAS + 1))
    response = post_editor(login(leader), team, ideas=ideas, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 422
    assert "<html" not in html and 'id="editor-title"' in html and ideas in html


@pytest.mark.parametrize("action", ["suggest", "save"])
def test_member_cannot_suggest_or_save(login, team, member, action):
    response = post_editor(login(member), team, ideas="Trust", action=action)
    assert response.status_code == 403
    assert not PurposeStatement.objects.filter(unit=team).exists()


@pytest.mark.parametrize("action", ["suggest", "save"])
def test_outsider_gets_404(login, team, outsider, action):
    response = post_editor(login(outsider), team, ideas="Trust", action=action, HTTP_HX_REQUEST="true")
    assert response.status_code == 404
    assert not PurposeStatement.objects.filter(unit=team).exists()


def test_card_and_history_show_the_confirmed_ideas(login, team, leader, member):
    client = login(leader)
    post_editor(client, team, ideas="Trust\nSpeed", base=0)
    # New words, the same ideas, confirmed for the new words.
    new_words = "Same ideas, new words."
    post_editor(client, team, ideas="Trust\nSpeed", base=1, purpose=new_words, ideas_for=new_words)
    post_editor(client, team, ideas="Trust", base=2)
    card = login(member).get(reverse("unit_detail", args=[team.pk])).content.decode()
    assert "Key ideas" in card and "<li>Trust</li>" in card and "<li>Speed</li>" not in card
    history = client.get(reverse("purpose_history", args=[team.pk])).content.decode()
    # Listed for versions 3 and 1; version 2 kept version 1's ideas.
    assert history.count('<h3 class="label">Key ideas</h3>') == 2
    version_2 = history.split('id="v2"')[1].split('id="v1"')[0]
    assert "Key ideas" not in version_2
