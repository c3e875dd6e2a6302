"""Addresses saved in mixed case before sign-in ignored case are lowercased by teams.0002."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("teams", "0001_initial")]


@pytest.mark.django_db(transaction=True)
def test_mixed_case_addresses_are_lowercased_unless_the_lowercase_one_is_taken():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    User = executor.loader.project_state(BEFORE).apps.get_model("teams", "User")
    for email in ("Mixed@Case.Example", "Dup@Demo.Example", "dup@demo.example", "plain@demo.example"):
        User.objects.create(email=email, password="x")
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    emails = sorted(User.objects.values_list("email", flat=True))
    assert emails == ["Dup@Demo.Example", "dup@demo.example", "mixed@case.example", "plain@demo.example"]
