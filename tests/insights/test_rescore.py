"""`manage.py rescore`: answers read by an older engine are read again, with progress, and their rounds re-summarised."""

import io
import time
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from alignment import ENGINE_VERSION
from insights.models import AnswerScore, RoundSummary
from purpose.engine import app_encoder
from tests.factories import (
    AnswerScoreFactory,
    PurposeStatementFactory,
    ResponseFactory,
    closed_round_with_summary,
)

PURPOSE = (
    "We make it effortless for small businesses to accept card payments, so that every sale goes through."
)
FAITHFUL = [
    "We help small shops take card payments easily so that their sales always go through.",
    "Letting small businesses take cards without hassle, so no sale is lost.",
    "Making card payments effortless for small merchants so every sale completes.",
    "Small businesses should be able to accept cards easily and never lose a sale.",
]


@pytest.fixture
def old_round(team, leader):
    """A closed round whose answers were read by the engine before this one: on the old scale, all low."""
    statement = PurposeStatementFactory(unit=team, version=1, author=leader, purpose=PURPOSE)
    summary = closed_round_with_summary(
        team,
        closes_at=timezone.now() - timedelta(days=20),
        respondents=4,
        alignment=31.0,
        situation="no_shared",
        statement=statement,
    )
    for text in FAITHFUL:
        response = ResponseFactory(round=summary.round, purpose_text=text)
        AnswerScoreFactory(
            response=response, alignment=31.0, encoder=app_encoder().name, engine_version="1.1"
        )
    return summary.round


def run(*args) -> str:
    out = io.StringIO()
    call_command("rescore", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_old_readings_are_read_again_with_progress_and_the_summary_follows(old_round):
    assert "4 answers in 1 rounds" in run("--dry-run")
    assert not AnswerScore.objects.filter(engine_version=ENGINE_VERSION).exists(), "a dry run changes nothing"

    out = run()
    assert "round 1/1: 4/4 answers scored" in out and "Done: 4 answers in 1 rounds" in out
    scores = list(AnswerScore.objects.filter(response__round=old_round))
    assert len(scores) == 4 and {s.engine_version for s in scores} == {ENGINE_VERSION}
    assert all(s.alignment >= 50 for s in scores), [s.alignment for s in scores]
    summary = RoundSummary.objects.get(round=old_round)
    assert summary.alignment == pytest.approx(sum(s.alignment for s in scores) / 4, abs=0.01)
    assert summary.situation != "no_shared" and summary.is_final and not summary.stale

    assert "nothing to do" in run(), "a second run finds everything current"


@pytest.mark.django_db
def test_an_unknown_organization_is_refused_by_name(old_round):
    with pytest.raises(CommandError, match="No organization with the slug 'nope'"):
        run("--org", "nope")
    assert "4 answers in 1 rounds" in run("--dry-run", "--org", old_round.unit.organization.slug)


def test_with_queue_the_worker_does_the_scoring(celery_worker, old_round):
    assert "round 1/1: 4/4 answers queued" in run("--queue")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        summary = RoundSummary.objects.get(round=old_round)
        if not summary.stale and summary.alignment != 31.0:
            break
        time.sleep(0.2)
    assert set(
        AnswerScore.objects.filter(response__round=old_round).values_list("engine_version", flat=True)
    ) == {ENGINE_VERSION}
    assert summary.alignment > 50 and not summary.stale
