"""Webhooks delivered by a real Celery worker on Redis to real HTTP servers: a receiver that takes
the event, one that fails it, and the beat sweep sending the retry once the receiver is back."""

import hashlib
import hmac
import json

import pytest
from django.db import transaction
from django.utils import timezone

from deals.models import DeliveryStatus, WebhookDelivery
from deals.services.webhook_delivery import webhook_deliver, webhook_sweep
from deals.services.webhooks import endpoint_create, webhook_emit

pytestmark = pytest.mark.django_db(transaction=True)


def _emit(world, receiver, django_capture_on_commit_callbacks) -> WebhookDelivery:
    """An event committed with one delivery to the receiver; the test publishes its task itself, to
    the worker's queue (committed here, the delivery's own task would go to the default queue)."""
    endpoint = endpoint_create(
        team=world.team, by=world.members["manager"], url=receiver.url, events=["deal.ready"]
    )
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        webhook_emit(type="deal.ready", deal=world.objects["deal"], data={"status": "ready"})
    return WebhookDelivery.objects.select_related("event").get(endpoint=endpoint)


def _status(delivery) -> str:
    return WebhookDelivery.objects.values_list("status", flat=True).get(pk=delivery.pk)


def test_a_worker_delivers_a_signed_event(
    world, receivers, start_worker, eager_off, django_capture_on_commit_callbacks
):
    receiver = receivers()
    worker = start_worker()
    delivery = _emit(world, receiver, django_capture_on_commit_callbacks)
    webhook_deliver.apply_async((delivery.pk,), queue=worker.queue)
    worker.wait_for(lambda: _status(delivery) == DeliveryStatus.DELIVERED, what="the delivery")
    [request] = receiver.received
    secret = delivery.endpoint.secret
    signed = request.headers["NegPrep-Timestamp"].encode() + b"." + request.body
    expected = "v1=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers["NegPrep-Signature"], expected)
    assert json.loads(request.body)["id"] == str(delivery.event_id) == request.headers["NegPrep-Event-Id"]


def test_a_failed_delivery_is_retried_by_the_sweep_once_its_backoff_is_over(
    world, receivers, start_worker, eager_off, django_capture_on_commit_callbacks
):
    receiver = receivers(status=500)
    worker = start_worker()
    delivery = _emit(world, receiver, django_capture_on_commit_callbacks)
    webhook_deliver.apply_async((delivery.pk,), queue=worker.queue)
    worker.wait_for(lambda: _status(delivery) == DeliveryStatus.FAILED, what="the failed attempt")
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_response_code) == (1, 500)
    assert delivery.next_attempt_at > timezone.now()

    receiver.status = 200
    # The minute of backoff passes (the clock is outside the system: the row says when it is due).
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    webhook_sweep.apply_async(queue=worker.sweep_queue)
    worker.wait_for(lambda: _status(delivery) == DeliveryStatus.DELIVERED, what="the retry")
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_response_code) == (2, 200)
    assert [r.headers["NegPrep-Event-Id"] for r in receiver.received] == [str(delivery.event_id)] * 2
