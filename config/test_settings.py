"""Settings for the test suite: the production parts, minus slow hashing and real email."""

import os

# The suite runs against PostgreSQL (production mode), which demands a real key.
os.environ.setdefault("SECRET_KEY", "test-only-key-" + "n0t-a-secret-" * 4)
os.environ.setdefault("SECURE_COOKIES", "false")

from config.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_USE_FINDERS = True
SSO_ALLOW_HTTP_ISSUER = True  # the tests' OpenID Connect provider runs on http://127.0.0.1 (docs/sso.md)
