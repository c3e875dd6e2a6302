"""Opening a round in the embedded mode (DEV_MODE: SQLite and the filesystem broker).

PostgreSQL takes a round's invitations by COPY; SQLite has none, so they go in by
bulk_create (surveys.rounds._invitations_insert). The suite runs on PostgreSQL, so
this opens a real round in a separate process on a fresh SQLite database, the way
`make run` does, and reads back what it wrote and queued.
"""

import base64
import json
import subprocess
import sys
from pathlib import Path

from tests.test_config import clean_environment

ROOT = Path(__file__).resolve().parent.parent.parent

OPEN_A_ROUND = """
import json
from datetime import timedelta

import django

django.setup()
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from purpose.models import PurposeStatement
from surveys.models import Invitation, link_token_hash
from surveys.rounds import round_open
from teams.models import Membership, Organization, Unit, User

call_command("migrate", verbosity=0)
organization = Organization.objects.create(name="Embedded", slug="embedded")
unit = Unit.objects.create(organization=organization, name="Payments")
leader = User.objects.create(email="lead@example.com", organization=organization)
Membership.objects.create(unit=unit, user=leader, role=Membership.Role.LEADER)
members = [User.objects.create(email=f"m{i}@example.com", organization=organization) for i in range(7)]
for member in members:
    Membership.objects.create(unit=unit, user=member)
members[-1].is_active = False
members[-1].save()
PurposeStatement.objects.create(unit=unit, version=1, purpose="We take card payments.", author=leader)
now = timezone.now()
pulse_round = round_open(unit=unit, scheduled_for=now, closes_at=now + timedelta(days=5), remind_at=None, now=now)
invitations = Invitation.objects.filter(round=pulse_round)
print(json.dumps({
    "vendor": connection.vendor,
    "invited_count": pulse_round.invited_count,
    "invited": sorted(i.user.email for i in invitations),
    "ids": sorted(invitations.values_list("pk", flat=True)),
    "hashes_match": all(i.token_hash == link_token_hash(pulse_round.pk, i.user_id) for i in invitations),
    "queued_at_set": all(i.queued_at == now for i in invitations),
    "nothing_else_set": not invitations.exclude(sent_at=None, withdrawn_at=None, withdrawn_reason="").exists(),
}))
"""


def test_a_round_opens_on_sqlite_with_every_invitation_and_its_email_queued(tmp_path):
    env = clean_environment(DEV_MODE="true", DATA_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-c", OPEN_A_ROUND], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr
    opened = json.loads(result.stdout.strip().splitlines()[-1])
    assert opened["vendor"] == "sqlite"
    # Six active members invited; neither the leader nor the deactivated member.
    assert opened["invited"] == [f"m{i}@example.com" for i in range(6)]
    assert opened["invited_count"] == 6
    assert opened["hashes_match"] and opened["queued_at_set"] and opened["nothing_else_set"]

    # One email task on the filesystem broker, carrying exactly the invitations' ids.
    messages = [json.loads(path.read_text()) for path in (tmp_path / "celery-broker" / "queue").iterdir()]
    assert [m["headers"]["task"] for m in messages] == ["surveys.tasks.send_invitations"]
    args, _kwargs, _embed = json.loads(base64.b64decode(messages[0]["body"]))
    assert sorted(args[0]) == opened["ids"]
