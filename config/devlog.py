"""What `make run`'s terminal shows: one readable line per email, one line per refused request.

`LogEmailBackend` is the embedded development mode's email backend: instead of the console
backend's whole MIME message (which the Celery worker re-logs line by line as warnings), each email
is one INFO line with its recipient, subject and first link, so a pulse can be followed from the
terminal.

`ClientErrorsBrief` is a logging filter for ``django.request``: a 4xx (403, 404, 400) is the
app answering as it should, so it is logged as one line, without the traceback Django attaches.
"""

import logging
import re

from django.core.mail.backends.base import BaseEmailBackend

logger = logging.getLogger("purpose_pulse.email")
_LINK = re.compile(r"https?://\S+")


def email_line(message) -> str:
    link = _LINK.search(message.body or "")
    to = ", ".join(message.to) or "(nobody)"
    return f'Email to {to}: "{message.subject}"' + (f" — {link.group(0)}" if link else "")


class LogEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        for message in email_messages:
            logger.info(email_line(message))
        return len(email_messages)


class ClientErrorsBrief(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if 400 <= getattr(record, "status_code", 0) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
