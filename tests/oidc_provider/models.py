from django.conf import settings
from django.db import models


class Person(models.Model):
    """What the provider says about a user: the claims it sends (``email``, ``email_verified``,
    ``groups``, …), and changes to their ID tokens (``aud``; ``expires_in`` seconds, negative for
    a token that expired before it was sent)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    claims = models.JSONField(default=dict)
    id_token = models.JSONField(default=dict)

    def __str__(self):
        return str(self.user)
