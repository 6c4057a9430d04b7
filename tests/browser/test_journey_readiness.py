from decimal import Decimal

import pytest
from playwright.sync_api import expect

from deals.models import DealStatus
from deals.services.demo import demo_seed
from tests.browser.conftest import sign_in, sign_out
from tests.browser.stories import person, ritas_deal
from tests.deals.briefing_helpers import approve_briefing, fill_briefing

pytestmark = pytest.mark.browser


def test_rita_watches_her_deal_reach_all_that_applies(live_server, page, transactional_db, artifacts):
    demo_seed()
    rita, max_, paul = person("rita"), person("max"), person("paul")
    # Meeting in three days; version 1 approved, version 2 a draft with a lower walk-away. Nothing
    # to consult, no special payment terms, not the final round: four items apply, the meeting and
    # the pitch points are done.
    deal = ritas_deal("Pump skid expansion", customer="Käserei Alpen AG", hours_ahead=72)
    approve_briefing(deal, rita, max_)
    fill_briefing(deal.briefing, rita, walk_away_price=Decimal("205.00"), max_discount_pct=Decimal("15.00"))
    deal_url = f"{live_server.url}/deals/{deal.pk}/"

    sign_in(page, live_server, "rita")
    page.goto(deal_url)
    expect(page.get_by_test_id("readiness-score")).to_have_text("2 of 4")
    checklist = page.get_by_test_id("readiness-checklist")
    expect(checklist.locator("[data-check='payment_terms']")).to_contain_text("not needed")

    # The changed limits go back to Max; Paul is asked for cover, Max for guidelines.
    page.get_by_role("link", name="Edit briefing").click()
    page.get_by_role("button", name="Save and submit for approval").click()
    # No department to ask and no special payment terms: submitting goes on to the on-call form.
    expect(page.get_by_text("Next: ask a colleague to be on call")).to_be_visible()
    page.get_by_label("Colleague on call").select_option(label=f"{paul.get_full_name()} (Production)")
    page.get_by_label("Topic").fill("pump specifications")
    page.get_by_role("button", name="Ask to be on call").click()
    expect(page.get_by_test_id("on-call").first).to_contain_text("Asked")
    expect(page.get_by_test_id("briefing-status")).to_have_text("Waiting for approval")
    page.get_by_test_id("ask-guidelines").click()
    page.get_by_label("What would you like guidelines on?").fill("How far may I go on the walk-away?")
    page.get_by_role("button", name="Ask for guidelines").click()
    expect(page.get_by_test_id("guideline")).to_contain_text("Waiting for a manager's guidelines")
    # Asking loses no point: what is asked reads as waiting.
    expect(page.get_by_test_id("readiness-score")).to_have_text("2 of 4")
    expect(checklist.locator("[data-check='limits']")).to_contain_text("waiting for approval")
    expect(checklist.locator("[data-check='on_call']")).to_contain_text("waiting for the on-call colleague")
    sign_out(page)

    # Max answers the question and approves from the same card on his home page.
    sign_in(page, live_server, "max")
    card = page.get_by_test_id("queue-item").filter(has_text=deal.title)
    expect(card.get_by_test_id("queue-question")).to_contain_text("How far may I go on the walk-away?")
    card.get_by_label(f"Guidelines for {deal.title}").fill("Hold 205; trade volume for delivery slots.")
    card.get_by_role("button", name="Approve").click()
    expect(page.get_by_test_id("queue-item-done")).to_contain_text("approved")
    expect(page.get_by_test_id("queue-item-done")).to_contain_text("with your guidelines")
    sign_out(page)

    # Paul accepts the on-call request on his home page.
    sign_in(page, live_server, "paul")
    on_call = page.get_by_test_id("on-call-request").filter(has_text=deal.title)
    on_call.get_by_role("button", name="Accept").click()
    expect(page.get_by_test_id("on-call-request").filter(has_text=deal.title)).to_contain_text("Accepted")
    sign_out(page)

    sign_in(page, live_server, "rita")
    page.goto(deal_url)
    expect(page.get_by_test_id("readiness-score")).to_have_text("4 of 4")
    expect(checklist.locator("[data-state='missing'], [data-state='waiting']")).to_have_count(0)
    expect(page.get_by_test_id("briefing-guidelines")).to_contain_text(
        "Hold 205; trade volume for delivery slots."
    )
    page.screenshot(path=artifacts / "deal-ready-4-of-4.png", full_page=True)
    deal.refresh_from_db()
    assert deal.status == DealStatus.READY
