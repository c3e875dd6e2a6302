"""Rounds closed before their rows were stored anew at close (commit 3104ea4) still hold their
answers and scores in the order people answered. Their summaries are marked stale: the sweep
then recomputes each one, and insights.summaries stores a closed round's answers, scores and
marks again in random order (insights.anonymity) before it sums them up. Done this way, the
migration runs no application code and is quick on any size; the sweep works through the
rounds in the background (500 a minute)."""

from django.db import migrations


def closed_rounds_stale(apps, schema_editor):
    RoundSummary = apps.get_model("insights", "RoundSummary")
    RoundSummary.objects.using(schema_editor.connection.alias).filter(round__status="closed").update(
        stale=True
    )
    if schema_editor.connection.vendor == "postgresql":
        # Fresh statistics after a table-wide update: with stale ones the planner reads every
        # summary of every unit to find undecided rounds (insights.disclosure), 29 s a page at
        # 10,000 units, until autovacuum gets to it.
        schema_editor.execute("ANALYZE insights_roundsummary")


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0004_cohort"),
        ("surveys", "0007_closed_rounds_forget_answer_times"),
    ]

    operations = [migrations.RunPython(closed_rounds_stale, migrations.RunPython.noop, elidable=True)]
