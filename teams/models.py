import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q


def default_time_zone():
    return settings.TIME_ZONE


def _time_zone_choices():
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class User(AbstractUser):
    """A person who signs in. Roles live on Membership, per team."""

    time_zone = models.CharField(
        max_length=64,
        choices=_time_zone_choices,
        default=default_time_zone,
        help_text="Meeting times and due dates are shown in this time zone.",
    )
    email_reminders = models.BooleanField(
        "e-mail me reminders",
        default=True,
        help_text="Reminders always appear in your NegPrep inbox; untick to stop the e-mail copies.",
    )
    # Counts the saves of the profile, so that a profile form loaded before another save is refused.
    revision = models.PositiveIntegerField(default=0, editable=False)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self):
        return self.get_full_name() or self.username

    def delete(self, using=None, keep_parents=False):
        """Deleting someone deactivates them: they can no longer sign in or be asked anything, and
        the deals they owned, what they answered, approved and reported stay theirs."""
        if self.is_active:
            self.is_active = False
            self.save(using=using, update_fields=["is_active"])
        return 0, {}


class Team(models.Model):
    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    REP = "rep", "Sales rep"
    MANAGER = "manager", "Manager"
    PRODUCTION = "production", "Production"
    SUPPLY_CHAIN = "supply_chain", "Supply chain"
    FINANCE = "finance", "Finance"


phone_validator = RegexValidator(
    regex=r"^\+?[0-9 ()./-]{6,32}$",
    message="Enter a phone number of digits, spaces and + ( ) . / - only, e.g. +49 30 1234567.",
)


class Membership(models.Model):
    """One role of one user in one team; a user may hold several."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    phone = models.CharField(
        max_length=32,
        blank=True,
        validators=[phone_validator],
        help_text="Used when this person is on call during a customer meeting.",
    )
    # Given by the provider's groups claim at single sign-on (teams/oidc/accounts.py): such a
    # membership is removed at a later sign-in whose claim no longer lists it; one added by hand
    # never is.
    from_sign_in = models.BooleanField(
        "from single sign-on",
        default=False,
        help_text="Given by the identity provider's groups at sign-in; removed when they no longer list it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["team__name", "user__username", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "team", "role"], name="membership_unique_role"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="membership_role_valid"),
        ]
        indexes = [models.Index(fields=["team", "role"], name="membership_team_role_idx")]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} in {self.team}"


class EmailStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    # The server took the whole message but its answer never came: it may have
    # it. The row waits out its backoff and is sent again with the same Message-ID.
    UNKNOWN = "unknown", "Unconfirmed (sent again with the same Message-ID)"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped (no e-mail address)"


class Notification(models.Model):
    """One line in a user's inbox, and the e-mail that goes with it.

    The e-mail is rendered when the notification is created and kept on the
    row, so the row is its own outbox: if the broker or the mail server is
    down, nothing is lost and the sweep sends it later.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    kind = models.CharField(max_length=64)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, help_text="Site-relative path of the page where to act.")
    # What the notification is about (e.g. a deal's title), for grouping reminders in the inbox.
    topic = models.CharField(max_length=200, blank=True)
    in_inbox = models.BooleanField(
        default=True, help_text="False for an e-mail that only uses the outbox, such as a password reset."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    email_status = models.CharField(max_length=16, choices=EmailStatus.choices, default=EmailStatus.PENDING)
    email_subject = models.CharField(max_length=255, blank=True)
    email_text = models.TextField(blank=True)
    email_html = models.TextField(blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    # Failed attempts are retried for NEGPREP_EMAIL_RETRY_HOURS from the first.
    email_first_attempt_at = models.DateTimeField(null=True, blank=True)
    email_unconfirmed = models.PositiveSmallIntegerField(
        default=0,
        help_text="Attempts that may have delivered the message unconfirmed (no answer from the server "
        "after it, or a worker that died mid-send): the recipient may hold that many copies more, "
        "all with the same Message-ID.",
    )
    email_last_error = models.TextField(blank=True)
    # While sending: the lease of the worker that claimed the row. While
    # pending or unconfirmed after an attempt: nothing takes the row before then.
    email_claimed_until = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(email_status__in=EmailStatus.values),
                name="notification_email_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox_idx"),
            # The unread badge on every page.
            models.Index(
                fields=["recipient"],
                condition=Q(in_inbox=True, read_at__isnull=True),
                name="notification_unread_idx",
            ),
            models.Index(fields=["email_status", "email_claimed_until"], name="notification_outbox_idx"),
        ]

    def __str__(self):
        return f"{self.title} → {self.recipient}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class ApiScope(models.TextChoices):
    READ = "read", "Read"
    READ_WRITE = "read_write", "Read and write"


class ApiToken(models.Model):
    """A personal token for the REST API (``teams.api_auth``).

    Only a SHA-256 hash of the secret is stored; ``prefix`` (the token's first characters, not
    secret) finds the row. The token acts as its user, never beyond ``scope``, until it expires
    or is revoked.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    scope = models.CharField(max_length=16, choices=ApiScope.choices, default=ApiScope.READ)
    prefix = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scope__in=ApiScope.values), name="api_token_scope_valid"
            ),
        ]
        indexes = [models.Index(fields=["user", "-created_at"], name="api_token_user_idx")]

    def __str__(self):
        return f"{self.name} ({self.prefix}…) of {self.user}"

    @property
    def can_write(self) -> bool:
        return self.scope == ApiScope.READ_WRITE

    def is_live(self, now) -> bool:
        return self.revoked_at is None and self.expires_at > now
