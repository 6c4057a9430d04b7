from decimal import Decimal

import pytest
from playwright.sync_api import expect

from deals.models import DealStatus
from deals.services.demo import demo_seed
from tests.browser.conftest import sign_in, sign_out
from tests.browser.stories import person, ritas_deal
from tests.deals.briefing_helpers import approve_briefing, fill_briefing

pytestmark = pytest.mark.browser


def test_rita_watches_her_deal_reach_7_of_7(live_server, page, transactional_db, artifacts):
    demo_seed()
    rita, max_, paul = person("rita"), person("max"), person("paul")
    # Meeting in three days; version 1 approved, version 2 a draft with a lower walk-away, and
    # the boss not consulted yet: meeting, pitch points, payment terms and co-negotiator hold.
    deal = ritas_deal("Pump skid expansion", customer="Käserei Alpen AG", hours_ahead=72)
    approve_briefing(deal, rita, max_)
    fill_briefing(deal.briefing, rita, walk_away_price=Decimal("205.00"), max_discount_pct=Decimal("15.00"))
    deal_url = f"{live_server.url}/deals/{deal.pk}/"

    sign_in(page, live_server, "rita")
    page.goto(deal_url)
    expect(page.get_by_test_id("readiness-score")).to_have_text("4 of 7")

    # The changed limits go back to Max, the boss is asked for guidelines, Paul for cover.
    page.get_by_role("link", name="Edit briefing").click()
    page.get_by_role("button", name="Save and submit for approval").click()
    # Submitting offers to ask the departments not asked yet; Rita asks the boss from the deal page.
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask every department")
    page.get_by_role("link", name="Not now").click()
    expect(page.get_by_test_id("briefing-status")).to_have_text("Waiting for approval")
    boss = page.get_by_test_id("consultation").and_(page.locator("[data-department='boss']"))
    boss.get_by_role("link", name="Request").click()
    page.get_by_label("Questions to answer").fill("How far may I go on the walk-away?")
    page.get_by_role("button", name="Send the request").click()
    page.goto(deal_url)
    page.get_by_role("link", name="+ Ask someone to be on call").first.click()
    page.get_by_label("Colleague on call").select_option(label=f"{paul.get_full_name()} (Production)")
    page.get_by_label("Topic").fill("pump specifications")
    page.get_by_role("button", name="Ask to be on call").click()
    expect(page.get_by_test_id("on-call").first).to_contain_text("Asked")
    expect(page.get_by_test_id("readiness-score")).to_have_text("4 of 7")
    sign_out(page)

    # Max approves from his queue and answers the boss consultation from his home page.
    sign_in(page, live_server, "max")
    page.get_by_test_id("queue-item").filter(has_text=deal.title).get_by_role(
        "button", name="Approve"
    ).click()
    expect(page.get_by_test_id("queue-item-done")).to_contain_text("approved")
    page.goto(f"{live_server.url}/")
    page.get_by_test_id("asked-item").filter(has_text=deal.title).get_by_role("link", name="Answer").click()
    page.get_by_label("Guidelines for the negotiation").fill("Hold 205; trade volume for delivery slots.")
    page.get_by_role("button", name="Send the answer").click()
    sign_out(page)

    # Paul accepts the on-call request on his home page.
    sign_in(page, live_server, "paul")
    on_call = page.get_by_test_id("on-call-request").filter(has_text=deal.title)
    on_call.get_by_role("button", name="Accept").click()
    expect(page.get_by_test_id("on-call-request").filter(has_text=deal.title)).to_contain_text("Accepted")
    sign_out(page)

    sign_in(page, live_server, "rita")
    page.goto(deal_url)
    expect(page.get_by_test_id("readiness-score")).to_have_text("7 of 7")
    expect(page.get_by_test_id("readiness-checklist").locator("[data-ok='no']")).to_have_count(0)
    page.screenshot(path=artifacts / "deal-ready-7-of-7.png", full_page=True)
    deal.refresh_from_db()
    assert deal.status == DealStatus.READY
