"""Local development: debug on, e-mails printed to the console."""

from negprep.settings.base import *  # noqa: F403
from negprep.settings.env import env_bool, env_str

DEBUG = env_bool("DJANGO_DEBUG", True)
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

# Webhooks may go to a receiver on this machine or the local network.
NEGPREP_WEBHOOKS_ALLOW_PRIVATE = env_bool("NEGPREP_WEBHOOKS_ALLOW_PRIVATE", True)
