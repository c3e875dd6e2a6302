"""Purpose Pulse settings: every value comes from the environment.

Production needs DATABASE_URL and SECRET_KEY. DEV_MODE=true (what `make run`
sets) asks for the embedded development mode on one machine with no server:
a SQLite file under DATA_DIR, a Celery broker on the local filesystem, DEBUG.
With neither, the settings refuse to load.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.env import ImproperlyConfiguredEnv, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "data")))


def _fail(exc: Exception):
    raise ImproperlyConfigured(str(exc)) from exc


try:
    # Development mode must be asked for: a server that lost its environment
    # must stop, not come up with DEBUG on and a key everyone can read.
    DEV_MODE = env_bool("DEV_MODE", default=False)
    DEBUG = env_bool("DEBUG", default=DEV_MODE)
    _secret = env_str("SECRET_KEY")
    if not DEV_MODE:
        if not env_str("DATABASE_URL") and not _secret:
            raise ImproperlyConfiguredEnv(
                "No configuration: set DATABASE_URL and SECRET_KEY for production, "
                "or DEV_MODE=true for the embedded development mode (make run does this)."
            )
        if not env_str("DATABASE_URL"):
            raise ImproperlyConfiguredEnv(
                "DATABASE_URL must be set in production (or set DEV_MODE=true for the embedded database)"
            )
        if not _secret:
            raise ImproperlyConfiguredEnv("SECRET_KEY must be set in production (50+ random characters)")
        if len(_secret) < 50 or _secret.startswith("django-insecure"):
            raise ImproperlyConfiguredEnv("SECRET_KEY must be at least 50 random characters in production")
    SECRET_KEY = _secret or "django-insecure-embedded-development-key-do-not-use-in-production"
    # Old keys after a rotation: their sessions and pulse links keep working (docs/operations.md).
    SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
    CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
    EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1, maximum=65535)
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
    SECURE = env_bool("SECURE_COOKIES", default=not DEBUG and not DEV_MODE)
    # Preloading is a promise for the whole domain that takes months to undo,
    # so it is the operator's decision, never a default.
    HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
    # A signed-in browser left alone this long is signed out; every request starts the count again.
    SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60, minimum=60)
    # The largest request body read, in bytes. The biggest real form (the purpose
    # editor with a dozen sample answers) stays well under 1 MiB.
    REQUEST_MAX_BYTES = env_int("REQUEST_MAX_BYTES", 1024 * 1024, minimum=64 * 1024)
    # The largest file the people import page takes (teams.views.import_start); bigger
    # files go through `manage.py import_people`.
    IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 10 * 1024 * 1024, minimum=64 * 1024)
    LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
    LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1)
    # Password resets: at most this many emails per address per hour (teams/forms.py).
    PASSWORD_RESET_LIMIT_PER_HOUR = env_int("PASSWORD_RESET_LIMIT_PER_HOUR", 3, minimum=1)
    # Invitations to set a password (teams/invitations.py): a link works once, for this many days;
    # an admin can send a person a new one at most once in this many minutes.
    INVITATION_TIMEOUT_DAYS = env_int("INVITATION_TIMEOUT_DAYS", 7, minimum=1)
    INVITATION_RESEND_MINUTES = env_int("INVITATION_RESEND_MINUTES", 10, minimum=1)
    CACHE_URL = env_str("CACHE_URL", "locmem://")
    # Single sign-on issuers must be https:// addresses (OpenID Connect asks it, and the settings
    # form fetches what an admin types); plain http only for a provider on this machine in development.
    SSO_ALLOW_HTTP_ISSUER = env_bool("SSO_ALLOW_HTTP_ISSUER", default=DEV_MODE)
except ImproperlyConfiguredEnv as exc:
    _fail(exc)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "django_htmx",
    "template_partials",
    "teams",
    "purpose",
    "surveys",
    "insights",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before the guard, so its refusal pages carry the policy and the headers too.
    "csp.middleware.CSPMiddleware",
    "config.middleware.PermissionsPolicyMiddleware",
    # Before anything reads the body, the session or the database (config/middleware.py).
    "config.middleware.RequestGuardMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, so static files keep their long cache headers.
    "config.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Dates in the signed-in person's organization's time zone on every page (config/timezones.py).
    "config.timezones.OrganizationTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # With DEBUG on, the app's own 404 page instead of Django's list of URL patterns (config/notfound.py).
    "config.notfound.FriendlyNotFoundMiddleware",
    # Last, as django-axes asks: it turns a refused login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]


def _database() -> dict:
    url = env_str("DATABASE_URL")
    if not url:  # only in DEV_MODE: production without it stopped above
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{DATA_DIR / 'db.sqlite3'}"
    try:
        config = dj_database_url.parse(url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0))
    except Exception as exc:  # dj-database-url raises several types for junk
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL ({exc})") from exc
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets the web process read while the worker writes; IMMEDIATE
        # takes the write lock at BEGIN so two writers queue on busy_timeout
        # instead of failing mid-transaction with "database is locked".
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    elif config["ENGINE"] == "django.db.backends.postgresql":
        config["CONN_HEALTH_CHECKS"] = True
    else:
        raise ImproperlyConfigured("DATABASE_URL must point to PostgreSQL or SQLite")
    return config


DATABASES = {"default": _database()}


def _cache(url: str) -> dict:
    # The password-reset limit counts in the cache: with several web processes
    # it needs one they share (Redis); the in-process default counts per process.
    if url == "locmem://":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if url.startswith(("redis://", "rediss://")):
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    raise ImproperlyConfigured(f"CACHE_URL must be locmem:// or a redis:// URL (got {url!r})")


CACHES = {"default": _cache(CACHE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "teams.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# django-axes refuses a locked-out login before any password is checked; the
# email backend then signs in whatever case the address was typed in.
# The last keeps people signed in through their organization's provider (docs/sso.md); it checks
# no password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "teams.auth.EmailBackend",
    "teams.sso.SingleSignOnBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions: a new key at every login (Django's), signed out after SESSION_COOKIE_AGE idle.
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Logins: LOGIN_FAILURE_LIMIT wrong passwords for one address from one IP lock
# that pair out for LOGIN_LOCKOUT_MINUTES (unlock early: manage.py axes_reset_username).
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"  # the login form's field (it holds the email)
AXES_USERNAME_CALLABLE = "teams.auth.login_username"
AXES_LOCKOUT_CALLABLE = "teams.auth.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429

# Request bodies: refused with 413 above REQUEST_MAX_BYTES before they are read
# (config.middleware); a file part is refused too, except by a view that names the setting
# holding its own limit in `upload_limit_setting` (the people import: IMPORT_MAX_BYTES).
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_MAX_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = REQUEST_MAX_BYTES  # never spooled to disk: refused once parsed
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000  # the admin's membership inline sends five per person
DATA_UPLOAD_MAX_NUMBER_FILES = 1

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and not DEV_MODE
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Static files are served by WhiteNoise; without collectstatic it finds them in place.
WHITENOISE_USE_FINDERS = DEBUG or DEV_MODE
WHITENOISE_AUTOREFRESH = DEBUG

# Email: `make run` logs one line per email (recipient, subject, link: config/devlog.py);
# elsewhere the console backend prints whole messages unless EMAIL_BACKEND says otherwise.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "config.devlog.LogEmailBackend" if DEV_MODE else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Purpose Pulse <pulse@localhost>")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Celery: Redis in production, a filesystem broker when none is configured.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL") or "filesystem://"
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = DATA_DIR / "celery-broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        # Without this kombu writes its broadcast (pidbox) files into the working directory.
        "control_folder": str(_broker_dir / "control"),
    }
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")

# Alignment engine: which sentence-embedding model, and where to find it.
ALIGNMENT_MODEL_DIR = env_str("ALIGNMENT_MODEL_DIR") or None
ALIGNMENT_ALLOW_DOWNLOAD = env_bool("ALIGNMENT_ALLOW_DOWNLOAD", default=False)
# "semantic" (the model; a model that can't load stops scoring loudly) or
# "lexical" (TF-IDF word matching: approximate, and every page says so).
ALIGNMENT_ENCODER = env_str("ALIGNMENT_ENCODER", "semantic")
if ALIGNMENT_ENCODER not in ("semantic", "lexical"):
    raise ImproperlyConfigured(f"ALIGNMENT_ENCODER must be semantic or lexical (got {ALIGNMENT_ENCODER!r})")

# Content-Security-Policy (django-csp) on every response: scripts, styles and everything
# else only from this site's own files, nothing inline (no 'unsafe-inline', no eval), no
# framing. Templates keep no <script>, <style>, style="" or on* handler; htmx's injected
# indicator style is turned off in base.html. img-src allows data: for SVG/PNG data URLs
# (Django admin icons). docs/architecture.md, "Who may do what, and what a browser may run".
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
# The other headers, in development too (Django's SecurityMiddleware and
# XFrameOptionsMiddleware set them; config.middleware adds Permissions-Policy).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Browser features no page here uses, refused for the page and anything it might embed.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)

# Production hardening: behind a TLS-terminating proxy that sets X-Forwarded-Proto.
if SECURE:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = HSTS_PRELOAD
    if not HSTS_PRELOAD:
        # check --deploy warns that the site can't join the preload list: that is the point.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]  # the container health check speaks plain HTTP

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
# One handler, on the root logger. Django's own loggers would print a second copy through their
# default handler, so they only propagate here; a 4xx is logged as one line, without a traceback
# (config/devlog.py). The worker's every-minute task lines are quieted, so the emails stand out.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "client_errors_brief": {"()": "config.devlog.ClientErrorsBrief"},
        # Request paths can hold a pulse link's token (config/redact.py).
        "redact_pulse_tokens": {"()": "config.redact.RedactPulseTokens"},
    },
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        # The development server's request lines, as Django prints them, tokens taken out.
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.request": {"filters": ["client_errors_brief", "redact_pulse_tokens"], "propagate": True},
        "django.security.csrf": {"filters": ["redact_pulse_tokens"], "propagate": True},
        "django.server": {
            "handlers": ["django.server"],
            "filters": ["redact_pulse_tokens"],
            "level": "INFO",
            "propagate": False,
        },
        "purpose_pulse.email": {"level": "INFO"},
        "celery.app.trace": {"level": "WARNING"},
        "celery.worker.strategy": {"level": "WARNING"},
        "celery.beat": {"level": "WARNING"},
    },
}
