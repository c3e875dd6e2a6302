"""`manage.py compare`: the product's own scoring path, checked on the STS Benchmark (`--pairs`)
and on whole teams (`--teams`)."""

import io
import json
import sys
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from alignment import split_ideas
from alignment.reading import band_of
from insights.scoring import round_score_waiting
from insights.summaries import round_summarize
from surveys.models import PulseRound, Response
from tests.factories import PurposeStatementFactory

STS = Path(__file__).resolve().parents[1] / "data" / "stsbenchmark" / "sts-test.csv"


def spearman(a, b) -> float:
    ranks = [np.argsort(np.argsort(x, kind="stable"), kind="stable") for x in (a, b)]
    return float(np.corrcoef(*ranks)[0, 1])


def run_compare(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("compare", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_compare_prints_a_score_for_a_pair():
    close, _ = run_compare("We help small businesses get paid.", "We make sure shops receive their money.")
    far, _ = run_compare("We help small businesses get paid.", "The cat sat on the mat.")
    assert 0 <= float(far) < float(close) <= 100


def test_compare_needs_two_texts_or_a_file():
    with pytest.raises(CommandError, match="--pairs FILE"):
        run_compare("only one text")


def test_compare_pairs_keeps_the_model_level_on_sts_test(tmp_path):
    assert STS.exists(), f"the STS Benchmark is expected at {STS}"
    gold, pairs = [], []
    for line in STS.read_text(encoding="utf-8").splitlines():
        cols = line.split("\t")  # no CSV quoting: some sentences open a quote they never close
        gold.append(float(cols[4]))
        pairs.append(f"{cols[5]}\t{cols[6]}")
    file = tmp_path / "pairs.tsv"
    file.write_text("\n".join(pairs) + "\n", encoding="utf-8")
    out, err = run_compare("--pairs", str(file))
    scores = [float(x) for x in out.splitlines()]
    assert len(scores) == len(gold) == 1379
    assert "1379/1379 pairs scored" in err
    rho = spearman(scores, gold)
    assert rho >= 0.815, f"Spearman {rho:.4f} fell below the model's own level (0.820)"


# --teams ---------------------------------------------------------------------------------------

PAYMENTS = (
    "We make it effortless for small businesses to accept card and bank payments, so that every sale "
    "goes through on the first try and the money is never in doubt."
)
PAYMENTS_IDEAS = [
    "We make it effortless for small businesses to accept card and bank payments",
    "every sale goes through on the first try",
    "the money is never in doubt",
]
FAITHFUL = (
    "Shop owners can take any payment without fuss, each sale works first time, "
    "and they always know their money is safe."
)
UNRELATED = "I water the office plants and order lunch for the Friday meeting."
PAYMENTS_ANSWERS = [
    FAITHFUL,
    "idk",
    UNRELATED,
    "We run the payment servers and the on-call rota.",
    "Letting small shops get paid by card or transfer with no hassle, first time, every time.",
]
SUPPORT = "We solve merchants' problems quickly and kindly, so that a question never stops them from trading."
SUPPORT_ANSWERS = [
    "Hit our ticket targets and keep handling times low.",
    "Close as many tickets as we can inside the SLA.",
    "Get ticket volume down and resolve cases within the SLA.",
]
TEAMS = [
    {
        "purpose": PAYMENTS,
        "fit": "We own the payment flow.",
        "ideas": PAYMENTS_IDEAS,
        "answers": PAYMENTS_ANSWERS,
    },
    {"purpose": SUPPORT, "answers": SUPPORT_ANSWERS},  # no ideas: the engine proposes them
    {"purpose": "We keep the lights on.", "ideas": [], "answers": []},  # nothing to read
]
SITUATIONS = {"aligned", "shared_other", "split", "no_shared"}


def number_or_null(value) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


def read_teams_file(tmp_path, teams) -> list[dict]:
    file = tmp_path / "teams.json"
    file.write_text(json.dumps(teams), encoding="utf-8")
    out, err = run_compare("--teams", str(file))
    assert f"{len(teams)}/{len(teams)} teams read" in err
    return json.loads(out)


@pytest.fixture(scope="module")
def readings(tmp_path_factory) -> list[dict]:
    return read_teams_file(tmp_path_factory.mktemp("teams"), TEAMS)


def test_compare_teams_prints_one_reading_per_team_in_order(readings):
    assert isinstance(readings, list) and len(readings) == len(TEAMS)
    for team, reading in zip(TEAMS, readings, strict=True):
        assert set(reading) == {"alignment", "agreement", "situation", "answers"}
        assert number_or_null(reading["alignment"]) and number_or_null(reading["agreement"])
        assert reading["situation"] in SITUATIONS
        assert len(reading["answers"]) == len(team["answers"])
        for answer in reading["answers"]:
            assert set(answer) == {"alignment", "ideas_named", "flags"}
            assert number_or_null(answer["alignment"])
            assert answer["alignment"] is None or 0 <= answer["alignment"] <= 100
            assert all(isinstance(flag, str) for flag in answer["flags"])
            assert all(isinstance(k, int) and not isinstance(k, bool) for k in answer["ideas_named"])
    # The order is the input's: each team's own answers, read against its own purpose.
    payments, support, empty = readings
    assert payments["answers"][0]["ideas_named"]  # the faithful paraphrase names the purpose's ideas
    assert len(support["answers"]) == len(SUPPORT_ANSWERS)
    assert empty == {"alignment": None, "agreement": None, "situation": "no_shared", "answers": []}


def test_compare_teams_does_not_judge_an_answer_too_short_to_read(readings):
    idk = readings[0]["answers"][PAYMENTS_ANSWERS.index("idk")]
    assert idk["alignment"] is None
    assert "too_short" in idk["flags"]
    assert idk["ideas_named"] == []


def test_compare_teams_reads_a_faithful_paraphrase_above_an_unrelated_answer(readings):
    answers = readings[0]["answers"]
    faithful = answers[PAYMENTS_ANSWERS.index(FAITHFUL)]["alignment"]
    unrelated = answers[PAYMENTS_ANSWERS.index(UNRELATED)]["alignment"]
    assert faithful > unrelated + 25
    assert band_of(faithful) == "tells_it_back"
    assert readings[0]["alignment"] is not None and readings[0]["agreement"] is not None


def test_compare_teams_proposes_ideas_when_none_are_given(readings):
    proposed = split_ideas(SUPPORT)
    assert proposed  # otherwise the indexes below could not be checked
    for answer in readings[1]["answers"]:
        assert all(0 <= k < len(proposed) for k in answer["ideas_named"])
    for answer in readings[0]["answers"]:
        assert all(0 <= k < len(PAYMENTS_IDEAS) for k in answer["ideas_named"])


def test_compare_teams_reads_stdin_with_a_dash(readings, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(TEAMS[:2])))
    out, _ = run_compare("--teams", "-")
    assert json.loads(out) == readings[:2]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not a readable JSON file"),
        (json.dumps({"purpose": PAYMENTS, "answers": []}), "expected a JSON list of teams"),
        (json.dumps([{"purpose": SUPPORT, "answers": []}, {"answers": ["a"]}]), 'team 2: needs a "purpose"'),
        (json.dumps([{"purpose": 3, "answers": []}]), 'team 1: needs a "purpose"'),
        (json.dumps([{"purpose": SUPPORT}]), 'team 1: "answers" must be a list of texts'),
        (json.dumps([{"purpose": SUPPORT, "answers": "one answer"}]), '"answers" must be a list of texts'),
        (json.dumps([{"purpose": SUPPORT, "answers": ["fine", 3]}]), '"answers" must be a list of texts'),
        (json.dumps([{"purpose": SUPPORT, "answers": [], "ideas": "x"}]), '"ideas" must be a list of texts'),
    ],
)
def test_compare_teams_refuses_bad_input_with_a_clear_message(tmp_path, content, message):
    file = tmp_path / "teams.json"
    file.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        run_compare("--teams", str(file))


def test_compare_teams_says_which_file_it_could_not_open(tmp_path):
    with pytest.raises(CommandError, match="missing.json: not a readable JSON file"):
        run_compare("--teams", str(tmp_path / "missing.json"))


@pytest.mark.django_db
def test_compare_teams_reads_a_team_as_its_round_summary_does(team, leader, readings):
    """The same answers, scored and rolled up by the product (as the worker does), read the same."""
    statement = PurposeStatementFactory(
        unit=team, version=1, author=leader, purpose=PAYMENTS, key_ideas=PAYMENTS_IDEAS
    )
    now = timezone.now()
    pulse_round = PulseRound.objects.create(
        unit=team,
        purpose_statement=statement,
        scheduled_for=now - timedelta(days=5),
        opens_at=now - timedelta(days=5),
        closes_at=now,
        closed_at=now,
        status=PulseRound.Status.CLOSED,
        invited_count=len(PAYMENTS_ANSWERS),
    )
    Response.objects.bulk_create(
        Response(
            round=pulse_round,
            purpose_text=text,
            fit_text="We own the payment flow.",
            understands_purpose=4,
            sees_contribution=4,
            shapes_direction=3,
        )
        for text in PAYMENTS_ANSWERS
    )
    round_score_waiting(round_id=pulse_round.pk)
    summary = round_summarize(round_id=pulse_round.pk)
    reading = readings[0]
    assert summary.situation == reading["situation"]
    assert summary.respondents == sum(a["alignment"] is not None for a in reading["answers"])
    assert summary.alignment == pytest.approx(reading["alignment"], abs=0.5)
    assert summary.agreement == pytest.approx(reading["agreement"], abs=0.5)
