"""Round summaries say when their situation was a close call (alignment.team.SituationModel), and
keep the spread of their answers' alignment (whether a change could be noise, on the org table).

Summaries decided before are marked stale, so the sweep works through them in the background
(as in 0005) and each gains its close call and spread; nothing else in them moves, because the
situation model is the one they were decided with."""

from django.db import migrations, models


def decided_summaries_stale(apps, schema_editor):
    RoundSummary = apps.get_model("insights", "RoundSummary")
    RoundSummary.objects.using(schema_editor.connection.alias).filter(respondents__gt=0).update(stale=True)
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
        migrations.RunPython(decided_summaries_stale, migrations.RunPython.noop, elidable=True),
    ]
