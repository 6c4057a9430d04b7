"""A manager registers a webhook, reads its secret, sends a test event to a real receiver and sees it
delivered in the log; the receiver checks the signature with the README's recipe."""

import json

import pytest
from playwright.sync_api import expect

from deals.services.demo import demo_seed
from tests.browser.conftest import sign_in
from tests.deals.test_webhooks_delivery import verify

pytestmark = pytest.mark.browser


def test_a_manager_registers_a_webhook_and_a_test_event_is_delivered(
    live_server, page, transactional_db, receivers
):
    demo_seed()
    receiver = receivers()
    sign_in(page, live_server, "max")
    page.get_by_role("link", name="Webhooks").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Webhooks")

    # No event ticked: the form says so and registers nothing.
    page.get_by_label("Address").fill(receiver.url)
    page.get_by_role("button", name="Register the endpoint").click()
    expect(page.get_by_text("Pick at least one event to send.")).to_be_visible()
    if page.get_by_label("Team").is_visible():
        page.get_by_label("Team").select_option(index=1)
    page.get_by_label("Address").fill(receiver.url)
    page.get_by_label("A briefing was approved").check()
    page.get_by_label("A report agreed beyond what was approved").check()
    page.get_by_role("button", name="Register the endpoint").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(receiver.url)
    secret = page.get_by_test_id("webhook-secret").inner_text()
    assert len(secret) == 64
    expect(page.get_by_text("Nothing sent yet.")).to_be_visible()

    page.get_by_role("button", name="Send a test event").click()
    log = page.get_by_test_id("webhook-deliveries")
    expect(log).to_contain_text("webhook.test")
    expect(log).to_contain_text("Delivered")
    expect(log).to_contain_text("HTTP 200")
    [request] = receiver.wait_for(1)
    assert verify(secret, request.headers, request.body)
    assert json.loads(request.body)["type"] == "webhook.test"
