import re

import pytest
from playwright.sync_api import expect

from deals.models import BriefingStatus
from deals.services.demo import demo_seed
from tests.browser.conftest import sign_in, sign_out
from tests.browser.stories import briefing_begun, person, ritas_deal

pytestmark = pytest.mark.browser


def test_rita_prepares_a_briefing_and_max_approves_it(live_server, page, transactional_db, artifacts):
    demo_seed()
    deal = ritas_deal(
        "Bottling valves for plant four",
        customer="Brauerei West GmbH",
        involves_production=True,
        involves_delivery=True,
    )
    briefing_begun(deal)

    # Rita fills in the limits and pitch points and submits.
    sign_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/deals/{deal.pk}/")
    page.get_by_role("link", name="Edit briefing").click()
    page.get_by_label("Target price (per unit)").fill("232")
    page.get_by_label("Walk-away price (per unit)").fill("240")
    page.get_by_label("Maximum discount (%)").fill("10")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("walk-away price must not be above the target price")).to_be_visible()

    page.get_by_label("Walk-away price (per unit)").fill("215")
    page.get_by_role("button", name="+ Add pitch point").click()
    page.locator("[name='pitch-1-feature']").fill("Five-year warranty")
    page.locator("[name='pitch-1-benefit']").fill("Predictable maintenance budget")
    page.locator("[name='pitch-1-feature']").locator("xpath=ancestor::*[@data-formset-row]").get_by_role(
        "button", name="Move up"
    ).click()
    page.get_by_role("button", name="+ Add trade").click()
    page.locator("[name='concession-0-give']").fill("2 % discount")
    page.locator("[name='concession-0-get']").fill("a three-year term")
    page.screenshot(path=artifacts / "briefing-editor.png", full_page=True)
    page.get_by_role("button", name="Save and submit for approval").click()
    # Submitting offers to ask the departments not asked yet; they are asked elsewhere.
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask every department")
    page.get_by_role("link", name="Not now").click()

    expect(page.get_by_test_id("briefing-status")).to_have_text("Waiting for approval")
    expect(page.get_by_test_id("pitch-points").locator("li").first).to_contain_text("Five-year warranty")
    sign_out(page)

    # Max decides from his home page.
    sign_in(page, live_server, "max")
    item = page.get_by_test_id("queue-item").filter(has_text=deal.title)
    expect(item.get_by_test_id("queue-numbers")).to_contain_text("215.00")
    waiting = int(page.locator("#approval-queue-count").inner_text())
    pipeline_row = page.get_by_test_id("team-deals").get_by_role("row").filter(has_text=deal.title)
    expect(pipeline_row).to_contain_text("waiting for approval")
    item.get_by_role("button", name="Approve").click()
    expect(page.get_by_test_id("queue-item-done")).to_contain_text("approved")
    expect(page.get_by_test_id("queue-item-done")).to_be_focused()
    # The count and the team pipeline follow the decision without a reload.
    expect(page.locator("#approval-queue-count")).to_have_text(str(waiting - 1))
    expect(pipeline_row).not_to_contain_text("waiting for approval")
    sign_out(page)

    deal.briefing.refresh_from_db()
    assert deal.briefing.status == BriefingStatus.APPROVED

    # Rita lowers the walk-away price: a new version that needs approval again.
    sign_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/deals/{deal.pk}/briefing/")
    page.get_by_label("Walk-away price (per unit)").fill("205")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_test_id("briefing-status")).to_have_text("Draft")
    expect(page.get_by_test_id("approved-version")).to_contain_text("version 1")
    page.get_by_role("link", name="History").click()
    expect(page.get_by_test_id("version-1")).to_contain_text(f"Approved by {person('max').get_full_name()}")
    page.goto(f"{live_server.url}/deals/{deal.pk}/briefing/")
    page.get_by_role("button", name="Save and submit for approval").click()
    page.get_by_role("link", name="Not now").click()
    page.get_by_role("link", name="History").click()
    version_2 = page.get_by_test_id("version-2")
    expect(version_2).to_contain_text(re.compile(r"Walk-away price\s+215.00 EUR\s+205.00 EUR"))
    page.screenshot(path=artifacts / "briefing-history.png", full_page=True)
