"""gunicorn's settings for the web service: `gunicorn -c python:config.gunicorn config.wsgi`.

The worker class and counts were chosen by measurement (bench/answer_load.py, figures in
docs/operations.md); WEB_CONCURRENCY and WEB_THREADS override them for another machine.
Access and error lines go to stdout/stderr with pulse links' tokens taken out.
"""

import os

from gunicorn.glogging import Logger

from config.redact import RedactPulseTokens


class RedactingLogger(Logger):
    """gunicorn's logger, with every line's `/p/<token>/` written as `/p/[token]/`.

    Covers the request line, the path and the Referer of the access log (a pulse page's own
    POST carries its link as Referer) and the error log's "Error handling request …"."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, RedactPulseTokens) for f in log.filters):
                log.addFilter(RedactPulseTokens())


bind = os.environ.get("WEB_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
accesslog = "-"
logger_class = RedactingLogger
