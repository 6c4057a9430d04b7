"""Webhook deliveries: each is claimed by one worker, sent signed over HTTP(S), and tried again with a
backoff until it is delivered or its retry period ends; then the team's managers are told.

The database decides what is due, as for the e-mail outbox (``teams.notifications.outbox``): a
delivery is claimed with one conditional UPDATE and a lease, so two workers never send it at the same
time, and the sweep (``webhook_sweep_due``, on beat) sends what a failed attempt put off or a lost
task left. Delivery is at least once: a worker that dies after sending sends again on the next try,
with the same event id, which receivers use to drop the copy.

Addresses are checked when the endpoint is registered and again before every attempt, after the host
name is resolved; the connection goes to the address that was checked, so a name that resolves to an
internal address later (DNS rebinding) is refused rather than reached.
"""

import contextlib
import http.client
import json
import socket
import ssl
import threading
from datetime import timedelta
from urllib.parse import urlsplit

from celery import shared_task
from django.conf import settings
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from deals.domain.webhooks import backoff, refused_address, signature
from deals.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent
from negprep.celery import delay_or_leave_to_sweep
from teams.models import Role
from teams.notifications import notify
from teams.selectors import members_with_role

USER_AGENT = "NegPrep-Webhooks/1"
SNIPPET_CHARS = 200
SWEEP_BATCH = 200
PRUNE_BATCH = 2000
# A delivery younger than this is still in the hands of the task enqueued on commit.
SWEEP_GRACE = timedelta(seconds=30)
# The managers hear of given-up deliveries of one endpoint at most once in this period.
GAVE_UP_NOTICE_EVERY = timedelta(hours=24)
_WAITING = [DeliveryStatus.PENDING, DeliveryStatus.FAILED]
_OPEN = [*_WAITING, DeliveryStatus.DELIVERING]


class Refused(Exception):
    """The address may not be reached (an internal address, or a scheme not allowed)."""


def _private_allowed() -> bool:
    return bool(settings.NEGPREP_WEBHOOKS_ALLOW_PRIVATE)


def url_problem(url: str) -> str | None:
    """Why the endpoint address cannot be used, in words for the manager, or None.

    In production (``NEGPREP_WEBHOOKS_ALLOW_PRIVATE`` off) only https is accepted, and the host must
    resolve to public addresses only."""
    parts = urlsplit(url)
    allowed = ("https", "http") if _private_allowed() else ("https",)
    if parts.scheme not in allowed:
        return "Enter an https:// address." if not _private_allowed() else "Enter an http(s):// address."
    if parts.username or parts.password:
        return "Leave the user name and password out of the address."
    try:
        _addresses(url)
    except Refused as error:
        return str(error)
    return None


def _addresses(url: str) -> list[str]:
    """The IP addresses the URL's host resolves to, every one of them allowed; ``Refused`` if the
    host cannot be found or any address is internal (in production)."""
    parts = urlsplit(url)
    host = parts.hostname
    if not host:
        raise Refused("Enter an address with a host name.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError, UnicodeError):
        raise Refused(f"The host {host} cannot be found.") from None
    addresses = list(dict.fromkeys(info[4][0] for info in found))
    if not addresses:
        raise Refused(f"The host {host} cannot be found.")
    if not _private_allowed():
        for address in addresses:
            if reason := refused_address(address):
                raise Refused(f"Webhooks go to the internet only, and {reason}.")
    return addresses


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the checked address while asking for the URL's host."""

    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, *, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def http_post(*, url: str, body: bytes, headers: dict) -> tuple[int, str]:
    """POST ``body`` to ``url``, following no redirect; the status and the answer's first characters.

    Raises ``Refused``, ``OSError`` (timeouts included) or ``http.client.HTTPException``."""
    address = _addresses(url)[0]
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    connection_class = _PinnedHTTPSConnection if secure else _PinnedHTTPConnection
    port = parts.port or (443 if secure else 80)
    timeout = settings.NEGPREP_WEBHOOK_TIMEOUT_SECONDS
    connection = connection_class(parts.hostname, port, address=address, timeout=timeout)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    # Each connect or read waits at most ``timeout``; the whole answer, however it trickles in, at
    # most as long again once connected: then the socket is shut and the attempt has failed.
    deadline = _Deadline(connection, seconds=2 * timeout)
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        snippet = response.read(SNIPPET_CHARS).decode("utf-8", "replace")
    except (OSError, http.client.HTTPException):
        if deadline.passed.is_set():
            raise TimeoutError("No answer within the deadline.") from None
        raise
    finally:
        deadline.cancel()
        connection.close()
    if deadline.passed.is_set():
        # A socket shut mid-answer reads as its end: what came until then is not an answer.
        raise TimeoutError("No answer within the deadline.")
    return response.status, snippet


class _Deadline:
    """Shuts the connection's socket down once ``seconds`` have passed (unless cancelled first), which
    ends a read that is still waiting in another thread."""

    def __init__(self, connection: http.client.HTTPConnection, *, seconds: float):
        self.connection = connection
        self.passed = threading.Event()
        self._timer = threading.Timer(seconds, self._cut)
        self._timer.daemon = True
        self._timer.start()

    def _cut(self) -> None:
        self.passed.set()
        sock = self.connection.sock
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()


def delivery_claim(*, delivery_id: int) -> WebhookDelivery | None:
    """Take the delivery for one attempt, or None when it is not due (delivered, given up, waiting
    out its backoff, or held by another worker whose lease has not run out)."""
    now = timezone.now()
    lease = now + timedelta(seconds=settings.NEGPREP_WEBHOOK_LEASE_SECONDS)
    claimed = WebhookDelivery.objects.filter(
        pk=delivery_id,
        status__in=_OPEN,
        next_attempt_at__lte=now,
        give_up_at__gt=now,
        endpoint__active=True,
    ).update(
        status=DeliveryStatus.DELIVERING,
        attempts=F("attempts") + 1,
        next_attempt_at=lease,
        last_attempt_at=now,
    )
    if not claimed:
        return None
    return WebhookDelivery.objects.select_related("endpoint", "endpoint__team", "event").get(pk=delivery_id)


def delivery_body(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.event.payload, separators=(",", ":"), sort_keys=True).encode()


def delivery_headers(delivery: WebhookDelivery, *, body: bytes, timestamp: int) -> dict:
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "NegPrep-Event-Id": str(delivery.event_id),
        "NegPrep-Event-Type": delivery.event.type,
        "NegPrep-Timestamp": str(timestamp),
        "NegPrep-Signature": signature(secret=delivery.endpoint.secret, timestamp=timestamp, body=body),
    }


def delivery_attempt(*, delivery: WebhookDelivery) -> bool:
    """Send the claimed delivery once and record the outcome; True when the receiver took it (2xx)."""
    body = delivery_body(delivery)
    headers = delivery_headers(delivery, body=body, timestamp=int(timezone.now().timestamp()))
    try:
        code, snippet = http_post(url=delivery.endpoint.url, body=body, headers=headers)
    except Refused as error:
        return _failed(delivery, code=None, error=f"Refused: {error}")
    except TimeoutError:
        return _failed(delivery, code=None, error="No answer in time.")
    except (OSError, http.client.HTTPException) as error:
        return _failed(delivery, code=None, error=f"{type(error).__name__}: {error}")
    if 200 <= code < 300:
        _finish(
            delivery,
            status=DeliveryStatus.DELIVERED,
            delivered_at=timezone.now(),
            last_response_code=code,
            last_error="",
            response_snippet=snippet,
        )
        return True
    return _failed(delivery, code=code, error=f"The receiver answered {code}.", snippet=snippet)


def _failed(delivery: WebhookDelivery, *, code: int | None, error: str, snippet: str = "") -> bool:
    # The backoff counts from the start of the attempt, however long the receiver kept it waiting.
    next_at = (delivery.last_attempt_at or timezone.now()) + backoff(attempts=delivery.attempts)
    outcome = {"last_response_code": code, "last_error": error[:500], "response_snippet": snippet}
    if next_at < delivery.give_up_at:
        _finish(delivery, status=DeliveryStatus.FAILED, next_attempt_at=next_at, **outcome)
    elif _finish(delivery, status=DeliveryStatus.GAVE_UP, **outcome):
        _tell_managers(delivery.endpoint)
    return False


def _finish(delivery: WebhookDelivery, **changes) -> bool:
    # Only the holder of this claim writes: a worker whose lease ran out and was taken over does not.
    written = WebhookDelivery.objects.filter(
        pk=delivery.pk, status=DeliveryStatus.DELIVERING, attempts=delivery.attempts
    ).update(**changes)
    for name, value in changes.items():
        setattr(delivery, name, value)
    return bool(written)


def _tell_managers(endpoint: WebhookEndpoint) -> None:
    """Tell the team's managers a delivery was given up, once a day per endpoint at most."""
    now = timezone.now()
    recent = Q(gave_up_notice_at__isnull=False, gave_up_notice_at__gt=now - GAVE_UP_NOTICE_EVERY)
    if not WebhookEndpoint.objects.filter(pk=endpoint.pk).exclude(recent).update(gave_up_notice_at=now):
        return
    notify(
        recipients=members_with_role(team=endpoint.team, role=Role.MANAGER),
        kind="webhook_gave_up",
        context={"endpoint": endpoint, "hours": settings.NEGPREP_WEBHOOK_RETRY_HOURS},
        url=reverse("deals:webhook_endpoint", args=[endpoint.pk]),
        team=endpoint.team,
    )


def webhook_sweep_due(*, limit: int = SWEEP_BATCH) -> int:
    """Give up the deliveries whose retry period is over (telling the managers), and enqueue those
    that are due; returns how many were enqueued."""
    now = timezone.now()
    overdue = WebhookDelivery.objects.filter(
        Q(status__in=_WAITING) | Q(status=DeliveryStatus.DELIVERING, next_attempt_at__lte=now),
        give_up_at__lte=now,
    )
    endpoints = set(overdue.values_list("endpoint_id", flat=True)[:limit])
    if endpoints:
        overdue.filter(endpoint_id__in=endpoints).update(
            status=DeliveryStatus.GAVE_UP,
            last_error="Gave up: not delivered within the retry period.",
        )
        for endpoint in WebhookEndpoint.objects.filter(pk__in=endpoints, active=True).select_related("team"):
            _tell_managers(endpoint)
    due = list(
        WebhookDelivery.objects.filter(
            Q(status=DeliveryStatus.PENDING, created_at__lte=now - SWEEP_GRACE)
            | Q(status__in=[DeliveryStatus.FAILED, DeliveryStatus.DELIVERING]),
            next_attempt_at__lte=now,
            give_up_at__gt=now,
            endpoint__active=True,
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for delivery_id in due:
        enqueue_now(delivery_id)
    return len(due)


def webhook_prune(*, limit: int = PRUNE_BATCH) -> int:
    """Delete the oldest events past keeping (``NEGPREP_WEBHOOK_KEEP_DAYS``) with their deliveries, at
    most ``limit``; returns how many events went. One redelivered late keeps its event until its own
    retry period is over."""
    now = timezone.now()
    retrying = WebhookDelivery.objects.filter(event=OuterRef("pk"), give_up_at__gt=now)
    old = list(
        WebhookEvent.objects.filter(created_at__lt=now - timedelta(days=settings.NEGPREP_WEBHOOK_KEEP_DAYS))
        .exclude(Exists(retrying))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    if old:
        WebhookDelivery.objects.filter(event_id__in=old).delete()
        WebhookEvent.objects.filter(pk__in=old).delete()
    return len(old)


def enqueue_now(delivery_id: int) -> None:
    # The row stays due in the database; the sweep sends it once the broker is back.
    delay_or_leave_to_sweep(webhook_deliver, delivery_id, waiting=f"webhook delivery {delivery_id}")


# The Celery tasks (``deals.tasks`` imports them for discovery) ---------------------------------


@shared_task(name="deals.tasks.webhook_deliver")
def webhook_deliver(delivery_id: int) -> None:
    delivery = delivery_claim(delivery_id=delivery_id)
    if delivery is not None:
        delivery_attempt(delivery=delivery)


@shared_task(name="deals.tasks.webhook_sweep")
def webhook_sweep() -> int:
    webhook_prune()
    return webhook_sweep_due()
