# Pulse links' tokens are no longer stored: each invitation keeps the SHA-256 of
# its link's token, which is derived from the round, the person and SECRET_KEY
# (surveys.models.link_token), so the worker can still mail it. Links already
# emailed carried random tokens; their hashes are kept in `legacy_token_hash`, so
# they keep opening. Backwards, the derived token is written as the plain token.
#
# Also drops PulseRound.scoring_queued, unused since insights.ScoringClaim.

from django.db import migrations, models

from surveys.models import link_token, token_hash

BATCH = 2000


def tokens_to_hashes(apps, schema_editor):
    Invitation = apps.get_model("surveys", "Invitation")
    invitations = Invitation.objects.using(schema_editor.connection.alias)
    rows = invitations.order_by("pk").values_list("pk", "round_id", "user_id", "token")
    last = 0
    while True:
        batch = [
            Invitation(
                pk=pk,
                token_hash=token_hash(link_token(round_id, user_id)),
                legacy_token_hash=token_hash(token) if token else None,
            )
            for pk, round_id, user_id, token in rows.filter(pk__gt=last)[:BATCH]
        ]
        if not batch:
            return
        invitations.bulk_update(batch, ["token_hash", "legacy_token_hash"])
        last = batch[-1].pk


def derived_tokens_back(apps, schema_editor):
    Invitation = apps.get_model("surveys", "Invitation")
    invitations = Invitation.objects.using(schema_editor.connection.alias)
    rows = invitations.order_by("pk").values_list("pk", "round_id", "user_id")
    last = 0
    while True:
        batch = [
            Invitation(pk=pk, token=link_token(round_id, user_id))
            for pk, round_id, user_id in rows.filter(pk__gt=last)[:BATCH]
        ]
        if not batch:
            return
        invitations.bulk_update(batch, ["token"])
        last = batch[-1].pk


class Migration(migrations.Migration):
    dependencies = [
        ("surveys", "0008_invitation_withdrawn"),
    ]

    operations = [
        migrations.AddField(
            model_name="invitation",
            name="token_hash",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="invitation",
            name="legacy_token_hash",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        # Nullable and not unique for the moment it takes: backwards, the column comes
        # back empty and is filled before it is made unique again.
        migrations.AlterField(
            model_name="invitation",
            name="token",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.RunPython(tokens_to_hashes, derived_tokens_back),
        migrations.RemoveField(model_name="invitation", name="token"),
        migrations.AlterField(
            model_name="invitation",
            name="token_hash",
            field=models.CharField(editable=False, max_length=64, unique=True),
        ),
        migrations.AlterField(
            model_name="invitation",
            name="legacy_token_hash",
            field=models.CharField(editable=False, max_length=64, null=True, unique=True),
        ),
        migrations.RemoveField(model_name="pulseround", name="scoring_queued"),
    ]
