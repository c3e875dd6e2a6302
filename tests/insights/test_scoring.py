"""Answers are scored by the alignment engine through a real Celery worker, and rolled up."""

import re
import statistics
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from alignment import ENGINE_VERSION
from insights import scoring, summaries
from insights.models import AnswerScore, RoundSummary
from surveys.answering import response_submit
from surveys.models import Invitation, Response
from surveys.rounds import round_close, round_open
from teams.models import Membership
from tests.factories import MembershipFactory, PurposeStatementFactory

PURPOSE = (
    "We make it effortless for small businesses to accept card payments, so that every sale goes through."
)
GOOD = "We help small shops take card payments easily so that their sales always go through."
OFF = "I mostly fix the office printers and order lunch for meetings."


def answers(text: str, **extra) -> dict:
    return {
        "purpose_text": text,
        "fit_text": "We own the payment flow the rest of Product builds on.",
        "understands_purpose": 4,
        "sees_contribution": 4,
        "shapes_direction": 3,
        "question_for_leader": "",
        **extra,
    }


@pytest.fixture
def open_round(team, leader):
    PurposeStatementFactory(
        unit=team,
        version=1,
        author=leader,
        purpose=PURPOSE,
        fit="We own the payment flow the rest of Product builds on.",
    )
    for _ in range(6):
        MembershipFactory(unit=team, role=Membership.Role.MEMBER)
    now = timezone.now()
    return round_open(
        unit=team, scheduled_for=now, closes_at=now + timedelta(days=5), remind_at=None, now=now
    )


def wait_for(condition, seconds: float = 60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting for the worker")


def submit(pulse_round, index: int, text: str) -> Response:
    invitation = Invitation.objects.filter(round=pulse_round).order_by("pk")[index]
    return response_submit(invitation=invitation, answers=answers(text), seen_revision=0)


def test_an_answer_is_scored_by_the_worker_within_seconds(celery_worker, open_round):
    response = submit(open_round, 0, GOOD)
    wait_for(lambda: not Response.objects.get(pk=response.pk).needs_scoring)
    score = AnswerScore.objects.get(response=response)
    assert 0 <= score.alignment <= 100 and score.revision == 1
    assert score.fit_alignment is not None and score.fit_parent_alignment is not None
    assert score.encoder
    wait_for(lambda: RoundSummary.objects.filter(round=open_round, respondents=1, stale=False).exists())


def test_closing_a_round_leaves_a_final_summary(celery_worker, open_round):
    for i, text in enumerate([GOOD, GOOD, OFF]):
        submit(open_round, i, text)
    wait_for(lambda: not Response.objects.filter(round=open_round, needs_scoring=True).exists())
    round_close(round_id=open_round.pk)
    wait_for(lambda: RoundSummary.objects.filter(round=open_round, is_final=True, stale=False).exists())
    summary = RoundSummary.objects.get(round=open_round)
    assert summary.respondents == 3 and summary.answered == 3 and summary.invited == 6
    assert summary.alignment is not None and summary.agreement is not None
    assert len(summary.ideas) == len(summary.idea_shares) >= 1
    assert summary.situation in {"aligned", "shared_other", "split", "no_shared"}


def test_the_sweep_scores_answers_the_broker_never_got(celery_worker, open_round):
    with mock.patch("insights.scoring.queue_round_scoring", return_value=False):  # the broker was down
        response = submit(open_round, 0, GOOD)
    time.sleep(1)
    assert Response.objects.get(pk=response.pk).needs_scoring
    assert scoring.unscored_sweep() == 1
    wait_for(lambda: not Response.objects.get(pk=response.pk).needs_scoring)


@pytest.mark.django_db
def test_one_task_scores_the_waiting_answers_of_its_round_and_rescoring_is_idempotent(open_round):
    with mock.patch("insights.scoring.queue_round_scoring"):
        responses = [submit(open_round, i, text) for i, text in enumerate([GOOD, OFF, GOOD, ""])]
    assert scoring.response_score(response_id=responses[0].pk) == 4
    scored = {s.response_id: s for s in AnswerScore.objects.filter(response__round=open_round)}
    assert scored[responses[0].pk].alignment > scored[responses[1].pk].alignment
    assert scored[responses[3].pk].alignment is None  # a blank answer has a defined result, not a crash
    assert scoring.response_score(response_id=responses[0].pk) == 0
    assert AnswerScore.objects.get(response=responses[0]).alignment == scored[responses[0].pk].alignment


@pytest.mark.django_db
def test_a_revision_during_scoring_is_not_marked_with_the_old_scores(open_round):
    with mock.patch("insights.scoring.queue_round_scoring"):
        response = submit(open_round, 0, GOOD)
    real = scoring.score_answers

    def member_revises_meanwhile(*args, **kwargs):
        Response.objects.filter(pk=response.pk).update(revision=2, purpose_text=OFF)
        return real(*args, **kwargs)

    with mock.patch.object(scoring, "score_answers", member_revises_meanwhile):
        assert scoring.response_score(response_id=response.pk) == 0
    response.refresh_from_db()
    assert response.needs_scoring and not AnswerScore.objects.filter(response=response).exists()


@pytest.mark.django_db
def test_round_summary_rolls_up_the_scored_answers(open_round):
    texts = [GOOD, GOOD, OFF, GOOD]
    with mock.patch("insights.scoring.queue_round_scoring"):
        for i, text in enumerate(texts):
            submit(open_round, i, text)
    first = Response.objects.filter(round=open_round).first()
    scoring.response_score(response_id=first.pk)
    summary = summaries.round_summarize(round_id=open_round.pk)
    scores = list(AnswerScore.objects.filter(response__round=open_round).values_list("alignment", flat=True))
    assert summary.respondents == 4
    assert summary.alignment == pytest.approx(sum(scores) / 4, abs=0.01)
    assert summary.alignment_sd == pytest.approx(statistics.stdev(scores), abs=0.01)
    assert summary.agree_means == [4.0, 4.0, 3.0]
    assert summary.scores == sorted(round(s, 1) for s in scores)
    assert not summary.is_final and not summary.stale
    # Interpretations group answers, so they wait for the close: none while the round is open.
    assert summary.interpretations == []

    assert round_close(round_id=open_round.pk)
    summary = summaries.round_summarize(round_id=open_round.pk)
    assert summary.is_final
    groups = summary.interpretations
    assert groups, "a closed round with four usable answers has at least one interpretation"
    assert sum(group["size"] for group in groups) == summary.respondents == 4
    assert all(group["text"] in texts for group in groups)


@pytest.mark.django_db
def test_a_score_carries_the_version_of_the_engine_that_made_it(open_round):
    """Stored scores say which engine read them, so readings by an older engine can be found."""
    column = AnswerScore._meta.get_field("engine_version")
    assert re.fullmatch(r"\d+\.\d+", ENGINE_VERSION) and len(ENGINE_VERSION) <= column.max_length
    with mock.patch("insights.scoring.queue_round_scoring"):
        response = submit(open_round, 0, GOOD)
        assert scoring.response_score(response_id=response.pk) == 1
        assert AnswerScore.objects.get(response=response).engine_version == ENGINE_VERSION
        # The member revises; by then a newer engine runs: the new reading carries its version.
        invitation = Invitation.objects.filter(round=open_round).order_by("pk")[0]
        response_submit(invitation=invitation, answers=answers(OFF), seen_revision=1)
        with mock.patch("insights.scoring.ENGINE_VERSION", "99.0"):
            assert scoring.response_score(response_id=response.pk) == 1
    score = AnswerScore.objects.get(response=response)
    assert score.engine_version == "99.0" and score.revision == 2
