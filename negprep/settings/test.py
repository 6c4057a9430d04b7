"""Settings for the test suite: the database comes from DATABASE_URL as usual."""

from negprep.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-secret-key"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
NEGPREP_BASE_URL = "http://testserver"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# The tests' receivers listen on 127.0.0.1; the production rule is tested by turning this off.
NEGPREP_WEBHOOKS_ALLOW_PRIVATE = True
