import pytest
from playwright.sync_api import expect

from deals.models import Deal, DealStatus
from deals.services.demo import demo_seed
from tests.browser.conftest import sign_in, sign_out
from tests.browser.stories import ritas_deal
from tests.factories import ContactFactory

pytestmark = pytest.mark.browser

TITLE = "Valves for the closing journey"


def test_a_rep_archives_a_contact_closes_and_archives_a_deal_and_the_manager_restores_and_reopens_it(
    live_server, page, transactional_db, artifacts
):
    demo_seed()
    deal = ritas_deal(TITLE, customer="Closing Journey Pumps")
    ContactFactory(customer=deal.customer, name="Leona Leaving", title="Buyer")
    sign_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/deals/{deal.pk}/")

    contacts = page.locator("#contacts")
    contacts.get_by_role("button", name="Archive Leona Leaving").click()
    expect(page.get_by_text("Leona Leaving was archived")).to_be_visible()
    expect(contacts.get_by_test_id("contact").filter(has_text="Leona Leaving")).to_have_count(0)
    contacts.get_by_text("Archived contacts (1)").click()
    expect(contacts.get_by_test_id("archived-contact")).to_contain_text("Leona Leaving")
    page.locator("#meetings").get_by_role("link", name="Add meeting").first.click()
    expect(page.get_by_role("checkbox")).to_have_count(1)  # rita's first contact, not Leona
    expect(page.get_by_role("checkbox", name="Leona Leaving")).to_have_count(0)
    page.go_back()

    page.get_by_role("link", name="Close the deal…").click()
    expect(page.get_by_test_id("meetings-ahead")).to_contain_text("Closing cancels 1 meeting ahead")
    page.get_by_label("Lost").check()
    page.get_by_label("Why").fill("The customer chose a cheaper offer")
    page.screenshot(path=artifacts / "deal-close-rita.png", full_page=True)
    page.get_by_role("button", name="Close the deal").click()
    expect(page.get_by_role("alert").filter(has_text="The deal was closed as lost")).to_be_visible()
    expect(page.get_by_test_id("close-reason")).to_contain_text("The customer chose a cheaper offer")
    expect(page.locator("#timeline")).to_contain_text("closed the deal as lost")
    expect(page.locator("#meetings")).to_contain_text("Cancelled")

    page.get_by_role("button", name="Archive", exact=True).click()
    expect(page.get_by_text("The deal was archived")).to_be_visible()
    expect(page.get_by_test_id("read-only")).to_contain_text("Archived")
    expect(page.get_by_role("link", name="Edit deal")).to_have_count(0)
    page.screenshot(path=artifacts / "deal-archived-rita.png", full_page=True)
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Deals").click()
    expect(page.get_by_role("link", name=TITLE)).to_have_count(0)
    expect(page.get_by_label("Archived deals")).to_have_count(0)

    sign_out(page)
    sign_in(page, live_server, "max")
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Deals").click()
    expect(page.get_by_role("link", name=TITLE)).to_have_count(0)
    page.get_by_label("Archived deals").select_option(label="Only archived")
    row = page.get_by_test_id("deal-row").filter(has_text=TITLE)
    expect(row).to_contain_text("Archived")
    page.screenshot(path=artifacts / "deal-list-archived-max.png", full_page=True)
    row.get_by_role("link", name=TITLE).click()
    page.get_by_role("button", name="Restore to the lists").click()
    expect(page.get_by_text("The deal was restored")).to_be_visible()
    deal = Deal.objects.get(pk=deal.pk)
    assert deal.archived_at is None
    assert deal.status == DealStatus.LOST

    # The customer comes back: max reopens the deal, and it is open again.
    page.get_by_role("link", name="Reopen…").click()
    page.get_by_label("Why").fill("They came back with a new budget")
    page.get_by_role("button", name="Reopen the deal").click()
    expect(page.get_by_role("alert").filter(has_text="The deal is open again")).to_be_visible()
    expect(page.get_by_role("link", name="Close the deal…")).to_be_visible()
    expect(page.locator("#timeline")).to_contain_text("reopened the deal: They came back with a new budget")
    assert Deal.objects.get(pk=deal.pk).status == DealStatus.PREPARING
