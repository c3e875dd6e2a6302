"""The purpose app's migrations as they were before the architecture change (frozen).

Until then purpose.0003 created the round summaries' table, with a dependency
on surveys; tests/migrations/test_move_forward.py builds a database with these
to check that an existing installation migrates with nothing lost.
"""
