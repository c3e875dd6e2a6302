"""The project's Celery app as the fault suite's workers run it, with a brake on scoring.

With FAULT_SCORE_PAUSE (seconds) set, each run of the engine first touches
FAULT_DIR/scoring-<pid>, then waits that long: the suite sees the file and
kills the worker in the middle of scoring, after the task read the answers and
before it wrote a score. Everything else is the app as deployed.
"""

import os
import time
from pathlib import Path

import django

django.setup()

from config.celery import app  # noqa: E402
from insights import scoring  # noqa: E402

__all__ = ["app"]


def _braked(score_answers):
    pause = float(os.environ.get("FAULT_SCORE_PAUSE") or 0)
    if not pause:
        return score_answers
    marker = Path(os.environ["FAULT_DIR"]) / f"scoring-{os.getpid()}"

    def score_answers_slowly(*args, **kwargs):
        marker.touch()
        time.sleep(pause)
        return score_answers(*args, **kwargs)

    return score_answers_slowly


scoring.score_answers = _braked(scoring.score_answers)
