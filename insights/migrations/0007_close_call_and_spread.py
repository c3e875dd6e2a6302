"""Round summaries say when their situation was a close call (alignment.team.SituationModel), and
keep the spread of their answers' alignment (whether a team's change could be noise).

The spread of every summary is worked out here from the scores it keeps (rounded to 0.1; the
next recompute stores it exactly). A close call needs the engine, so only the summary each page
shows, a unit's latest final one, is marked stale: the sweep recomputes those in the background
(500 a minute; nothing else in them moves, the situation model being the one they were decided
with). Older rounds keep no close call."""

import statistics

from django.db import migrations, models
from django.db.models import OuterRef, Subquery

BATCH = 2000


def spread_kept_and_latest_stale(apps, schema_editor):
    RoundSummary = apps.get_model("insights", "RoundSummary")
    summaries = RoundSummary.objects.using(schema_editor.connection.alias)
    batch = []
    for pk, scores in (
        summaries.filter(respondents__gte=2).values_list("pk", "scores").iterator(chunk_size=BATCH)
    ):
        values = [float(s) for s in scores or [] if s is not None]
        if len(values) >= 2:
            batch.append(RoundSummary(pk=pk, alignment_sd=statistics.stdev(values)))
        if len(batch) >= BATCH:
            summaries.bulk_update(batch, ["alignment_sd"])
            batch = []
    if batch:
        summaries.bulk_update(batch, ["alignment_sd"])
    latest = summaries.filter(unit=OuterRef("unit"), is_final=True).order_by("-closes_at").values("pk")[:1]
    summaries.filter(is_final=True, pk=Subquery(latest)).exclude(situation="").update(stale=True)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ANALYZE insights_roundsummary")


class Migration(migrations.Migration):
    dependencies = [("insights", "0006_figures_kept")]

    operations = [
        migrations.AddField(
            model_name="roundsummary",
            name="situation_close_call",
            field=models.CharField(
                blank=True,
                help_text="The runner-up situation when the engine found it nearly as likely (a close call).",
                max_length=16,
            ),
        ),
        migrations.AddField(
            model_name="roundsummary",
            name="alignment_sd",
            field=models.FloatField(
                blank=True,
                help_text="Sample standard deviation of the answers' alignment (two or more).",
                null=True,
            ),
        ),
        migrations.RunPython(spread_kept_and_latest_stale, migrations.RunPython.noop, elidable=True),
    ]
