import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('insights', '0002_leader_mark'),
        ('surveys', '0006_scores_moved'),
    ]

    operations = [
        migrations.CreateModel(
            name='ScoringClaim',
            fields=[
                ('round', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='scoring_claim', serialize=False, to='surveys.pulseround')),
                ('queued_at', models.DateTimeField()),
            ],
        ),
    ]
