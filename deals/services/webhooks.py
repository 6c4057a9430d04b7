"""Webhooks written: a team's managers register endpoints; the services emit events, each stored
with one delivery per subscribed endpoint in the transaction of what happened, and sent after commit
(``deals.services.webhook_delivery``)."""

import secrets
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from deals.access import is_manager
from deals.domain.webhooks import EVENT_TYPES, TEST_EVENT
from deals.models import Deal, DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent
from deals.models.webhooks import WEBHOOK_URL_MAX_LENGTH
from deals.services.webhook_delivery import enqueue_now, url_problem
from negprep.errors import Invalid, NotAllowed
from negprep.versioning import mark_saved, refuse_stale
from teams.models import Team, User

ENDPOINTS_PER_TEAM = 10
ENDPOINT_GONE = "This endpoint was removed: nothing changed."


def _new_secret() -> str:
    return secrets.token_hex(32)


def _check(*, url: str, events: list[str]) -> tuple[str, list[str]]:
    url = (url or "").strip()
    problems = {}
    if not url:
        problems["url"] = "Enter the address that receives the events."
    elif len(url) > WEBHOOK_URL_MAX_LENGTH:
        problems["url"] = f"Keep the address under {WEBHOOK_URL_MAX_LENGTH} characters."
    elif problem := url_problem(url):
        problems["url"] = problem
    chosen = [name for name in EVENT_TYPES if name in set(events or ())]
    if not chosen or len(chosen) != len(set(events)):
        problems["events"] = "Pick at least one of the events listed."
    if problems:
        raise Invalid(problems)
    return url, chosen


def _require_manager(*, by: User, team_id: int) -> None:
    if not is_manager(user=by, team_id=team_id):
        raise NotAllowed("Only a manager of the team manages its webhooks.")


def endpoint_create(*, team: Team, by: User, url: str, events: list[str]) -> WebhookEndpoint:
    _require_manager(by=by, team_id=team.pk)
    url, events = _check(url=url, events=events)
    with transaction.atomic():
        Team.objects.select_for_update().filter(pk=team.pk).first()
        if WebhookEndpoint.objects.filter(team=team).count() >= ENDPOINTS_PER_TEAM:
            raise Invalid(f"A team has at most {ENDPOINTS_PER_TEAM} endpoints: remove one first.")
        return WebhookEndpoint.objects.create(
            team=team, url=url, events=events, secret=_new_secret(), created_by=by, updated_by=by
        )


def _lock(endpoint: WebhookEndpoint, *, by: User) -> WebhookEndpoint:
    current = WebhookEndpoint.objects.select_for_update().filter(pk=endpoint.pk).first()
    if current is None:
        raise Invalid(ENDPOINT_GONE)
    _require_manager(by=by, team_id=current.team_id)
    return current


def endpoint_update(
    *, endpoint: WebhookEndpoint, by: User, url: str, events: list[str], active: bool, revision: int | None
) -> WebhookEndpoint:
    """Change the address, the events or whether it is on; turning it off gives up what waits for it.
    ``Stale`` when it was saved after ``revision`` was read."""
    url, events = _check(url=url, events=events)
    with transaction.atomic():
        current = _lock(endpoint, by=by)
        refuse_stale(current, revision, what="this endpoint")
        current.url, current.events, current.active = url, events, active
        current.save(update_fields=["url", "events", "active", *mark_saved(current, by=by)])
        if not active:
            current.deliveries.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED]).update(
                status=DeliveryStatus.GAVE_UP, last_error="Not sent: the endpoint was turned off."
            )
    return current


def endpoint_rotate_secret(*, endpoint: WebhookEndpoint, by: User) -> WebhookEndpoint:
    """A new secret; deliveries from now on are signed with it."""
    with transaction.atomic():
        current = _lock(endpoint, by=by)
        current.secret = _new_secret()
        current.save(update_fields=["secret", *mark_saved(current, by=by)])
    return current


def endpoint_delete(*, endpoint: WebhookEndpoint, by: User) -> None:
    with transaction.atomic():
        _lock(endpoint, by=by).delete()


def _absolute(path: str) -> str:
    return settings.NEGPREP_BASE_URL + path


def _store_event(*, type: str, team_id: int, deal: Deal | None, data: dict) -> WebhookEvent:
    event = WebhookEvent(type=type, team_id=team_id, deal=deal, created_at=timezone.now())
    event.payload = {
        "id": str(event.id),
        "type": type,
        "created": event.created_at.isoformat().replace("+00:00", "Z"),
        "team": {"id": team_id},
        "data": data,
    }
    event.save()
    return event


def _deliver(*, event: WebhookEvent, endpoints: list[WebhookEndpoint]) -> list[WebhookDelivery]:
    give_up_at = event.created_at + timedelta(hours=settings.NEGPREP_WEBHOOK_RETRY_HOURS)
    now = timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint=endpoint, event=event, next_attempt_at=now, give_up_at=give_up_at, created_at=now
        )
        for endpoint in endpoints
    )
    for delivery in deliveries:
        transaction.on_commit(partial(enqueue_now, delivery.pk))
    return deliveries


def webhook_emit(*, type: str, deal: Deal, data: dict) -> WebhookEvent | None:
    """Send ``type`` about ``deal`` to the team's endpoints that chose it, once the current
    transaction commits (call it inside the transaction of what happened). ``data`` says what
    changed, in ids and statuses: the payload holds the deal's id, name and address besides, never
    more than the team's members may see."""
    if type not in EVENT_TYPES:
        raise ValueError(f"Unknown webhook event {type!r}.")
    team_endpoints = WebhookEndpoint.objects.filter(team_id=deal.team_id, active=True)
    endpoints = [endpoint for endpoint in team_endpoints if type in endpoint.events]
    if not endpoints:
        return None
    deal_data = {"id": deal.pk, "name": deal.title, "url": _absolute(reverse("deals:detail", args=[deal.pk]))}
    event = _store_event(type=type, team_id=deal.team_id, deal=deal, data={"deal": deal_data, **data})
    _deliver(event=event, endpoints=endpoints)
    return event


def webhook_send_test(*, endpoint: WebhookEndpoint, by: User) -> WebhookDelivery:
    """A test event to this endpoint alone, whichever events it chose."""
    with transaction.atomic():
        current = _lock(endpoint, by=by)
        if not current.active:
            raise Invalid("This endpoint is off: turn it on to send it a test event.")
        event = _store_event(
            type=TEST_EVENT, team_id=current.team_id, deal=None, data={"endpoint": {"id": current.pk}}
        )
        return _deliver(event=event, endpoints=[current])[0]


def webhook_redeliver(*, delivery: WebhookDelivery, by: User) -> WebhookDelivery:
    """Send the delivery's event to its endpoint again, with the same event id, as a new delivery
    tried for a new retry period."""
    with transaction.atomic():
        endpoint = _lock(delivery.endpoint, by=by)
        if not endpoint.active:
            raise Invalid("This endpoint is off: turn it on to send events to it again.")
        event = WebhookEvent.objects.get(pk=delivery.event_id)
        now = timezone.now()
        again = WebhookDelivery.objects.create(
            endpoint=endpoint,
            event=event,
            next_attempt_at=now,
            give_up_at=now + timedelta(hours=settings.NEGPREP_WEBHOOK_RETRY_HOURS),
            created_at=now,
        )
        transaction.on_commit(partial(enqueue_now, again.pk))
    return again
