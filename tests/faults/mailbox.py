"""An email backend another process can read: one file per message in FAULT_MAIL_DIR.

The suite's workers are separate processes, so Django's locmem outbox can't be
seen from the test. Each message is written whole (to a hidden file, then
renamed), so a worker killed mid-write leaves no half message to count.
FAULT_MAIL_PAUSE (seconds) is how long each send takes, as an SMTP server
would, so a kill can land in the middle of a batch.
"""

import os
import time
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class EmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        folder = Path(os.environ["FAULT_MAIL_DIR"])
        pause = float(os.environ.get("FAULT_MAIL_PAUSE") or 0)
        for message in email_messages:
            time.sleep(pause)
            name = uuid.uuid4().hex
            partial = folder / f".{name}.part"
            partial.write_bytes(message.message().as_bytes())
            partial.rename(folder / f"{name}.eml")
        return len(email_messages)
