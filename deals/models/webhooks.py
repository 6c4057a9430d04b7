"""Webhooks: a team's endpoints, the events that happened in the team, and each delivery of an event
to an endpoint (the outbox: written in the event's transaction, so nothing is lost while the broker
is down)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from deals.models.common import Revised, choice_is
from deals.models.deals import Deal
from teams.models import Team

WEBHOOK_URL_MAX_LENGTH = 500


class WebhookEndpoint(Revised):
    """An HTTPS address a team's manager registered, with the events it receives."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="webhook_endpoints")
    url = models.URLField("address", max_length=WEBHOOK_URL_MAX_LENGTH)
    # The chosen event types (``deals.domain.webhooks.EVENT_TYPES``).
    events = models.JSONField(default=list)
    secret = models.CharField(max_length=64)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # When the managers were last told a delivery to it was given up (once a day at most).
    gave_up_notice_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["team__name", "url", "pk"]
        indexes = [models.Index(fields=["team", "active"], name="webhook_endpoint_team_idx")]

    def __str__(self):
        return self.url


class WebhookEvent(models.Model):
    """Something that happened in a team; its id is the one every delivery of it carries."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=40)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="webhook_events")
    deal = models.ForeignKey(Deal, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # The body sent, as it was when the event happened.
    payload = models.JSONField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["team", "-created_at"], name="webhook_event_team_idx"),
            # The sweep deletes events past keeping, oldest first.
            models.Index(fields=["created_at"], name="webhook_event_age_idx"),
        ]

    def __str__(self):
        return f"{self.type} {self.id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERING = "delivering", "Delivering"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed, tried again later"
    GAVE_UP = "gave_up", "Gave up"


class WebhookDelivery(models.Model):
    """One event sent to one endpoint, with its attempts; redelivering adds another row of the same
    event (the same event id, so the receiver can drop the copy)."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Pending or failed: not tried before then. Delivering: the worker's lease ends then.
    next_attempt_at = models.DateTimeField()
    # Tried again until then; then given up and the team's managers told.
    give_up_at = models.DateTimeField()
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    # The first characters of the receiver's answer, nothing more.
    response_snippet = models.CharField(max_length=200, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    is_delivered = choice_is("status", DeliveryStatus.DELIVERED)
    is_failed = choice_is("status", DeliveryStatus.FAILED)
    gave_up = choice_is("status", DeliveryStatus.GAVE_UP)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="webhook_delivery_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_log_idx"),
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "delivering", "failed"]),
                name="webhook_delivery_due_idx",
            ),
        ]

    def __str__(self):
        return f"{self.event} → {self.endpoint}"
