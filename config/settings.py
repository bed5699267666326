"""pupilhub settings: one module, driven by the environment.

A fresh checkout runs with no configuration at all (SQLite, local files, the
filesystem Celery broker). With PUPILHUB_ENV=production the process refuses to
start unless the secrets and hosts it needs are set.
"""

import os
import sys
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from redis.backoff import NoBackoff
from redis.retry import Retry

BASE_DIR = Path(__file__).resolve().parent.parent
KNOWN_ENVS = ("development", "test", "production")
# Matched loosely (case, spaces) and checked: a mistyped value never silently runs the
# development settings (debug pages, no required secrets) in place of production.
ENV = os.environ.get("PUPILHUB_ENV", "development").strip().lower() or "development"
if ENV not in KNOWN_ENVS:
    raise SystemExit(f"PUPILHUB_ENV={ENV!r} is not known: use one of {', '.join(KNOWN_ENVS)}.")
PRODUCTION = ENV == "production"
TESTING = "pytest" in sys.modules or ENV == "test"


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Everything production lacks, gathered so one message lists it all (the end of this module
# raises it): an operator fixes the environment once, not one variable per restart.
PROBLEMS: list[str] = []


def required(name: str) -> str:
    value = os.environ.get(name, "")
    if PRODUCTION and not value:
        PROBLEMS.append(f"{name} must be set when PUPILHUB_ENV=production")
    return value


if TESTING and not os.environ.get("PUPILHUB_DATA_DIR"):
    import tempfile

    os.environ["PUPILHUB_DATA_DIR"] = tempfile.mkdtemp(prefix="pupilhub-test-")
DATA_DIR = Path(os.environ.get("PUPILHUB_DATA_DIR", "var"))
if not DATA_DIR.is_absolute():
    DATA_DIR = BASE_DIR / DATA_DIR
DATA_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = required("SECRET_KEY") or "dev-only-insecure-key-never-use-in-production-0123456789"
# Licence keys are stored as an HMAC under this separate secret, so rotating
# SECRET_KEY (sessions) does not invalidate every printed key. Production must set
# it: silently reusing SECRET_KEY would tie every printed key to the session secret.
LICENCE_KEY_SECRET = required("LICENCE_KEY_SECRET") or SECRET_KEY
DEBUG = env_bool("DEBUG", default=not PRODUCTION and not TESTING)
if PRODUCTION and DEBUG:
    # DEBUG pages print settings and local variables (tokens, pupils' data) to anyone.
    PROBLEMS.append("DEBUG must be off when PUPILHUB_ENV=production")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
if PRODUCTION and not ALLOWED_HOSTS:
    PROBLEMS.append("ALLOWED_HOSTS must be set when PUPILHUB_ENV=production")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

HOST = os.environ.get("HOST", "127.0.0.1")
PORT = os.environ.get("PORT", "8000")
BASE_URL = os.environ.get("PUPILHUB_BASE_URL", f"http://{HOST}:{PORT}").rstrip("/")
if PRODUCTION and not BASE_URL.startswith("https://"):
    # Links in emails (password resets, invitations) must point at the real site, over TLS.
    PROBLEMS.append("PUPILHUB_BASE_URL must be set to the site's https:// address")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "pupilhub.core",
    "pupilhub.accounts",
    "pupilhub.schools",
    "pupilhub.pupils",
    "pupilhub.documents",
    "pupilhub.safeguarding",
    "pupilhub.transition",
    "pupilhub.gateway",
    "pupilhub.messaging",
    "pupilhub.reports",
    "pupilhub.billing",
    "pupilhub.privacy",
    "pupilhub.sen",
    "pupilhub.api",
    "pupilhub.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "pupilhub.core.middleware.IdleSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "pupilhub.core.middleware.RefuseNulMiddleware",
    "pupilhub.api.middleware.ApiEdgeMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "pupilhub.core.replica.ReplicaPinMiddleware",
    "pupilhub.core.logs.RequestContextMiddleware",
    "pupilhub.core.middleware.SecondFactorEnrolmentMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "pupilhub.core.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["pupilhub.accounts.backends.CachedUserBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"

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
                "pupilhub.schools.context_processors.navigation",
            ],
        },
    }
]

DATABASE_URL = required("DATABASE_URL")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or f"sqlite:///{DATA_DIR / 'db.sqlite3'}",
        # runserver (`make run`) starts a thread a request: kept connections would pile up
        # (99 of them were seen), so the Makefile sets CONN_MAX_AGE=0 for it.
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            # WAL with NORMAL sync: a commit survives a crashed process (the mail dispatcher
            # marks each message as it goes) without an fsync each time.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
# A streaming replica for the families' pages and reports (pupilhub.core.replica): optional.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=True,
    )
    # The test runner makes no database there: the replica alias mirrors the test database.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["pupilhub.core.replica.ReplicaRouter"]
# After a change, that person reads from the primary this long (read-your-writes).
REPLICA_PIN_SECONDS = int(os.environ.get("REPLICA_PIN_SECONDS", "15"))
# How often a process asks whether the replica streams, and how far behind it may be.
REPLICA_CHECK_SECONDS = float(os.environ.get("REPLICA_CHECK_SECONDS", "5"))
REPLICA_MAX_REPLAY_BYTES = int(os.environ.get("REPLICA_MAX_REPLAY_BYTES", str(16 * 1024 * 1024)))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is deliberately slow; tests create hundreds of users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "pupilhub.accounts.validators.MaximumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Staff sessions end after 30 idle minutes: IdleSessionMiddleware pushes expiry on.
SESSION_COOKIE_AGE = 30 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
API_TOKEN_HOURS = int(os.environ.get("API_TOKEN_HOURS", "12"))

# How many reverse proxies in front of the app may be trusted to append to
# X-Forwarded-For. 0 (default) means the header is ignored entirely.
# Production must say it (0 behind the documented proxy makes every client one address).
TRUSTED_PROXY_COUNT = int(required("TRUSTED_PROXY_COUNT") or "0")
# Failed logins: 10 from one client hold the account for 15 minutes (a browser that
# signed in to it before is exempt); a client's failures on any accounts are refused
# past a ceiling high enough for a school's shared address. See core/throttle.py.
LOGIN_FAILURE_LIMIT = 10
LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60
LOGIN_CLIENT_CEILING = int(os.environ.get("LOGIN_CLIENT_CEILING", "200"))
DEVICE_COOKIE_NAME = "pupilhub_device"
DEVICE_COOKIE_DAYS = 365
PASSWORD_RESET_MAILS_PER_HOUR = 3
# Who must use a second factor: "operator", staff roles, and "safeguarding_lead".
MFA_REQUIRED_ROLES = env_list("MFA_REQUIRED_ROLES", "operator,main_admin,admin,safeguarding_lead")
MFA_ISSUER = os.environ.get("MFA_ISSUER", "pupilhub")
INVITATION_DAYS = 7

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_ROOT = DATA_DIR / "media"
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
if os.environ.get("AWS_STORAGE_BUCKET_NAME"):
    # Any S3-compatible store (AWS, MinIO, Ceph...): private objects, never overwritten,
    # read back through pupilhub (which checks access) rather than public URLs.
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["AWS_STORAGE_BUCKET_NAME"],
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "access_key": os.environ.get("AWS_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
            "location": os.environ.get("AWS_LOCATION", ""),
        },
    }
# How long a mail dispatch run's claim on its rows lasts without renewal (the run renews it
# every third of this while it works). Shorter only in the fault suite.
MAIL_LEASE_SECONDS = int(os.environ.get("MAIL_LEASE_SECONDS", "300"))
# History that ends: delivery rows go this long after their message (its unsubscribe links
# last a year; the message keeps its counts), audit events after AUDIT_EVENTS_KEPT_YEARS
# (at least 6; those about safeguarding records stay 25 years, as the records may).
DELIVERY_ROWS_KEPT_DAYS = max(400, int(os.environ.get("DELIVERY_ROWS_KEPT_DAYS", "400")))
AUDIT_EVENTS_KEPT_YEARS = max(6, int(os.environ.get("AUDIT_EVENTS_KEPT_YEARS", "7")))
# SMTP connections a mail dispatch sends over at once (1-16): each waits on the relay's
# round trips (one carries ~75 messages a second to a relay 10 ms away). One by default:
# then a worker killed mid-batch never sends a message twice; with N, up to N - 1 messages
# another lane had just sent may go again (same Message-ID). docs/scaling.md sizes it.
MAIL_CONNECTIONS = max(1, min(16, int(os.environ.get("MAIL_CONNECTIONS", "1"))))
MAX_UPLOAD_BYTES = int(os.environ.get("MAX_UPLOAD_MB", "20")) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Larger uploads go to a temporary file; a full temporary space stops the upload cleanly.
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "pupilhub.core.uploads.TemporaryFileHandler",
]
CLAMD_SOCKET = os.environ.get("CLAMD_SOCKET", "")

# Email: EMAIL_BACKEND chooses (any django-anymail backend, e.g.
# anymail.backends.postmark.EmailBackend, configured by ANYMAIL_* variables); otherwise SMTP
# when EMAIL_HOST is set, the console in development. Production refuses the console and
# memory backends: reset links would land in the logs, or nowhere.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_TIMEOUT = 30
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
# ANYMAIL_POSTMARK_SERVER_TOKEN=... becomes ANYMAIL = {"POSTMARK_SERVER_TOKEN": ...}.
ANYMAIL = {k[len("ANYMAIL_") :]: v for k, v in os.environ.items() if k.startswith("ANYMAIL_")}
_SMTP = EMAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend"
_LOCAL_ONLY = EMAIL_BACKEND.startswith("django.core.mail.backends.") and not _SMTP
if PRODUCTION and (_LOCAL_ONLY or (_SMTP and not EMAIL_HOST)):
    PROBLEMS.append(
        "a real mail backend: EMAIL_HOST (SMTP) or "
        "EMAIL_BACKEND=anymail.backends.<provider>.EmailBackend"
    )
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "pupilhub <no-reply@pupilhub.invalid>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The sender's domain: Message-IDs are made on it, and in production it must be a real one
# (SPF, DKIM and DMARC are published for it; docs/operations.md). Reserved names never pass.
MAIL_DOMAIN = DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >").lower()
_RESERVED_MAIL = (".invalid", ".example", ".test", ".localhost", ".local")
if PRODUCTION and (
    "@" not in DEFAULT_FROM_EMAIL
    or "." not in MAIL_DOMAIN
    or MAIL_DOMAIN in ("localhost", "example.com", "example.org", "example.net")
    or ("." + MAIL_DOMAIN).endswith(_RESERVED_MAIL)
):
    PROBLEMS.append(
        f"DEFAULT_FROM_EMAIL on a real domain (it is {DEFAULT_FROM_EMAIL!r}; "
        f"{MAIL_DOMAIN or 'no domain'} cannot pass SPF, DKIM or DMARC)"
    )
# Bounce and complaint events from the mail provider (django-anymail tracking) arrive at
# /webhooks/mail/<MAIL_WEBHOOK_SECRET>; unset, the webhook answers 404. MAIL_PROVIDER names
# the provider whose events they are (postmark, sendgrid, mailgun, amazon_ses, ...), by
# default the one EMAIL_BACKEND=anymail.backends.<provider>.EmailBackend names.
MAIL_WEBHOOK_SECRET = os.environ.get("MAIL_WEBHOOK_SECRET", "")
MAIL_PROVIDER = os.environ.get("MAIL_PROVIDER", "")

# Who bills schools, named on every invoice with how to pay. Production must give its
# own address and bank details (a placeholder on a real invoice would send money astray).
INVOICE_SUPPLIER = {
    "name": os.environ.get("INVOICE_SUPPLIER_NAME", "pupilhub Ltd"),
    "address": required("INVOICE_SUPPLIER_ADDRESS") or "1 Demo Street, Leeds LS1 1AA",
    "email": os.environ.get("INVOICE_SUPPLIER_EMAIL", "accounts@pupilhub.invalid"),
    "vat_number": os.environ.get("INVOICE_VAT_NUMBER", ""),
    "bank_account_name": os.environ.get("INVOICE_BANK_ACCOUNT_NAME", "pupilhub Ltd"),
    "sort_code": required("INVOICE_BANK_SORT_CODE") or "00-00-00",
    "account_number": required("INVOICE_BANK_ACCOUNT_NUMBER") or "00000000",
}
INVOICE_PAYMENT_DAYS = int(os.environ.get("INVOICE_PAYMENT_DAYS", "30"))

# Celery: Redis when REDIS_URL is set; otherwise kombu's filesystem transport,
# so `make run` needs no server. One Redis server, three databases: the broker (0), task
# results (1) and the cache (2), so clearing the cache never drops a queued task. Tests
# use databases of their own (4-11, one per test worker; the benchmarks 13) and never
# touch these.
REDIS_URL = required("REDIS_URL")
BROKER_DIR = DATA_DIR / "broker"


def redis_db(url: str, number: int) -> str:
    """`url` (any database number it names is replaced) pointing at database `number`."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{number}"))


REDIS_DBS = {
    "broker": int(os.environ.get("REDIS_BROKER_DB", "0")),
    "results": int(os.environ.get("REDIS_RESULTS_DB", "1")),
    "cache": int(os.environ.get("REDIS_CACHE_DB", "2")),
}
if TESTING:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    REDIS_DBS["cache"] = 4 + (int(worker) if worker.isdigit() else 0) % 8
if REDIS_URL:
    CELERY_BROKER_URL = redis_db(REDIS_URL, REDIS_DBS["broker"])
    CELERY_RESULT_BACKEND = redis_db(REDIS_URL, REDIS_DBS["results"])
    # Publishing to a Redis that is down gives up at once (the job waits in the outbox);
    # the worker's own reconnecting follows broker_connection_retry, not these.
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.2,
        "socket_connect_timeout": 1,
    }
else:
    for sub in ("queue", "processed", "results", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        # Without this kombu writes broadcast state to ./control in the working directory.
        "control_folder": str(BROKER_DIR / "control"),
    }
    CELERY_RESULT_BACKEND = f"file://{BROKER_DIR / 'results'}"
CELERY_TASK_ALWAYS_EAGER = TESTING
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Workers log through LOGGING below (LOG_FORMAT=json included), not Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

if REDIS_URL:
    # Read from Redis, written through to the database: a page view skips one query.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# A cache every process shares (Redis): only then may pages cache across requests.
SHARED_CACHE = bool(REDIS_URL)
CACHES = {
    "default": (
        {
            "BACKEND": "pupilhub.core.redis_cache.ReusingRedisCache",
            "LOCATION": redis_db(REDIS_URL, REDIS_DBS["cache"]),
            # A stopped or hung Redis costs a request a second at most, then it is a miss
            # (no retries: the database answers instead).
            "OPTIONS": {
                "socket_connect_timeout": 1,
                "socket_timeout": 1,
                "retry": Retry(NoBackoff(), 0),
            },
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # probes talk plain HTTP inside
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Logs never carry personal data: the formatter prints the message only, and
# code logs ids, never names, emails or record content. LOG_FORMAT=json writes one JSON
# object a line with the request id, user id and school id of the request being served.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "context": {"()": "pupilhub.core.logs.RequestContextFilter"},
        "redact": {"()": "pupilhub.core.access_log.RedactingFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "pupilhub.core.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["context", "redact"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# Error reporting: SENTRY_DSN turns on sentry-sdk, with personal data scrubbed before
# anything leaves (see pupilhub/core/error_reporting.py). Without it nothing is sent.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
if SENTRY_DSN and not TESTING:
    from pupilhub.core.error_reporting import start as start_error_reporting

    start_error_reporting(SENTRY_DSN, ENV)

if PROBLEMS:
    raise ImproperlyConfigured(
        "PUPILHUB_ENV=production cannot start. Fix each of these:\n- " + "\n- ".join(PROBLEMS)
    )
