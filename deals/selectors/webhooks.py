"""Webhooks read: an endpoint's delivery log, newest first."""

from django.db.models import QuerySet

from deals.models import WebhookDelivery, WebhookEndpoint


def webhook_deliveries(*, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    """The endpoint's deliveries, newest first, each with its event (the log page paginates them)."""
    return endpoint.deliveries.select_related("event").order_by("-created_at", "-pk")
