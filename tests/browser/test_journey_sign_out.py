import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from deals.services.demo import demo_seed
from tests.browser.conftest import sign_in, sign_out
from tests.browser.stories import person, ritas_deal
from tests.deals.briefing_helpers import approve_briefing

pytestmark = pytest.mark.browser


@pytest.fixture
def page_with_back_forward_cache(playwright, browser_type_launch_args):
    """A page in a Chromium that keeps pages for the back button, as a user's does
    (Playwright turns that cache off by default)."""
    browser = playwright.chromium.launch(
        **browser_type_launch_args, ignore_default_args=["--disable-back-forward-cache"]
    )
    yield browser.new_context().new_page()
    browser.close()


def test_after_sign_out_the_back_button_shows_the_login_not_the_limits(
    transactional_db, live_server, page_with_back_forward_cache
):
    # The database first: the page's browser is closed before its tables are emptied.
    page = page_with_back_forward_cache
    demo_seed()
    deal = ritas_deal("Valves for the brewery", customer="Brauerei Nord AG")
    approve_briefing(deal, person("rita"), person("max"), walk_away_price=Decimal("215.00"))
    meeting = deal.meetings.get()

    # Rita reads the limits on the meeting brief, then opens the deal, then signs out.
    sign_in(page, live_server, "rita")
    brief_url = f"{live_server.url}/deals/meetings/{meeting.pk}/brief/"
    page.goto(brief_url)
    expect(page.get_by_test_id("limit-walk-away-price")).to_have_text("215.00 EUR")
    deal_url = f"{live_server.url}/deals/{deal.pk}/"
    page.goto(deal_url)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Valves for the brewery")
    sign_out(page)
    expect(page.get_by_role("heading", name="Sign in to NegPrep")).to_be_visible()

    # The next person at the computer presses back: the browser kept no copy and asks the
    # server again, which answers with the login page.
    page.go_back(wait_until="commit")
    expect(page.get_by_role("heading", name="Sign in to NegPrep")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/deals/{deal.pk}/")
    page.go_back(wait_until="commit")
    expect(page.get_by_role("heading", name="Sign in to NegPrep")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=/deals/meetings/{meeting.pk}/brief/")
    expect(page.get_by_text("215.00 EUR")).to_have_count(0)


def test_the_deal_list_leaves_no_copy_in_the_browser_storage(live_server, page, transactional_db):
    """htmx keeps pages whose address it pushed in localStorage unless told not to; the deal list
    pushes its filters, and its rows must not outlive the session."""
    demo_seed()
    sign_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/deals/")
    with page.expect_response(lambda response: "sort=" in response.url):
        page.locator("#deal-results thead a").first.click()
    expect(page).to_have_url(re.compile(r"sort="))
    page.goto(f"{live_server.url}/deals/?page=1")
    assert page.evaluate("window.localStorage.getItem('htmx-history-cache')") is None
