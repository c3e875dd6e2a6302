# Closing a round now clears its invitations' answer times (surveys.rounds.round_close):
# kept, each would date an answer and so name its author. Rounds closed before that
# lose theirs here. Nothing counts them after close (answers are counted from the
# responses), so there is nothing to put back.

from django.db import migrations


def forget_answer_times(apps, schema_editor):
    Invitation = apps.get_model("surveys", "Invitation")
    invitations = Invitation.objects.using(schema_editor.connection.alias)
    invitations.filter(round__status="closed", answered_at__isnull=False).update(answered_at=None)


class Migration(migrations.Migration):

    dependencies = [
        ("surveys", "0006_scores_moved"),
    ]

    operations = [
        migrations.RunPython(forget_answer_times, migrations.RunPython.noop, elidable=True),
    ]
