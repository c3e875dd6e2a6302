# The cascade score moved to insights.CascadeScore. State only: the columns
# are copied and then dropped by insights.0001, which can read both apps'
# tables (purpose must not depend on insights).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('purpose', '0004_cascade'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name='purposestatement', name='cascade_label'),
                migrations.RemoveField(model_name='purposestatement', name='cascade_parent_version'),
                migrations.RemoveField(model_name='purposestatement', name='cascade_score'),
            ],
            database_operations=[],
        ),
    ]
