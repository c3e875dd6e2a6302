"""Sample answers in the purpose editor: how the engine would read them, before a pulse goes out."""

from pathlib import Path

import pytest
from django.urls import reverse
from django.utils.html import escape

from alignment import SITUATIONS, ModelNotFound, split_ideas
from alignment.graded import load_graded
from alignment.reading import BANDS
from purpose import views
from purpose.engine import app_encoder
from purpose.forms import split_samples
from purpose.models import PurposeStatement
from purpose.preview import MAX_SAMPLES, SAMPLE_MAX_LENGTH, SampleReading, SamplesReading, samples_read
from teams.models import AuditEvent
from tests.factories import PurposeStatementFactory

pytestmark = pytest.mark.django_db

PURPOSE = (
    "We make it effortless for small businesses to accept card payments, so that every sale goes through."
)
GOOD = "We help small shops take card payments easily so that their sales always go through."
OFF = "I mostly fix the office printers and order lunch for meetings."
FRENCH = (
    "Nous aidons les petits commerces à accepter les paiements par carte, pour que chaque vente aboutisse."
)
BAND_LABELS = {label for _, label in BANDS}
GRADED = Path(__file__).resolve().parents[1] / "data" / "graded"


def edit_url(unit):
    return reverse("purpose_edit", args=[unit.pk])


def read(client, unit, samples, *, purpose=PURPOSE, ideas="", **headers):
    data = {
        "purpose": purpose,
        "fit": "We feed Payouts.",
        "key_ideas": ideas,
        "ideas_for": "",
        "base_version": 0,
        "samples": samples,
        "read_samples": "1",
    }
    return client.post(edit_url(unit), data, **headers)


@pytest.fixture
def stub_reading(monkeypatch):
    """The engine's reading replaced by a fixed one (for what the page shows); records the call."""
    calls = []
    reading = SamplesReading(
        ideas=["Card payments made effortless", "Every sale goes through"],
        samples=[
            SampleReading(GOOD, 82.4, "tells_it_back", ["Card payments made effortless"], [], False, ""),
            SampleReading(
                "Sales go through, but failed ones are the bank's problem.",
                41.0,
                "on_topic",
                [],
                ["Every sale goes through"],
                True,
                "",
            ),
            SampleReading("idk", None, None, [], [], False, "too short to judge"),
        ],
        situation=SITUATIONS["split"],
    )

    def fake(**kwargs):
        calls.append(kwargs)
        return reading

    monkeypatch.setattr(views, "samples_read", fake)
    return calls


# --- Splitting what was typed ------------------------------------------------------------


def test_samples_are_one_per_line():
    assert split_samples(" First answer \r\n\r\nSecond answer\n  \n") == ["First answer", "Second answer"]
    assert split_samples("One\nTwo\nThree") == ["One", "Two", "Three"]


def test_with_a_blank_line_an_answer_may_run_over_several_lines():
    assert split_samples("We help shops\nget paid.\n\nSomething else") == [
        "We help shops\nget paid.",
        "Something else",
    ]


# --- The reading, with the real engine (behaviour any sensible reading has) -----------------


def test_a_faithful_paraphrase_reads_higher_than_an_unrelated_answer():
    reading = samples_read(purpose=PURPOSE, key_ideas=[], samples=[GOOD, OFF], encoder=app_encoder())
    good, off = reading.samples
    assert good.alignment is not None and off.alignment is not None
    assert good.alignment > off.alignment
    assert 0 <= off.alignment <= 100 and 0 <= good.alignment <= 100
    assert {good.band_label, off.band_label} <= BAND_LABELS
    assert set(good.ideas_named) <= set(reading.ideas)


def test_answers_the_engine_cant_judge_say_why_instead_of_a_number():
    reading = samples_read(purpose=PURPOSE, key_ideas=[], samples=["idk", FRENCH], encoder=app_encoder())
    short, french = reading.samples
    assert (short.alignment, short.band, short.note) == (None, None, "too short to judge")
    assert (french.alignment, french.note) == (
        None,
        "written in another language: the model reads English only",
    )
    assert reading.situation is None  # no two answers to read a team from


def test_two_readable_answers_get_a_team_situation():
    one = samples_read(purpose=PURPOSE, key_ideas=[], samples=[GOOD], encoder=app_encoder())
    two = samples_read(purpose=PURPOSE, key_ideas=[], samples=[GOOD, OFF], encoder=app_encoder())
    assert one.situation is None
    assert two.situation in SITUATIONS.values()


def test_ideas_are_those_typed_else_the_engines_proposal():
    typed = samples_read(
        purpose=PURPOSE, key_ideas=["Card payments", "Every sale"], samples=[GOOD], encoder=app_encoder()
    )
    proposed = samples_read(purpose=PURPOSE, key_ideas=[], samples=[GOOD], encoder=app_encoder())
    assert typed.ideas == ["Card payments", "Every sale"]
    assert proposed.ideas == split_ideas(PURPOSE)


def test_the_service_reads_at_most_the_cap():
    samples = [f"{GOOD} ({n})" for n in range(MAX_SAMPLES + 5)]
    reading = samples_read(purpose=PURPOSE, key_ideas=[], samples=samples, encoder=app_encoder())
    assert len(reading.samples) == MAX_SAMPLES


# --- The editor ------------------------------------------------------------------------


def test_the_editor_offers_the_sample_box(login, team, leader):
    html = login(leader).get(edit_url(team)).content.decode()
    assert "How would the engine read answers?" in html
    assert 'name="samples"' in html and 'name="read_samples"' in html


def test_without_javascript_the_page_comes_back_with_everything_typed(login, team, leader):
    """Real engine: a faithful answer gets a band and a number, "idk" a plain note; nothing is saved."""
    samples = f"{GOOD}\nidk"
    response = read(login(leader), team, samples, ideas="Card payments\nEvery sale goes through")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html
    assert f">{samples}</textarea>" in html
    assert PURPOSE in html and "We feed Payouts." in html and "Card payments\nEvery sale goes through" in html
    result = html.split('id="samples-result"')[1]
    assert GOOD in result and "/ 100" in result
    assert any(label in result for label in BAND_LABELS)
    assert "No reading: too short to judge." in result
    assert not PurposeStatement.objects.filter(unit=team).exists()
    assert not AuditEvent.objects.filter(action="purpose.edit").exists()


def test_htmx_gets_only_the_readings(login, team, leader, stub_reading):
    response = read(login(leader), team, GOOD, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.strip().startswith('<div class="samples-result" id="samples-result"')
    assert "<html" not in html and 'id="editor-title"' not in html


def test_the_readings_show_bands_ideas_twists_notes_and_the_situation(login, team, leader, stub_reading):
    html = read(login(leader), team, GOOD, HTTP_HX_REQUEST="true").content.decode()
    assert "Tells it back" in html and "82 / 100" in html
    assert "Names: “Card payments made effortless”" in html
    assert "Names with a twist" in html and "“Every sale goes through”" in html
    assert "No reading: too short to judge." in html
    assert "A team answering like this: " + escape(SITUATIONS["split"].title) in html
    assert escape(SITUATIONS["split"].explanation) in html


def test_a_close_call_is_named_beside_the_situation(login, team, leader):
    """Real engine: a graded team it reads as a close call (tests/engine/test_how_sure.py), typed
    in as sample answers, shows the runner-up too."""
    scattered = next(t for t in load_graded(GRADED) if t.id == "d-learning-development-norvik")
    samples = "\n".join(a.text for a in scattered.answers)
    html = read(
        login(leader),
        team,
        samples,
        purpose=scattered.purpose,
        ideas="\n".join(scattered.ideas),
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "A team answering like this: " + escape(SITUATIONS["no_shared"].title) in html
    assert f"could also read as “{escape(SITUATIONS['shared_other'].title)}”" in html


def test_the_purpose_and_ideas_as_typed_are_read_not_the_saved_version(login, team, leader, stub_reading):
    PurposeStatementFactory(unit=team, version=1, purpose="We run the office.", key_ideas=["The office"])
    read(login(leader), team, f"{GOOD}\n\n{OFF}", ideas="Card payments\n\nEvery sale")
    (call,) = stub_reading
    assert call["purpose"] == PURPOSE
    assert call["key_ideas"] == ["Card payments", "Every sale"]
    assert call["samples"] == [GOOD, OFF]
    assert list(PurposeStatement.objects.filter(unit=team).values_list("version", flat=True)) == [1]


@pytest.mark.parametrize(
    ("samples", "error"),
    [
        (
            "\n".join(f"Answer {n}" for n in range(MAX_SAMPLES + 1)),
            f"Try at most {MAX_SAMPLES} sample answers",
        ),
        ("x" * (SAMPLE_MAX_LENGTH + 1), f"Keep each sample under {SAMPLE_MAX_LENGTH} characters"),
        ("  \n ", "Type one or more sample answers"),
        ("y" * (MAX_SAMPLES * (SAMPLE_MAX_LENGTH + 4) + 1), f"Try at most {MAX_SAMPLES} answers"),
    ],
)
def test_too_much_work_is_refused_before_the_engine_runs(login, team, leader, stub_reading, samples, error):
    response = read(login(leader), team, samples, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert error in response.content.decode()
    assert stub_reading == []


def test_without_a_purpose_there_is_nothing_to_read_against(login, team, leader, stub_reading):
    response = read(login(leader), team, GOOD, purpose="  ")
    assert response.status_code == 422
    assert "Write the team" in response.content.decode().split('id="samples-result"')[1]
    assert stub_reading == []


def test_a_missing_model_says_so(login, team, leader, monkeypatch):
    def missing():
        raise ModelNotFound("no model here")

    monkeypatch.setattr(views, "app_encoder", missing)
    response = read(login(leader), team, GOOD, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "The engine can't read answers right now" in response.content.decode()


def test_an_org_admin_may_read_samples(login, team, org_admin, stub_reading):
    assert read(login(org_admin), team, GOOD).status_code == 200


@pytest.mark.parametrize("who", ["member", "executive", "colleague"])
def test_people_who_cant_edit_the_purpose_cant_read_samples(login, team, request, stub_reading, who):
    response = read(login(request.getfixturevalue(who)), team, GOOD, HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert stub_reading == []


def test_an_outsider_gets_404(login, team, outsider, stub_reading):
    assert read(login(outsider), team, GOOD).status_code == 404
    assert stub_reading == []


def test_anonymous_is_sent_to_login(client, team, stub_reading):
    response = read(client, team, GOOD)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert stub_reading == []
