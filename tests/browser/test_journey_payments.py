import time

import pytest
from playwright.sync_api import expect

from deals.models import FinancePolicy, PaymentTermRequest, PaymentTermStatus
from deals.services.demo import demo_seed
from tests.browser.conftest import sign_in, sign_out
from tests.browser.stories import demo_team, ritas_deal

pytestmark = pytest.mark.browser


@pytest.fixture
def deal(transactional_db):
    """Rita's deal, in a team whose policy grants 30 days net as standard and 60 at most."""
    demo_seed()
    FinancePolicy.objects.update_or_create(
        team=demo_team(),
        defaults={"standard_net_days": 30, "max_net_days": 60, "min_deposit_pct": 10, "max_instalments": 3},
    )
    return ritas_deal("Valve frame contract for three plants", customer="Brauhaus Süd AG")


def test_rita_asks_for_long_payment_terms_and_fiona_counters(live_server, page, deal, artifacts):
    # Rita asks for 60 days net without a deposit and sees what is outside the policy.
    sign_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/deals/{deal.pk}/")
    page.get_by_role("link", name="Request payment terms").click()
    expect(page.get_by_test_id("finance-policy")).to_contain_text("Most net days finance may grant")
    page.get_by_label("Net days").fill("60")
    page.get_by_label("Deposit (%)").fill("0")
    check = page.get_by_test_id("policy-check")
    expect(check).to_contain_text("60 net days exceed the standard 30")
    expect(check).to_contain_text("Deposit 0 % is below the minimum 10 %")
    page.get_by_label("The customer's reason").fill("Their budget is released after the summer shutdown.")
    page.get_by_role("button", name="Submit request").click()
    expect(page.get_by_text("Required: these terms are outside the finance policy")).to_be_visible()
    page.get_by_label("Your justification").fill("Frame contract for three plants; they always paid on time.")
    page.screenshot(path=artifacts / "payment-request-form.png", full_page=True)
    page.get_by_role("button", name="Submit request").click()
    expect(page.get_by_text("Sent to finance")).to_be_visible()
    # The next step, the on-call colleague, follows; she goes back to the deal page instead.
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask a colleague to be on call")
    page.get_by_role("navigation", name="breadcrumb").get_by_role("link", name=deal.title).click()
    expect(page.get_by_test_id("payments-panel").get_by_test_id("payment-status").first).to_have_text(
        "Waiting for finance"
    )
    sign_out(page)

    # Fiona finds it on her home page and counters with 45 days and the policy's 10 % deposit.
    sign_in(page, live_server, "fiona")
    item = page.get_by_test_id("payment-queue-item").filter(has_text=deal.title)
    expect(item.locator("[data-exceeds='net_days']")).to_be_visible()
    page.screenshot(path=artifacts / "finance-home.png", full_page=True)
    item.get_by_role("link", name="Decide").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Payment terms for {deal.title}")
    page.get_by_label("Note for the rep").fill("45 days is what we can carry for a new frame contract.")
    page.get_by_label("Net days").fill("45")
    page.get_by_label("Deposit (%)").fill("10")
    page.screenshot(path=artifacts / "payment-decision.png", full_page=True)
    page.get_by_role("button", name="Send counter-offer").click()
    expect(page.get_by_text("Counter-offer sent")).to_be_visible()
    expect(page.get_by_test_id("payment-queue-item").filter(has_text=deal.title)).to_have_count(0)
    sign_out(page)

    payment_request = PaymentTermRequest.objects.filter(deal=deal).get()
    assert payment_request.status == PaymentTermStatus.COUNTERED
    assert payment_request.counter_net_days == 45

    # Rita reads the decision and the briefing's new limit.
    sign_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/deals/{deal.pk}/")
    panel = page.get_by_test_id("payments-panel")
    expect(panel.get_by_test_id("payment-status").first).to_have_text("Countered")
    expect(panel).to_contain_text("45 days is what we can carry")
    expect(page.get_by_test_id("briefing-payment-terms")).to_contain_text("45 days net, 10 % deposit")
    expect(page.get_by_test_id("payment-terms-source")).to_have_text("set by finance")
    page.screenshot(path=artifacts / "payment-countered.png", full_page=True)


def test_terms_typed_before_the_scripts_are_ready_are_still_checked(live_server, page, deal):
    """On a slow line the form shows before htmx has loaded; what was typed by then is checked once it has."""
    sign_in(page, live_server, "rita")
    held = []
    page.route("**/htmx*.js", lambda route: held.append(route))
    page.goto(f"{live_server.url}/deals/{deal.pk}/payment-terms/new/", wait_until="commit")
    page.get_by_label("Net days").fill("60")
    page.get_by_label("Deposit (%)").fill("0")
    check = page.get_by_test_id("policy-check")
    expect(check).to_contain_text("Within the finance policy")
    # The page asks for htmx once its parser reaches the end of the body: wait for that request.
    deadline = time.monotonic() + 10
    while not held and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert held, "the page asks for htmx"
    for route in held:
        route.continue_()
    expect(check).to_contain_text("60 net days exceed the standard 30")
    expect(check).to_contain_text("Deposit 0 % is below the minimum 10 %")
