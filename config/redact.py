"""Keep pulse links' tokens out of every log line.

A personal link (`/p/<token>/`) is a member's only credential for their pulse,
as a results link (`/r/<token>/`) is for the team's results and a password-reset
link (`/password-reset/<uid>/<token>/`) or an invitation's
(`/account/set-password/<uid>/<token>/`) for an account, so a log that prints paths
(gunicorn's access log, Django's "Not Found: …" warnings, the development server's
request lines, a Referer header) would hand out the pulse to anyone who can read the logs. Each such line is written with
the token replaced by `[token]`: this filter sits on the handler of Django's
logging (config.settings.LOGGING) and on gunicorn's loggers (config/gunicorn.py).
"""

import logging
import re

# The path segment after /p/ or /r/, however it is spelled: raw, percent-encoded, or junk.
_SEGMENT = r"[^/\s?#\"']+"
LINKS = [
    (re.compile(rf"(/[pr]/){_SEGMENT}"), r"\1[token]"),
    (re.compile(rf"(/password-reset/){_SEGMENT}/{_SEGMENT}"), r"\1[uid]/[token]"),
    # An invitation's set-password link (teams/accounts.py).
    (re.compile(rf"(/account/set-password/){_SEGMENT}/{_SEGMENT}"), r"\1[uid]/[token]"),
]


def redact(text: str) -> str:
    for pattern, replacement in LINKS:
        text = pattern.sub(replacement, text)
    return text


class RedactPulseTokens(logging.Filter):
    """Rewrites the record's message with the token of every such link taken out."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(marker in message for marker in ("/p/", "/r/", "/password-reset/", "/set-password/")):
            record.msg, record.args = redact(message), None
        return True
