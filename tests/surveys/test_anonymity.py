"""Once a round closes, nothing stored puts its answers back in the order people gave them.

Twelve members answer one after another (three revise), each answer scored
seconds later and marked by the leader as it comes in: the worst case, where
every table's storage follows the order of answering. After the close and its
steps (surveys' close, insights' receiver, the final summary), the round's rows
of the answers, their scores and the marks are listed ordered by each of their
columns and each system column (PostgreSQL: ctid, xmin, cmin...; SQLite:
rowid), and no listing may give the members in the order they first answered or
last revised, or its reverse. The shuffles are made to give fixed orders the
test chooses, far from the order of answering, and the stored order is checked
against them exactly: nothing here passes or fails by chance.
"""

import uuid
from datetime import UTC, datetime, timedelta
from itertools import combinations
from unittest import mock

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from insights import anonymity
from insights.models import AnswerScore, LeaderMark, RoundSummary
from insights.queue import SUMMARIZE_ROUND
from insights.scoring import round_score_waiting
from insights.summaries import round_summarize
from surveys import rounds
from surveys.answering import response_submit
from surveys.models import Invitation, Response
from surveys.rounds import round_close, round_open
from surveys.selectors import past_rounds, round_rate
from teams.models import Membership
from tests.factories import AnswerScoreFactory, MembershipFactory, ResponseFactory, closed_round_with_summary

# Real commits: the close's deferred key checks run, and its receivers with them.
pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# Members are numbered in the order they first answer. Each answer has its own words,
# in no order of their own, so each stored row can be traced to its writer.
TEXTS = [
    "Small shops take card payments without any fuss.",
    "We keep the payment flow running for everyone else in Product.",
    "Honestly, I mostly fix whatever breaks that week.",
    "Every sale a small business makes goes through, first time.",
    "We make accepting cards effortless for small businesses.",
    "Payments: the thing every other team builds on.",
    "I think we help the company grow.",
    "Getting shops paid for every sale, simply and reliably.",
    "We run the card terminals and the checkout.",
    "Making card payments easy so that small shops never lose a sale.",
    "Answering merchants' questions about their payouts.",
    "A checkout that just works for the corner shop.",
]
AGREE = [(4, 3, 2), (2, 5, 3), (5, 1, 4), (3, 4, 1), (4, 2, 5), (1, 3, 3), (5, 4, 2), (2, 2, 4)]
QUESTIONS = ["", "When do we get the new terminals?", "", "Could we hear more about fees?", ""]
REVISIONS = [(8, 3), (1, 4), (4, 5), (4, 6)]  # (member, hours after opening), in that order
# The orders the shuffles are made to give (members, from first row to last): surveys' and
# insights' differ, so a score's place doesn't give its answer's either.
ANSWERS_STORED = [7, 2, 10, 4, 0, 9, 5, 11, 1, 6, 3, 8]
SCORES_STORED = [3, 9, 0, 6, 11, 1, 8, 4, 10, 2, 7, 5]


def answers(member: int, revision: int = 0) -> dict:
    understands, sees, shapes = AGREE[(member * 5 + revision) % len(AGREE)]
    text = TEXTS[member] if not revision else f"{TEXTS[member]} (Changed my mind, take {revision}.)"
    return {
        "purpose_text": text,
        "fit_text": f"My part: {TEXTS[(member * 7) % len(TEXTS)].lower()}",
        "understands_purpose": understands,
        "sees_contribution": sees,
        "shapes_direction": shapes,
        "question_for_leader": QUESTIONS[(member * 3) % len(QUESTIONS)],
    }


FIRST_ANSWERED = list(range(12))
LAST_SAVED = [m for m in FIRST_ANSWERED if m not in {m for m, _ in REVISIONS}] + [8, 1, 4]
ANSWERING_ORDERS = [FIRST_ANSWERED, FIRST_ANSWERED[::-1], LAST_SAVED, LAST_SAVED[::-1]]


class FixedOrder:
    """Stands in for the shuffles' SystemRandom: puts any list of keys in a chosen order of members."""

    def __init__(self, order: list[int], member_of):
        self.place = {member: place for place, member in enumerate(order)}
        self.member_of = member_of

    def shuffle(self, keys: list) -> None:
        keys.sort(key=lambda key: self.place[self.member_of(key)])


def kendall_tau(order: list[int]) -> float:
    pairs = list(combinations(order, 2))
    return sum(1 if a < b else -1 for a, b in pairs) / len(pairs)


# --- Reading the tables as a dump would ------------------------------------------------------


def system_columns() -> list[str]:
    if connection.vendor == "postgresql":
        # xid and cid have no ordering; as numbers they sort by transaction and by statement.
        return ["ctid", "tableoid"] + [f"{c}::text::bigint" for c in ("xmin", "xmax", "cmin", "cmax")]
    return ["rowid"]


def physical_position() -> str:
    return "ctid" if connection.vendor == "postgresql" else "rowid"


TABLES = {
    # table: (column naming the response, rows of the round)
    "surveys_response": ("id", "round_id = %s"),
    "insights_answerscore": (
        "response_id",
        "response_id IN (SELECT id FROM surveys_response WHERE round_id = %s)",
    ),
    "insights_leadermark": ("response_id", "round_id = %s"),
}


def table_columns(table: str) -> list[str]:
    with connection.cursor() as cursor:
        described = connection.introspection.get_table_description(cursor, table)
    return [connection.ops.quote_name(column.name) for column in described]


def members_ordered_by(table: str, column: str, round_id: int, member_of: dict) -> list[int]:
    """The members whose rows these are, as `ORDER BY column` lists them (equal values in the
    order the rows are stored, as a query or a dump gives them)."""
    key, where = TABLES[table]
    tie = physical_position()
    sql = f"SELECT {key} FROM {table} WHERE {where} ORDER BY {column}, {tie}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [round_id])
        members = [member_of[uuid.UUID(str(response_id))] for (response_id,) in cursor.fetchall()]
    assert sorted(members) == FIRST_ANSWERED, f"{table}: one row per member"
    return members


def stored_order(table: str, round_id: int, member_of: dict) -> list[int]:
    return members_ordered_by(table, physical_position(), round_id, member_of)


# --- The round -------------------------------------------------------------------------------


@pytest.fixture
def queued():
    """Tasks are recorded, not sent: the close's steps are run here, in order."""
    with mock.patch("insights.queue.current_app.send_task") as send_task:
        yield send_task


@pytest.fixture
def fresh_tables(db):
    """On PostgreSQL, rows rolled back by earlier tests leave space a later insert may fill, out
    of turn; empty tables make the physical order exactly the order rows were written in."""
    if connection.vendor == "postgresql":
        assert not Response.objects.exists() and not AnswerScore.objects.exists()
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE surveys_response, insights_answerscore, insights_leadermark")


@pytest.fixture
def answered_round(fresh_tables, team, leader, statement, queued):
    """Twelve members answer in turn, each answer scored and marked as it comes; three revise."""
    users = [MembershipFactory(unit=team, role=Membership.Role.MEMBER).user for _ in TEXTS]
    pulse_round = round_open(
        unit=team, scheduled_for=T0, closes_at=T0 + timedelta(days=5), remind_at=None, now=T0
    )
    # Invitations are numbered in membership order; members answer in another.
    invitations = {i: Invitation.objects.get(round=pulse_round, user=users[(i * 5) % 12]) for i in range(12)}
    member_of = {}
    for member in range(12):
        saved = response_submit(
            invitation=invitations[member],
            answers=answers(member),
            seen_revision=0,
            now=T0 + timedelta(minutes=10 * (member + 1)),
        )
        member_of[saved.pk] = member
        round_score_waiting(round_id=pulse_round.pk)
        LeaderMark.objects.create(response=saved, round=pulse_round, marked_by=leader, mark="yes")
    for number, (member, hours) in enumerate(REVISIONS, start=1):
        current = Response.objects.get(invitation=invitations[member])
        response_submit(
            invitation=invitations[member],
            answers=answers(member, number),
            seen_revision=current.revision,
            now=T0 + timedelta(hours=hours),
        )
        round_score_waiting(round_id=pulse_round.pk)
    return pulse_round, member_of


def test_the_chosen_orders_are_far_from_the_order_of_answering():
    for order in (ANSWERS_STORED, SCORES_STORED):
        assert sorted(order) == FIRST_ANSWERED
        assert abs(kendall_tau(order)) < 0.2  # against the order of first answers
        assert abs(kendall_tau([order.index(m) for m in LAST_SAVED])) < 0.2


@pytest.fixture
def fixed_orders(answered_round, monkeypatch):
    """The shuffles give ANSWERS_STORED (surveys) and SCORES_STORED (insights)."""
    _, member_of = answered_round

    def member_of_key(key) -> int:
        if isinstance(key, int):  # a leader's mark
            key = LeaderMark.objects.values_list("response_id", flat=True).get(pk=key)
        return member_of[key]

    monkeypatch.setattr(rounds, "ORDER_RNG", FixedOrder(ANSWERS_STORED, member_of_key))
    monkeypatch.setattr(anonymity, "ORDER_RNG", FixedOrder(SCORES_STORED, member_of_key))


def test_after_close_no_column_lists_people_in_the_order_they_answered(
    answered_round, fixed_orders, queued, login, leader, team
):
    pulse_round, member_of = answered_round
    # Before: storage follows the order of answering, so the test can see it.
    for table in TABLES:
        before = stored_order(table, pulse_round.pk, member_of)
        assert before in (FIRST_ANSWERED, LAST_SAVED), table
    assert Invitation.objects.filter(round=pulse_round, answered_at__isnull=False).count() == 12
    rate_before = str(round_rate(pulse_round))
    readings_before = round_summarize(round_id=pulse_round.pk)
    saved_before = set(
        Response.objects.filter(round=pulse_round).values_list("pk", "purpose_text", "fit_text")
    )

    queued.reset_mock()
    assert round_close(round_id=pulse_round.pk, now=T0 + timedelta(days=5))
    # The answers at once, in the close's transaction; insights' rows by the final summary,
    # which the close queued (run here), before it reads them.
    assert stored_order("surveys_response", pulse_round.pk, member_of) == ANSWERS_STORED
    assert [c.args[0] for c in queued.call_args_list] == [SUMMARIZE_ROUND]
    summary = round_summarize(round_id=pulse_round.pk)

    for table, order in [
        ("surveys_response", ANSWERS_STORED),
        ("insights_answerscore", SCORES_STORED),
        ("insights_leadermark", SCORES_STORED),
    ]:
        assert stored_order(table, pulse_round.pk, member_of) == order, table
        for column in table_columns(table) + system_columns():
            listed = members_ordered_by(table, column, pulse_round.pk, member_of)
            assert listed not in ANSWERING_ORDERS, f"{table}.{column} lists people in the order they answered"

    # No answer times, no links, no revision counts; every answer and reading kept.
    assert not Invitation.objects.filter(round=pulse_round, answered_at__isnull=False).exists()
    assert not Response.objects.filter(round=pulse_round, invitation__isnull=False).exists()
    assert set(Response.objects.filter(round=pulse_round).values_list("revision", flat=True)) == {1}
    assert set(Response.objects.filter(round=pulse_round).values_list("pk", "purpose_text", "fit_text")) == (
        saved_before
    )
    assert set(
        AnswerScore.objects.filter(response__round=pulse_round).values_list("revision", flat=True)
    ) == {1}
    assert LeaderMark.objects.filter(round=pulse_round).count() == 12

    # The counts and figures are those from before the close.
    assert summary.is_final and summary.answered == 12 and summary.invited == 12
    assert summary.respondents == readings_before.respondents > 0
    assert summary.alignment == pytest.approx(readings_before.alignment)
    assert summary.agree_means == pytest.approx(readings_before.agree_means)
    (_, rate_after), *_ = past_rounds(team)
    assert str(rate_after) == rate_before
    page = login(leader).get(reverse("unit_pulses", args=[team.pk])).content.decode()
    assert rate_before in page


def test_an_answer_scored_after_the_close_does_not_stand_apart(answered_round, fixed_orders, queued):
    """Member 9 changes their answer seconds before the close, too late to be scored before it.
    Scored after, its rows would be the last written; the summary that follows the score stores
    the round anew, so they sit among the others, written by the same transaction."""
    pulse_round, member_of = answered_round
    late = Response.objects.get(pk=next(pk for pk, member in member_of.items() if member == 9))
    closes = T0 + timedelta(days=5)
    response_submit(
        invitation=late.invitation,
        answers=answers(9, 1),
        seen_revision=late.revision,
        now=closes - timedelta(seconds=2),
    )
    assert round_close(round_id=pulse_round.pk, now=closes)
    assert round_summarize(round_id=pulse_round.pk).is_final  # queued by the close
    assert round_score_waiting(round_id=pulse_round.pk) == 1  # queued by the answer, run late
    summary = round_summarize(round_id=pulse_round.pk)  # asked for by the late score

    assert summary.respondents == summary.answered == 12
    assert AnswerScore.objects.get(response=late).revision == 1
    assert stored_order("surveys_response", pulse_round.pk, member_of) == ANSWERS_STORED
    for table in ("insights_answerscore", "insights_leadermark"):
        assert stored_order(table, pulse_round.pk, member_of) == SCORES_STORED, table
    if connection.vendor == "postgresql":
        for table, (_, where) in TABLES.items():
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT COUNT(DISTINCT xmin::text) FROM {table} WHERE {where}", [pulse_round.pk]
                )
                assert cursor.fetchone() == (1,), table


def test_no_final_summary_is_made_before_the_rows_are_stored_anew(answered_round, fixed_orders):
    """If the rewrite fails, so does the summary, and the task is retried: a final summary never
    reads, or shows, rows still in the order they were written."""
    pulse_round, member_of = answered_round
    assert round_close(round_id=pulse_round.pk, now=T0 + timedelta(days=5))
    with mock.patch("insights.anonymity.LeaderMark.objects.in_bulk", side_effect=RuntimeError("gone")):
        with pytest.raises(RuntimeError):
            round_summarize(round_id=pulse_round.pk)
    assert not RoundSummary.objects.filter(round=pulse_round, is_final=True).exists()
    assert stored_order("insights_answerscore", pulse_round.pk, member_of) in (FIRST_ANSWERED, LAST_SAVED)
    assert round_summarize(round_id=pulse_round.pk).is_final  # the retry
    assert stored_order("insights_answerscore", pulse_round.pk, member_of) == SCORES_STORED


def test_closing_a_round_nobody_answered_changes_nothing_else(team, statement, queued):
    MembershipFactory(unit=team, role=Membership.Role.MEMBER)
    pulse_round = round_open(
        unit=team, scheduled_for=T0, closes_at=T0 + timedelta(days=5), remind_at=None, now=T0
    )
    assert round_close(round_id=pulse_round.pk, now=T0 + timedelta(days=5))
    assert round_summarize(round_id=pulse_round.pk).answered == 0
    assert RoundSummary.objects.get(round=pulse_round).is_final


def test_a_score_left_without_its_answer_is_refused_at_commit(team):
    """What lets the close delete answers and write them again under insights' rows: the keys to
    answers are checked at commit, so the rewrite commits only if every answer is back."""
    summary = closed_round_with_summary(team, closes_at=T0, respondents=1, alignment=50.0)
    score = AnswerScoreFactory(response=ResponseFactory(round=summary.round))
    key = Response._meta.pk.get_db_prep_value(score.pk, connection)
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM surveys_response WHERE id = %s", [key])
    assert Response.objects.filter(pk=score.pk).exists()
