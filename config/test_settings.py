"""Settings for the test suite: the production parts, minus slow hashing and real email."""

import os
import re

# The suite runs against PostgreSQL (production mode), which demands a real key.
os.environ.setdefault("SECRET_KEY", "test-only-key-" + "n0t-a-secret-" * 4)
os.environ.setdefault("SECURE_COOKIES", "false")

# `make test` runs the suite in two processes (pytest-xdist). Each has its own test database
# (pytest-django names it after the process) and here its own Redis database, counted down
# from the one given, so one process's Celery worker never takes the other's tasks. The
# environment is changed, not only the setting, so the servers a test starts inherit it.
_XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if _XDIST_WORKER.startswith("gw") and not os.environ.get("TEST_BROKER_FOR_WORKER"):
    _broker = re.fullmatch(r"(redis://[^/]+)/(\d+)", os.environ.get("CELERY_BROKER_URL", ""))
    if _broker:
        _db = (int(_broker[2]) - int(_XDIST_WORKER[2:])) % 16
        os.environ["CELERY_BROKER_URL"] = f"{_broker[1]}/{_db}"
        os.environ["TEST_BROKER_FOR_WORKER"] = _XDIST_WORKER

from config.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
SSO_ALLOW_HTTP_ISSUER = True  # the tests' OpenID Connect provider runs on http://127.0.0.1 (docs/sso.md)
