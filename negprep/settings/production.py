"""Production: no default secret, HTTPS only, static files via WhiteNoise."""

from negprep.settings.base import *  # noqa: F403
from negprep.settings.env import env_bool, env_int, env_list, env_str

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [])
if not ALLOWED_HOSTS:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must name the host(s) NegPrep is served on.")

# Behind a TLS-terminating proxy (NEGPREP_PROXY_COUNT above 0) its X-Forwarded-Proto
# says whether the browser came over HTTPS; the proxy must overwrite what a client sent.
# Without a proxy the header is ignored: anybody could send it.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if NEGPREP_PROXY_COUNT else None  # noqa: F405
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
# Load balancers and container health checks call /healthz over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Each process keeps its database connection for a minute and tests it before
# reusing it, instead of opening a new one for every request.
DATABASES["default"]["CONN_MAX_AGE"] = env_int("DJANGO_CONN_MAX_AGE", 60, minimum=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env_bool("DJANGO_CONN_HEALTH_CHECKS", True)

# collectstatic writes a gzip and (with the Brotli package) a brotli copy of
# each file; WhiteNoise serves whichever the browser accepts.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

ADMINS = [("NegPrep admins", email) for email in env_list("DJANGO_ADMIN_EMAILS", [])]

# Webhooks go out to https addresses on the internet only, never to this network's services.
NEGPREP_WEBHOOKS_ALLOW_PRIVATE = False
