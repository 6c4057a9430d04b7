"""Webhooks' pure rules: the events a team may subscribe to, how a delivery is signed, when a failed
one is tried again, and which addresses a delivery may never reach."""

import hashlib
import hmac
import ipaddress
from datetime import timedelta

# The events, in the order the endpoint form lists them.
EVENT_TYPES = {
    "briefing.submitted": "A briefing was submitted for approval",
    "briefing.approved": "A briefing was approved",
    "briefing.returned": "A briefing was returned for changes",
    "consultation.answered": "A department answered a consultation",
    "payment_request.decided": "Finance decided on a payment-term request",
    "deal.ready": "A deal became ready for its next meeting",
    "deal.not_ready": "A deal is no longer ready",
    "deal.closed": "A deal was closed as won, lost or withdrawn",
    "deal.reopened": "A closed deal was opened again",
    "report.filed": "A negotiation report was filed",
    "report.breach": "A report agreed beyond what was approved",
    "live.question.asked": "A question was asked from a meeting",
    "live.question.answered": "A question from a meeting was answered",
}
# Sent by "send a test event" only: no endpoint subscribes to it.
TEST_EVENT = "webhook.test"

# Seconds to wait after the n-th failed attempt; the last step repeats until the retry period ends.
BACKOFF_SECONDS = [60, 5 * 60, 30 * 60, 2 * 60 * 60, 6 * 60 * 60]

SIGNATURE_VERSION = "v1"


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    """The ``NegPrep-Signature`` header: ``v1=`` and the hex HMAC-SHA256, keyed with the endpoint's
    secret, of the timestamp, a dot and the raw body."""
    signed = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"


def backoff(*, attempts: int) -> timedelta:
    """How long to wait before trying again after ``attempts`` failed attempts (1 min, 5 min, 30 min,
    2 h, then every 6 h)."""
    step = min(max(attempts, 1), len(BACKOFF_SECONDS)) - 1
    return timedelta(seconds=BACKOFF_SECONDS[step])


def refused_address(address: str) -> str | None:
    """Why a webhook may not be sent to this IP address (loopback, private, link-local, multicast,
    reserved or unspecified: somewhere inside, not a receiver on the internet), or None."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "it is not an IP address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    checks = [
        # The most telling name first: a link-local address counts as private too.
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (ip.is_unspecified, "unspecified"),
        (ip.is_reserved, "reserved"),
        (ip.is_private, "private"),
        (not ip.is_global, "non-public"),
    ]
    for refused, what in checks:
        if refused:
            return f"{ip} is a {what} address"
    return None
