"""An existing database moves forward through the architecture change with nothing lost.

Builds a database at the schema the product had before (purpose holding the
round summaries and cascade scores, answer scores as columns of responses:
tests/migrations/legacy_purpose), fills it the way the product did, then runs
today's migrations and reads everything back through today's models. On
SQLite (the embedded mode) and on PostgreSQL (production).
"""

import copy
import os
import uuid
from datetime import UTC, datetime, timedelta

import numpy as np
import psycopg
import pytest
from django.core.management import call_command
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import override_settings

from insights.models import AnswerScore, CascadeScore, RoundSummary
from purpose.models import PurposeStatement
from surveys.models import Response
from teams.models import AuditEvent

ALIAS = "legacy"
LEGACY_MODULES = {"purpose": "tests.migrations.legacy_purpose", "insights": None, "demo": None}
BEFORE = [("teams", "0001_initial"), ("purpose", "0004_cascade"), ("surveys", "0005_agree_item_labels")]
T0 = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def legacy_db(request, tmp_path, django_db_blocker):
    default = connections.settings["default"]
    config = copy.deepcopy(default)
    if request.param == "sqlite":
        config.update(ENGINE="django.db.backends.sqlite3", NAME=str(tmp_path / "before.sqlite3"), OPTIONS={})
        config["CONN_MAX_AGE"] = 0
    else:
        assert default["ENGINE"] == "django.db.backends.postgresql"
        config["NAME"] = "_".join(
            filter(None, ("test_purpose_pulse_before", os.environ.get("PYTEST_XDIST_WORKER")))
        )
        _postgres(default, f"DROP DATABASE IF EXISTS {config['NAME']}", f"CREATE DATABASE {config['NAME']}")
    connections.settings[ALIAS] = config
    with django_db_blocker.unblock():
        yield ALIAS
        connections[ALIAS].close()
    del connections[ALIAS]
    del connections.settings[ALIAS]
    if request.param == "postgresql":
        _postgres(default, f"DROP DATABASE IF EXISTS {config['NAME']}")


def _postgres(config: dict, *statements: str) -> None:
    with psycopg.connect(
        host=config["HOST"] or "127.0.0.1",
        port=config["PORT"] or 5432,
        user=config["USER"] or "postgres",
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        for statement in statements:
            conn.execute(statement)


def _fill_as_before(alias: str) -> dict:
    """What the product wrote before the change: statements, a scored closed round, audit rows."""
    apps = MigrationExecutor(connections[alias]).loader.project_state(BEFORE).apps

    def make(app_model: str, **fields):
        return apps.get_model(app_model).objects.using(alias).create(**fields)

    org = make("teams.Organization", name="Acme", slug="acme")
    leader = make("teams.User", email="lee@acme.example", name="Lee", organization=org, password="!")
    parent = make("teams.Unit", organization=org, name="Product", kind="division")
    team = make("teams.Unit", organization=org, name="Payments", parent=parent, kind="team")
    make("teams.Membership", unit=team, user=leader, role="leader")
    make("purpose.PurposeStatement", unit=parent, version=1, purpose="We build what customers love.")
    make("purpose.PurposeStatement", unit=team, version=1, purpose="We take card payments.", author=leader)
    v2 = make(
        "purpose.PurposeStatement",
        unit=team,
        version=2,
        purpose="We make card payments effortless for small shops.",
        fit="Everything else builds on what we capture.",
        key_ideas=["Card payments are effortless", "For small shops"],
        author=leader,
        cascade_score=47.5,
        cascade_label="strong",
        cascade_parent_version=1,
    )
    audit = make("teams.AuditEvent", organization=org, actor=leader, action="purpose.edit", unit=team)
    pulse_round = make(
        "surveys.PulseRound",
        unit=team,
        purpose_statement=v2,
        scheduled_for=T0,
        opens_at=T0,
        closes_at=T0 + timedelta(days=5),
        closed_at=T0 + timedelta(days=5),
        status="closed",
        invited_count=4,
    )
    scores = {}
    for i, alignment in enumerate([71.25, 40.5, None]):
        vector = np.full(384, 0.05 * (i + 1), dtype=np.float32)
        response = make(
            "surveys.Response",
            id=uuid.uuid4(),
            round=pulse_round,
            purpose_text=f"answer {i}",
            fit_text="fit",
            understands_purpose=4,
            sees_contribution=3,
            shapes_direction=2,
            revision=1 + i,
            alignment=alignment,
            fit_alignment=30.0 + i,
            fit_parent_alignment=20.0 + i,
            idea_hits=[True, i == 0],
            scored_model="minilm-l6-v2-int8",
            engine_version="1.1",
            scored_at=T0 + timedelta(days=5),
            needs_scoring=False,
            vector=vector.tobytes(),
        )
        scores[response.pk] = (alignment, 30.0 + i, 20.0 + i, [True, i == 0], 1 + i, vector)
    waiting = make(
        "surveys.Response",
        id=uuid.uuid4(),
        round=pulse_round,
        purpose_text="not scored yet",
        fit_text="fit",
        understands_purpose=3,
        sees_contribution=3,
        shapes_direction=3,
    )
    summary = make(
        "purpose.RoundSummary",
        round=pulse_round,
        unit=team,
        closes_at=pulse_round.closes_at,
        is_final=True,
        invited=4,
        answered=4,
        respondents=2,
        alignment=55.875,
        agreement=33.0,
        situation="split",
        ideas=["Card payments are effortless", "For small shops"],
        idea_shares=[1.0, 0.5],
        scores=[40.5, 71.2],
        scored_model="minilm-l6-v2-int8",
    )
    return {
        "scores": scores,
        "waiting": waiting.pk,
        "summary": summary.pk,
        "round": pulse_round.pk,
        "statement": v2.pk,
        "audit": audit.pk,
        "statements": 3,
    }


def test_an_existing_database_migrates_with_nothing_lost(legacy_db):
    with override_settings(MIGRATION_MODULES=LEGACY_MODULES):
        call_command("migrate", "surveys", "0005_agree_item_labels", database=legacy_db, verbosity=0)
        call_command("migrate", "purpose", "0004_cascade", database=legacy_db, verbosity=0)
        before = _fill_as_before(legacy_db)

    call_command("migrate", database=legacy_db, verbosity=0)

    db = legacy_db
    stored = {s.response_id: s for s in AnswerScore.objects.using(db).all()}
    assert set(stored) == set(before["scores"])  # the waiting answer has no score, and still waits
    for response_id, (alignment, fit, fit_parent, hits, revision, vector) in before["scores"].items():
        score = stored[response_id]
        assert (score.alignment, score.fit_alignment, score.fit_parent_alignment) == (
            alignment,
            fit,
            fit_parent,
        )
        assert score.idea_hits == hits and score.revision == revision
        assert score.encoder == "minilm-l6-v2-int8" and score.engine_version == "1.1"
        assert np.array_equal(np.frombuffer(bytes(score.vector), dtype=np.float32), vector)
    assert Response.objects.using(db).get(pk=before["waiting"]).needs_scoring is True

    summary = RoundSummary.objects.using(db).get(pk=before["summary"])
    assert summary.round_id == before["round"] and summary.situation == "split"
    assert (summary.alignment, summary.respondents, summary.idea_shares) == (55.875, 2, [1.0, 0.5])

    cascade = CascadeScore.objects.using(db).get(statement_id=before["statement"])
    assert (cascade.score, cascade.label, cascade.parent_version) == (47.5, "strong", 1)
    assert PurposeStatement.objects.using(db).count() == before["statements"]
    statement = PurposeStatement.objects.using(db).get(pk=before["statement"])
    assert statement.key_ideas == ["Card payments are effortless", "For small shops"]
    assert AuditEvent.objects.using(db).filter(pk=before["audit"], action="purpose.edit").exists()

    # The tables now match the models: a new answer saves, the old columns are gone.
    response = Response.objects.using(db).get(pk=before["waiting"])
    response.pk = uuid.uuid4()
    response.save(using=db)
    with connections[db].cursor() as cursor:
        columns = {
            c.name for c in connections[db].introspection.get_table_description(cursor, "surveys_response")
        }
        tables = connections[db].introspection.table_names(cursor)
    assert "alignment" not in columns and "scored_at" not in columns
    assert "purpose_roundsummary" not in tables and "insights_roundsummary" in tables
    # Running it again changes nothing.
    call_command("migrate", database=db, verbosity=0)
    assert AnswerScore.objects.using(db).count() == len(before["scores"])


def test_a_new_database_migrates_from_nothing(legacy_db):
    call_command("migrate", database=legacy_db, verbosity=0)
    with connections[legacy_db].cursor() as cursor:
        tables = connections[legacy_db].introspection.table_names(cursor)
    assert {"insights_roundsummary", "insights_answerscore", "insights_cascadescore"} <= set(tables)
    assert "purpose_roundsummary" not in tables
