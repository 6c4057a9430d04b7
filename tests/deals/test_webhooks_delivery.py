"""Webhook deliveries to real HTTP servers: signed, retried with a backoff, given up after a day with
the managers told, redelivered with the same event id, and never sent to internal addresses in
production."""

import hashlib
import hmac
import json
import ssl
import time
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from deals.domain.webhooks import BACKOFF_SECONDS, backoff, refused_address
from deals.models import DeliveryStatus, WebhookDelivery, WebhookEvent
from deals.services.webhook_delivery import url_problem, webhook_prune, webhook_sweep_due
from deals.services.webhooks import endpoint_create, webhook_emit, webhook_redeliver
from negprep.errors import Invalid
from teams.models import Notification
from tests.production_settings import load_production_settings
from tests.webhook_receivers import certificate_authority


def verify(secret: str, headers, body: bytes, tolerance: int = 300) -> bool:
    """Whether a NegPrep webhook request is genuine: the README's recipe, word for word."""
    timestamp = headers.get("NegPrep-Timestamp", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers.get("NegPrep-Signature", ""), "v1=" + expected)


def _emit(deal, capture):
    with capture(execute=True):
        event = webhook_emit(type="deal.ready", deal=deal, data={"status": "ready"})
    return event


@pytest.fixture
def hook(world, manager):
    def make(receiver, events=("deal.ready",)):
        return endpoint_create(team=world.team, by=manager, url=receiver.url, events=list(events))

    return make


def test_a_delivery_is_signed_and_the_receiver_can_verify_it(
    deal, receivers, hook, django_capture_on_commit_callbacks
):
    receiver = receivers()
    endpoint = hook(receiver)
    event = _emit(deal, django_capture_on_commit_callbacks)
    [request] = receiver.wait_for(1)
    assert request.path == "/hooks/negprep"
    assert request.headers["NegPrep-Event-Id"] == str(event.id)
    assert request.headers["NegPrep-Event-Type"] == "deal.ready"
    assert request.headers["Content-Type"] == "application/json"
    assert verify(endpoint.secret, request.headers, request.body)
    assert not verify("another secret", request.headers, request.body)
    assert not verify(endpoint.secret, request.headers, request.body + b" ")
    payload = json.loads(request.body)
    assert payload["id"] == str(event.id)
    assert payload["type"] == "deal.ready"
    assert payload["data"]["deal"]["id"] == deal.pk
    delivery = WebhookDelivery.objects.get(event=event)
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == ("delivered", 1, 200)
    assert delivery.delivered_at is not None


def test_nothing_is_sent_before_the_commit(deal, receivers, hook, django_capture_on_commit_callbacks):
    receiver = receivers()
    hook(receiver)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        webhook_emit(type="deal.ready", deal=deal, data={})
    assert len(callbacks) == 1
    assert receiver.received == []
    assert WebhookDelivery.objects.get().status == DeliveryStatus.PENDING


def test_a_failing_receiver_is_retried_with_backoff_then_given_up_and_the_managers_told(
    deal, receivers, hook, manager, world, django_capture_on_commit_callbacks
):
    receiver = receivers(status=500)
    hook(receiver)
    event = _emit(deal, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get(event=event)
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == ("failed", 1, 500)
    assert "receiver trouble" in delivery.response_snippet
    assert len(delivery.response_snippet) <= 200
    assert delivery.next_attempt_at - delivery.last_attempt_at == timedelta(minutes=1)
    start = event.created_at
    clock = start
    attempts = 1
    while True:
        delivery.refresh_from_db()
        if delivery.status != DeliveryStatus.FAILED:
            break
        # Just before the next attempt is due, the sweep leaves it alone.
        with mock.patch(
            "django.utils.timezone.now", return_value=delivery.next_attempt_at - timedelta(seconds=1)
        ):
            webhook_sweep_due()
        assert WebhookDelivery.objects.get(pk=delivery.pk).attempts == attempts
        clock = delivery.next_attempt_at
        with mock.patch("django.utils.timezone.now", return_value=clock):
            webhook_sweep_due()
        attempts += 1
        assert len(receiver.received) == attempts
    # 1 min, 5 min, 30 min, 2 h, 6 h, 6 h, 6 h: the next wait would end after 24 h.
    assert delivery.status == DeliveryStatus.GAVE_UP
    assert attempts == 8
    assert clock - start < timedelta(hours=24)
    assert clock + backoff(attempts=attempts) - start > timedelta(hours=24)
    told = Notification.objects.filter(kind="webhook_gave_up")
    assert [n.recipient for n in told] == [manager]
    assert receiver.url in told.get().title
    # Nothing more is sent after giving up.
    with mock.patch("django.utils.timezone.now", return_value=start + timedelta(days=2)):
        webhook_sweep_due()
    assert len(receiver.received) == 8


def test_the_managers_are_told_once_a_day_however_many_deliveries_are_given_up(
    deal, receivers, hook, world, django_capture_on_commit_callbacks
):
    hook(receivers(status=500))
    for _ in range(3):
        _emit(deal, django_capture_on_commit_callbacks)
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(hours=25)):
        webhook_sweep_due()
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.GAVE_UP}
    assert Notification.objects.filter(kind="webhook_gave_up").count() == 1


def test_a_slow_receiver_counts_as_a_failed_attempt(
    deal, receivers, hook, settings, django_capture_on_commit_callbacks
):
    settings.NEGPREP_WEBHOOK_TIMEOUT_SECONDS = 0.5
    receiver = receivers(delay=30)
    hook(receiver)
    event = _emit(deal, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get(event=event)
    assert receiver.wait_for(1)
    assert (delivery.status, delivery.last_response_code) == ("failed", None)
    assert delivery.last_error == "No answer in time."


def test_a_receiver_that_answers_drop_by_drop_is_cut_off_at_the_deadline(
    deal, receivers, hook, settings, django_capture_on_commit_callbacks
):
    """Each header line comes within the timeout, but the answer never ends: the attempt still ends
    once the whole deadline (as long again as the timeout, after connecting) is over."""
    settings.NEGPREP_WEBHOOK_TIMEOUT_SECONDS = 0.5
    receiver = receivers(drip=0.1)
    hook(receiver)
    event = _emit(deal, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get(event=event)
    assert (delivery.status, delivery.last_response_code) == ("failed", None)
    # Without the deadline it would end on the 101st header line, 10 s later, with another error.
    assert delivery.last_error == "No answer in time."


def test_a_receiver_that_is_gone_counts_as_a_failed_attempt(
    deal, receivers, hook, django_capture_on_commit_callbacks
):
    receiver = receivers()
    hook(receiver)
    receiver.server.server_close()
    receiver.server.shutdown()
    event = _emit(deal, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get(event=event)
    assert delivery.status == DeliveryStatus.FAILED
    assert "Connection" in delivery.last_error


def test_a_redelivery_keeps_the_event_id(deal, receivers, hook, manager, django_capture_on_commit_callbacks):
    receiver = receivers()
    hook(receiver)
    event = _emit(deal, django_capture_on_commit_callbacks)
    first = WebhookDelivery.objects.get(event=event)
    with django_capture_on_commit_callbacks(execute=True):
        again = webhook_redeliver(delivery=first, by=manager)
    sent = receiver.wait_for(2)
    assert again.pk != first.pk
    assert {r.headers["NegPrep-Event-Id"] for r in sent} == {str(event.id)}
    assert [json.loads(r.body)["id"] for r in sent] == [str(event.id)] * 2
    assert list(WebhookDelivery.objects.filter(event=event).values_list("status", flat=True)) == [
        "delivered",
        "delivered",
    ]


def test_a_delivered_event_is_not_sent_again_by_the_sweep(
    deal, receivers, hook, django_capture_on_commit_callbacks
):
    receiver = receivers()
    hook(receiver)
    _emit(deal, django_capture_on_commit_callbacks)
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(hours=1)):
        assert webhook_sweep_due() == 0
    assert len(receiver.received) == 1


def test_the_sweep_sends_what_the_broker_lost(deal, receivers, hook, django_capture_on_commit_callbacks):
    receiver = receivers()
    hook(receiver)
    with django_capture_on_commit_callbacks(execute=False):
        event = webhook_emit(type="deal.ready", deal=deal, data={})
    assert receiver.received == []
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() + timedelta(minutes=1)):
        assert webhook_sweep_due() == 1
    assert receiver.wait_for(1)[0].headers["NegPrep-Event-Id"] == str(event.id)


# Addresses ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "::1",
        "fd00::1",
        "fe80::1",
        "224.0.0.1",
        "0.0.0.0",  # noqa: S104 - an address refused, not one bound
        "240.0.0.1",
        "::ffff:127.0.0.1",
        "100.64.0.1",
    ],
)
def test_internal_addresses_are_refused(address):
    assert refused_address(address)


def test_a_public_address_is_allowed():
    assert refused_address("93.184.216.34") is None
    assert refused_address("2606:2800:220:1:248:1893:25c8:1946") is None


def test_the_backoff_grows_then_repeats_every_six_hours():
    waits = [backoff(attempts=n).total_seconds() for n in range(1, 9)]
    assert waits == [*BACKOFF_SECONDS, 6 * 3600, 6 * 3600, 6 * 3600]


@pytest.mark.parametrize(
    "url, problem",
    [
        ("http://hooks.example.com/x", "https"),
        ("https://127.0.0.1/x", "loopback"),
        ("https://localhost:8000/x", "loopback"),
        ("https://10.0.0.5/x", "private"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://[::1]/x", "loopback"),
        ("https://user:pw@93.184.216.34/x", "password"),
        ("https://no-such-host.invalid/x", "cannot be found"),
    ],
)
def test_in_production_only_public_https_addresses_are_registered(settings, world, manager, url, problem):
    settings.NEGPREP_WEBHOOKS_ALLOW_PRIVATE = False
    assert problem in url_problem(url)
    with pytest.raises(Invalid) as refused:
        endpoint_create(team=world.team, by=manager, url=url, events=["deal.ready"])
    assert "url" in refused.value.field_messages
    assert not world.team.webhook_endpoints.exists()


def test_in_production_a_delivery_to_an_internal_address_is_refused_when_it_is_sent(
    settings, deal, receivers, hook, django_capture_on_commit_callbacks
):
    receiver = receivers()
    hook(receiver)  # registered while allowed; the host could have moved inside since
    settings.NEGPREP_WEBHOOKS_ALLOW_PRIVATE = False
    event = _emit(deal, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get(event=event)
    assert delivery.status == DeliveryStatus.FAILED
    assert "Refused" in delivery.last_error and "loopback" in delivery.last_error
    assert receiver.received == []


_PRINT_WEBHOOK_RULE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps([s.NEGPREP_WEBHOOKS_ALLOW_PRIVATE, s.CELERY_BEAT_SCHEDULE['webhook-sweep']['task']]))"
)


def test_production_never_allows_internal_addresses_and_beat_sweeps_the_deliveries(tmp_path):
    loaded = load_production_settings(tmp_path, _PRINT_WEBHOOK_RULE, NEGPREP_WEBHOOKS_ALLOW_PRIVATE="true")
    assert loaded.returncode == 0, loaded.stderr
    assert json.loads(loaded.stdout) == [False, "deals.tasks.webhook_sweep"]


@pytest.fixture
def trusting(monkeypatch):
    """Deliveries trust the test's certificate authority (as a receiver's public CA is trusted)."""

    def trust(ca_file):
        real = ssl.create_default_context
        monkeypatch.setattr(ssl, "create_default_context", lambda *args, **kwargs: real(cafile=str(ca_file)))

    return trust


def test_an_https_receiver_gets_the_delivery_at_the_checked_address_with_its_certificate_checked(
    deal, receivers, hook, tmp_path, trusting, django_capture_on_commit_callbacks
):
    ca_file, tls = certificate_authority(tmp_path, server_names=["localhost"])
    trusting(ca_file)
    receiver = receivers(tls=tls, host_name="localhost")
    endpoint = hook(receiver)
    event = _emit(deal, django_capture_on_commit_callbacks)
    [request] = receiver.wait_for(1)
    assert request.headers["Host"].startswith("localhost:")
    assert verify(endpoint.secret, request.headers, request.body)
    delivery = WebhookDelivery.objects.get(event=event)
    assert (delivery.status, delivery.last_response_code) == ("delivered", 200)


def test_an_https_receiver_whose_certificate_names_another_host_gets_nothing(
    deal, receivers, hook, tmp_path, trusting, django_capture_on_commit_callbacks
):
    ca_file, tls = certificate_authority(tmp_path, server_names=["hooks.elsewhere.test"])
    trusting(ca_file)
    receiver = receivers(tls=tls, host_name="localhost")
    hook(receiver)
    event = _emit(deal, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get(event=event)
    assert delivery.status == DeliveryStatus.FAILED and delivery.last_response_code is None
    assert "certificate" in delivery.last_error.lower()
    assert not receiver.received


def test_an_https_receiver_with_a_certificate_nobody_trusts_gets_nothing(
    deal, receivers, hook, tmp_path, django_capture_on_commit_callbacks
):
    _ca_file, tls = certificate_authority(tmp_path, server_names=["localhost"])
    receiver = receivers(tls=tls, host_name="localhost")
    hook(receiver)
    event = _emit(deal, django_capture_on_commit_callbacks)
    delivery = WebhookDelivery.objects.get(event=event)
    assert delivery.status == DeliveryStatus.FAILED and "certificate" in delivery.last_error.lower()
    assert not receiver.received


# Keeping --------------------------------------------------------------------------------------------


def test_events_past_keeping_are_deleted_with_their_deliveries(
    deal, receivers, hook, manager, settings, django_capture_on_commit_callbacks
):
    settings.NEGPREP_WEBHOOK_KEEP_DAYS = 30
    receiver = receivers()
    hook(receiver)
    old, young, redelivered = (_emit(deal, django_capture_on_commit_callbacks) for _ in range(3))
    receiver.wait_for(3)
    month_ago = timezone.now() - timedelta(days=31)
    WebhookEvent.objects.filter(pk__in=[old.pk, redelivered.pk]).update(created_at=month_ago)
    WebhookDelivery.objects.filter(event__in=[old, redelivered]).update(
        created_at=month_ago, give_up_at=month_ago + timedelta(days=1)
    )
    # A manager sent one of the old events again today: it stays until its own retry period is over.
    with django_capture_on_commit_callbacks(execute=True):
        webhook_redeliver(delivery=WebhookDelivery.objects.get(event=redelivered), by=manager)

    assert webhook_prune() == 1
    assert set(WebhookEvent.objects.values_list("pk", flat=True)) == {young.pk, redelivered.pk}
    assert not WebhookDelivery.objects.filter(event_id=old.pk).exists()
    assert WebhookDelivery.objects.filter(event=redelivered).count() == 2
    assert webhook_prune() == 0
