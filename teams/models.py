import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models


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

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self):
        return self.get_full_name() or self.username


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
