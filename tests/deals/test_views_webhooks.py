"""Webhook pages: a manager registers an endpoint, sees its secret, changes it (never over someone
else's save), rotates the secret, sends a test event, redelivers, reads the delivery log."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from deals.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from deals.services.webhooks import endpoint_create
from deals.views.webhooks import DELIVERIES_PER_PAGE

EVENTS = ["briefing.submitted", "report.breach"]


@pytest.fixture
def as_manager(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def endpoint(world, manager, receivers):
    return endpoint_create(team=world.team, by=manager, url=receivers().url, events=EVENTS)


def _edit(endpoint, **changes):
    return {
        "url": endpoint.url,
        "events": endpoint.events,
        "active": "on",
        "revision": endpoint.revision,
        **changes,
    }


def test_a_manager_registers_an_endpoint_and_sees_its_secret(as_manager, world):
    response = as_manager.post(
        reverse("deals:webhooks"),
        {"team": world.team.pk, "url": "http://127.0.0.1:8123/in", "events": EVENTS},
    )
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("deals:webhook_endpoint", args=[endpoint.pk])
    assert (endpoint.team, endpoint.events, endpoint.active) == (world.team, EVENTS, True)
    assert len(endpoint.secret) == 64
    page = as_manager.get(response["Location"])
    assert endpoint.secret in page.content.decode()
    assert "no-store" in page["Cache-Control"]


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"url": "not an address", "events": EVENTS}, "url", "Enter a valid URL"),
        ({"url": "ftp://127.0.0.1/in", "events": EVENTS}, "url", "Enter an http(s):// address"),
        ({"url": "http://127.0.0.1:8123/in"}, "events", "Pick at least one event"),
        (
            {"url": "http://127.0.0.1:8123/in", "events": ["deal.exploded"]},
            "events",
            "not one of the available",
        ),
    ],
)
def test_bad_input_gets_a_form_error_and_registers_nothing(as_manager, world, data, field, message):
    response = as_manager.post(reverse("deals:webhooks"), {"team": world.team.pk, **data})
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert not WebhookEndpoint.objects.exists()


def test_in_production_a_private_address_gets_a_form_error(as_manager, world, settings):
    settings.NEGPREP_WEBHOOKS_ALLOW_PRIVATE = False
    response = as_manager.post(
        reverse("deals:webhooks"), {"team": world.team.pk, "url": "https://192.168.0.10/in", "events": EVENTS}
    )
    assert response.status_code == 400
    assert "private address" in " ".join(response.context["form"].errors["url"])
    assert not WebhookEndpoint.objects.exists()


def test_a_manager_cannot_register_for_another_team(as_manager, world):
    response = as_manager.post(
        reverse("deals:webhooks"),
        {"team": world.other_team.pk, "url": "http://127.0.0.1:8123/in", "events": EVENTS},
    )
    assert response.status_code == 400
    assert not WebhookEndpoint.objects.exists()


def test_the_list_shows_only_the_managers_own_teams_endpoints(client, world, endpoint):
    client.force_login(world.outsider)
    assert endpoint.url not in client.get(reverse("deals:webhooks")).content.decode()
    assert client.get(reverse("deals:webhook_endpoint", args=[endpoint.pk])).status_code == 404


def test_a_manager_changes_the_events_and_turns_it_off(as_manager, endpoint):
    response = as_manager.post(
        reverse("deals:webhook_endpoint", args=[endpoint.pk]),
        {**_edit(endpoint, events=["deal.ready"]), "active": ""},
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.events, endpoint.active, endpoint.revision) == (["deal.ready"], False, 1)


def test_a_stale_save_is_refused_and_changes_nothing(as_manager, endpoint, manager):
    from deals.services.webhooks import endpoint_update

    form = _edit(endpoint, events=["deal.ready"])
    endpoint_update(
        endpoint=endpoint, by=manager, url=endpoint.url, events=EVENTS[:1], active=True, revision=0
    )
    response = as_manager.post(reverse("deals:webhook_endpoint", args=[endpoint.pk]), form)
    assert response.status_code == 409
    assert "after you opened it" in response.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.events == EVENTS[:1]


def test_rotating_the_secret_signs_with_a_new_one(as_manager, endpoint):
    before = endpoint.secret
    response = as_manager.post(reverse("deals:webhook_rotate", args=[endpoint.pk]))
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.secret != before and len(endpoint.secret) == 64


def test_a_rep_cannot_see_or_change_an_endpoint(client, rep, endpoint):
    client.force_login(rep)
    assert client.get(reverse("deals:webhooks")).status_code == 403
    assert client.get(reverse("deals:webhook_endpoint", args=[endpoint.pk])).status_code == 404
    before = endpoint.secret
    assert client.post(reverse("deals:webhook_rotate", args=[endpoint.pk])).status_code == 404
    endpoint.refresh_from_db()
    assert endpoint.secret == before


def test_a_test_event_reaches_the_receiver_and_shows_in_the_log(
    as_manager, world, manager, receivers, django_capture_on_commit_callbacks
):
    receiver = receivers()
    endpoint = endpoint_create(team=world.team, by=manager, url=receiver.url, events=EVENTS)
    with django_capture_on_commit_callbacks(execute=True):
        response = as_manager.post(reverse("deals:webhook_test", args=[endpoint.pk]))
    assert response.status_code == 302
    [request] = receiver.wait_for(1)
    assert json.loads(request.body)["type"] == "webhook.test"
    page = as_manager.get(reverse("deals:webhook_endpoint", args=[endpoint.pk]))
    assert page.context["deliveries"][0].status == "delivered"
    assert "webhook.test" in page.content.decode()
    assert "HTTP 200" in page.content.decode()


def test_the_log_is_paginated_newest_first(as_manager, world, endpoint, django_assert_max_num_queries):
    now = timezone.now()
    for minutes in range(DELIVERIES_PER_PAGE + 5):
        at = now - timedelta(minutes=minutes)
        event = WebhookEvent.objects.create(type="deal.ready", team=world.team, payload={}, created_at=at)
        WebhookDelivery.objects.create(
            endpoint=endpoint, event=event, next_attempt_at=at, give_up_at=at, created_at=at
        )
    url = reverse("deals:webhook_endpoint", args=[endpoint.pk])
    first = as_manager.get(url)
    shown = list(first.context["deliveries"])
    assert len(shown) == DELIVERIES_PER_PAGE
    assert shown == sorted(shown, key=lambda d: d.created_at, reverse=True)
    assert len(as_manager.get(url + "?page=2").context["deliveries"]) == 5


def test_a_redelivery_from_the_log_keeps_the_event_id(
    as_manager, world, manager, receivers, django_capture_on_commit_callbacks
):
    receiver = receivers()
    endpoint = endpoint_create(team=world.team, by=manager, url=receiver.url, events=EVENTS)
    with django_capture_on_commit_callbacks(execute=True):
        as_manager.post(reverse("deals:webhook_test", args=[endpoint.pk]))
    first = WebhookDelivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = as_manager.post(reverse("deals:webhook_redeliver", args=[first.pk]))
    assert response.status_code == 302
    sent = receiver.wait_for(2)
    assert sent[0].headers["NegPrep-Event-Id"] == sent[1].headers["NegPrep-Event-Id"] == str(first.event_id)
    assert WebhookDelivery.objects.count() == 2


def test_removing_an_endpoint_removes_its_log(as_manager, endpoint):
    response = as_manager.post(reverse("deals:webhook_delete", args=[endpoint.pk]))
    assert response.status_code == 302
    assert not WebhookEndpoint.objects.exists()
