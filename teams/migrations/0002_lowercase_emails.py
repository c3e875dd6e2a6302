"""Addresses are stored lowercase and sign-in lowercases what is typed, so an
address saved in mixed case before (the admin kept the case it was typed in)
is lowercased here, unless another account already holds that lowercase form."""

from django.db import migrations
from django.db.models.functions import Lower


def lowercase_emails(apps, schema_editor):
    # On the database being migrated, which need not be the default one.
    users = apps.get_model("teams", "User").objects.using(schema_editor.connection.alias)
    taken = set(users.values_list("email", flat=True))
    for user in users.exclude(email=Lower("email")).only("pk", "email"):
        lower = user.email.strip().lower()
        if lower not in taken:
            taken.add(lower)
            users.filter(pk=user.pk).update(email=lower)


class Migration(migrations.Migration):
    dependencies = [("teams", "0001_initial")]

    operations = [migrations.RunPython(lowercase_emails, migrations.RunPython.noop)]
