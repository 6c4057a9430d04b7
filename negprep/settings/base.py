"""Settings shared by every environment.

Everything that differs between machines comes from environment variables;
the defaults here serve local development (SQLite and a filesystem broker).
"""

from datetime import timedelta
from pathlib import Path

import bootstrap_wrapper
import dj_database_url
from csp.constants import NONE, SELF
from django.urls import reverse_lazy

from negprep.settings.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("NEGPREP_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "local-development-key-not-for-production")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "axes",
    "csp",
    "teams",
    "deals",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Compresses pages and fragments. It must wrap every middleware that reads
    # or writes the body; static files never reach it (WhiteNoise answers them
    # above, with its own gzip and brotli files). Django's GZipMiddleware adds
    # random bytes to each response's gzip header ("Heal the BREACH"), and the
    # CSRF token is masked anew per response, so compression does not let an
    # attacker recover secrets from the compressed length (BREACH).
    "django.middleware.gzip.GZipMiddleware",
    # Content-Security-Policy (CONTENT_SECURITY_POLICY below), then Permissions-Policy and
    # Reporting-Endpoints. Static files never get them (WhiteNoise answers above).
    "csp.middleware.CSPMiddleware",
    "negprep.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page needs a login unless its view says otherwise, so a new page
    # cannot become public by accident.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "teams.middleware.UserTimezoneMiddleware",
    # Nothing shown to a signed-in user is stored by a browser or proxy (Cache-Control: no-store).
    "teams.middleware.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Axes must come last: it answers locked-out logins before the view runs.
    "axes.middleware.AxesMiddleware",
]

# Scripts, styles, fonts and frames come from NegPrep itself: nothing inline (no <script> or
# <style> in a page, no onclick= or style= attribute), nothing evaluated from a string (htmx runs
# with allowEval off, see base.html), no plugins, no <base>, forms post only to NegPrep, and no
# other site may frame a page. Images may also be data: URIs (Bootstrap's form-control icons).
# Browsers report what the policy refused to negprep/csp.py, which logs it.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "report-uri": reverse_lazy("csp_report"),
        "report-to": "csp",
    },
}
# The endpoints the Reporting API sends to (report-to above), as the Reporting-Endpoints header.
NEGPREP_REPORTING_ENDPOINTS = {"csp": reverse_lazy("csp_report")}
# A report larger than this (bytes) is refused unread; a browser's report is well under 4 KB.
NEGPREP_CSP_REPORT_MAX_BYTES = env_int("NEGPREP_CSP_REPORT_MAX_BYTES", 16 * 1024, minimum=1024)
# Report requests logged per client address and hour; more are refused (429) unread, so that one
# page (or one client) cannot flood the log.
NEGPREP_CSP_REPORT_LIMIT = env_int("NEGPREP_CSP_REPORT_LIMIT", 100, minimum=1)
# Browser features NegPrep never uses, denied to its pages and to anything they could embed
# (Permissions-Policy). Only names that browsers recognise: an unknown one is logged as an error
# in every page's console.
NEGPREP_PERMISSIONS_POLICY_DENY = [
    "accelerometer",
    "autoplay",
    "browsing-topics",
    "camera",
    "clipboard-read",
    "display-capture",
    "encrypted-media",
    "geolocation",
    "gyroscope",
    "hid",
    "idle-detection",
    "interest-cohort",
    "local-fonts",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "picture-in-picture",
    "publickey-credentials-get",
    "screen-wake-lock",
    "serial",
    "usb",
    "xr-spatial-tracking",
]

ROOT_URLCONF = "negprep.urls"
WSGI_APPLICATION = "negprep.wsgi.application"

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
                "teams.context_processors.navigation",
            ],
        },
    },
]

# How long (seconds) a process keeps its database connection open between
# requests (0: a new connection per request), and whether a kept connection
# is tested before each request reuses it. Production turns both on.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'negprep.sqlite3'}"),
        conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 0, minimum=0),
        conn_health_checks=env_bool("DJANGO_CONN_HEALTH_CHECKS", False),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default is shared by the web server, the worker and beat:
    # writers queue for the lock (IMMEDIATE, with a wait) instead of failing
    # with "database is locked", and readers do not block writers (WAL).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "teams.User"
from negprep.settings.sso import *  # noqa: E402, F403 - AUTHENTICATION_BACKENDS, OpenID Connect, passwords

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_COOKIE_AGE", 60 * 60 * 12)

# Failed logins lock sign-in for a cool-off, counted three ways (teams/lockouts.py):
# per username and address together (the lowest limit, so one user mistyping
# locks neither their account elsewhere nor a whole office); per account from
# every address (higher, so a stranger cannot lock a user out with a few
# guesses); per address at every account (against one address trying many).
AXES_FAILURE_LIMIT = env_int("NEGPREP_LOGIN_FAILURE_LIMIT", 5, minimum=1)
NEGPREP_LOGIN_ACCOUNT_FAILURE_LIMIT = env_int("NEGPREP_LOGIN_ACCOUNT_FAILURE_LIMIT", 20, minimum=1)
NEGPREP_LOGIN_ADDRESS_FAILURE_LIMIT = env_int("NEGPREP_LOGIN_ADDRESS_FAILURE_LIMIT", 30, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("NEGPREP_LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "teams.lockouts.LoginLockoutHandler"
# Failures while locked out are not counted: a lockout ends one cool-off after the
# last failure that counted, and one address adds at most AXES_FAILURE_LIMIT
# failures to an account's count per cool-off.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# How many reverse proxies (each adding to X-Forwarded-For) stand before the app;
# 0 reads the client's address from the connection and trusts no X-Forwarded-*
# header, since any client can send them (production reads X-Forwarded-Proto
# only behind a proxy).
NEGPREP_PROXY_COUNT = env_int("NEGPREP_PROXY_COUNT", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "teams.throttle.client_ip"
# Password-reset requests (each sends an e-mail) per hour, per address and per e-mail.
NEGPREP_PASSWORD_RESET_LIMIT = env_int("NEGPREP_PASSWORD_RESET_LIMIT", 5)

# Counters for throttling. Set CACHE_URL (redis://…) when several processes
# serve the site, so that they share one count.
CACHE_URL = env_str("CACHE_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "negprep"}
}

LANGUAGE_CODE = "en-us"
FORMAT_MODULE_PATH = ["negprep.formats"]
TIME_ZONE = env_str("NEGPREP_DEFAULT_TIME_ZONE", "Europe/Berlin")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Bootstrap comes from a pinned package, never from a CDN.
    ("vendor/bootstrap", bootstrap_wrapper.get_bootstrap_dir()),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

MESSAGE_TAGS = {40: "danger"}

# E-mail
# Django's SMTP backend, telling a message the server took without answering
# (it may have it) from one it refused.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "teams.notifications.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
# Used only with EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend.
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "NegPrep <negprep@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Absolute links in e-mails need to know where the app lives.
NEGPREP_BASE_URL = env_str("NEGPREP_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# Celery. Without CELERY_BROKER_URL the broker is kombu's filesystem
# transport under var/, so a laptop needs no server.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://localhost//")
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {
    # Longer than any retry backoff, so Redis never re-delivers a task that
    # is still legitimately waiting (see the Celery docs on visibility_timeout).
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 60 * 60 * 2),
}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
        "control_folder": str(_broker_dir / "control"),
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
# The sweep has a queue of its own, so that a backlog of e-mails never holds
# it back past its expiry: a worker takes from its queues in turn. A worker
# consumes both unless told otherwise (-Q must name both).
CELERY_SWEEP_QUEUE = env_str("CELERY_SWEEP_QUEUE", "sweep")
CELERY_TASK_QUEUES = {CELERY_TASK_DEFAULT_QUEUE: {}, CELERY_SWEEP_QUEUE: {}}
_SWEEPS = ["deals.tasks.reminder_sweep", "deals.tasks.webhook_sweep", "deals.tasks.import_sweep"]
CELERY_TASK_ROUTES = {name: {"queue": CELERY_SWEEP_QUEUE} for name in _SWEEPS}
# A task is acknowledged only when it finished, and a task whose worker died
# goes back to the queue; the tasks are idempotent, so a repeat is harmless.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 60)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 90)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

from negprep.settings.sweeps import *  # noqa: E402, F403 - reminders, webhooks, imports: what beat runs

# Default due time of a consultation request: this many hours before the
# deal's next meeting (48 hours from the request when no meeting is planned).
NEGPREP_CONSULTATION_LEAD_HOURS = env_int("NEGPREP_CONSULTATION_LEAD_HOURS", 24)
# Notification e-mails: how long a worker holds a claimed row before another
# may take it over (longer than EMAIL_TIMEOUT and the task time limit), and
# for how long after the first attempt failed ones are retried (backoff from
# 30 s up to 10 min), so that a mail outage of hours loses nothing; only then
# is a row marked failed, for staff to see and send again.
NEGPREP_EMAIL_LEASE_SECONDS = env_int("NEGPREP_EMAIL_LEASE_SECONDS", 300)
NEGPREP_EMAIL_RETRY_HOURS = env_float("NEGPREP_EMAIL_RETRY_HOURS", 24.0)

# Only for `make bench-pages`: serves the floor view (one trivial query, a
# tiny answer) that every page is measured against. Off, the URL does not exist.
NEGPREP_BENCH_FLOOR = env_bool("NEGPREP_BENCH_FLOOR", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
}

# The REST API (/api/v1/, README "API"): personal tokens (teams/api_auth.py) or the browser's
# session with its CSRF token; JSON errors keyed by field (negprep/api.py); requests counted per
# token, or per user for a session.
INSTALLED_APPS += ["rest_framework", "drf_spectacular", "drf_spectacular_sidecar"]
# Requests per token (per user for a session), e.g. "1000/hour" (teams.api_auth.PerTokenThrottle).
NEGPREP_API_RATE = env_str("NEGPREP_API_RATE", "1000/hour")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "teams.api_auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["teams.api_auth.TokenScope"],
    "DEFAULT_THROTTLE_CLASSES": ["teams.api_auth.PerTokenThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "negprep.api.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "negprep.api.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "NegPrep API",
    "DESCRIPTION": "Deals, briefings, consultations, payment terms and reports. Authenticate with "
    "`Authorization: Bearer <token>` (create a token on your profile).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Swagger UI from the drf-spectacular-sidecar package, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "DealStatusEnum": "deals.models.DealStatus",
        "BriefingStatusEnum": "deals.models.BriefingStatus",
        "ConsultationStatusEnum": "deals.models.ConsultationStatus",
        "PaymentTermStatusEnum": "deals.models.PaymentTermStatus",
    },
}

# Meeting mode in real time (Django Channels). With Redis configured the sockets of every process
# share one channel layer; the embedded default keeps them in the memory of the one process that
# `make run` serves with.
NEGPREP_CHANNEL_LAYER_URL = env_str(
    "NEGPREP_CHANNEL_LAYER_URL", CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else ""
)
ASGI_APPLICATION = "negprep.asgi.application"
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            # The layer waits up to 5 s on Redis for each socket's next message (BZPOPMIN): the
            # client's read timeout must be longer (redis-py's default is 5 s too).
            # Each socket joining or leaving a group takes a connection for a moment: a pool of
            # redis-py's default 100 refuses the 101st at once ("Too many connections").
            "hosts": [{"address": NEGPREP_CHANNEL_LAYER_URL, "socket_timeout": 30, "max_connections": 1000}],
            "prefix": env_str("NEGPREP_CHANNEL_LAYER_PREFIX", "negprep"),
        },
    }
    if NEGPREP_CHANNEL_LAYER_URL
    else {"BACKEND": "channels.layers.InMemoryChannelLayer"}
}
# How long a page counts as open after its socket's last heartbeat (seconds); someone with no
# page open gets the question by e-mail.
NEGPREP_LIVE_PRESENCE_SECONDS = env_int("NEGPREP_LIVE_PRESENCE_SECONDS", 45, minimum=5)
# Questions and answers one person may send per minute, against flooding.
NEGPREP_LIVE_PER_MINUTE = env_int("NEGPREP_LIVE_PER_MINUTE", 20, minimum=1)
