# Answer scores moved to insights.AnswerScore (one row per response). State
# only: insights.0001 copies the columns into its table and then drops them
# (surveys must not depend on insights).

from django.db import migrations

MOVED = [
    'alignment',
    'fit_alignment',
    'fit_parent_alignment',
    'idea_hits',
    'scored_model',
    'engine_version',
    'scored_at',
    'vector',
]


class Migration(migrations.Migration):

    dependencies = [
        ('surveys', '0005_agree_item_labels'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveField(model_name='response', name=name) for name in MOVED],
            database_operations=[],
        ),
    ]
