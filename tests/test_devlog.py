"""`make run`'s terminal: a refused request is one line, an email is one readable INFO line."""

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SCRIPT = """
import django
django.setup()
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.http import HttpResponseForbidden
from django.test import RequestFactory
from django.utils.log import log_response

request = RequestFactory().get("/units/3/purpose/edit/")
try:
    raise PermissionDenied("Only the leaders of Payments may edit its purpose.")
except PermissionDenied as exc:
    log_response("Forbidden (Permission denied): %s", request.path, response=HttpResponseForbidden(),
                 request=request, exception=exc)
send_mail("How would you describe what our team is for? (2 minutes)",
          "Hello Max,\\n\\nOpen your pulse: http://127.0.0.1:8000/p/abc123/\\n", None, ["max@demo.example"])
"""


def _dev_mode_stderr(tmp_path) -> str:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "CELERY_BROKER_URL", "EMAIL_BACKEND", "DEBUG", "LOG_LEVEL")
    }
    env |= {"DEV_MODE": "true", "DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def test_a_refused_request_is_one_line_without_a_traceback(tmp_path):
    """A 403 in the embedded development mode prints one line, not two tracebacks."""
    output = _dev_mode_stderr(tmp_path)
    assert "Traceback" not in output
    assert output.count("Forbidden (Permission denied): /units/3/purpose/edit/") == 1


def test_an_email_is_one_readable_line_with_its_link(tmp_path):
    """make run shows each email as one line: to whom, the subject, the link to follow."""
    output = _dev_mode_stderr(tmp_path)
    [line] = [line for line in output.splitlines() if "max@demo.example" in line]
    assert line == (
        'Email to max@demo.example: "How would you describe what our team is for? (2 minutes)"'
        " — http://127.0.0.1:8000/p/abc123/"
    )
    assert "Content-Type" not in output and "MIME" not in output
