import zoneinfo
from datetime import datetime, time, timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from deals.models import Customer, Deal
from deals.services.demo import demo_seed
from tests.browser.conftest import sign_in, sign_out
from tests.browser.stories import demo_team
from tests.factories import ContactFactory

pytestmark = pytest.mark.browser


def _local_input(day_offset: int, hour: int) -> str:
    """A datetime-local value in rita's time zone (the default one)."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    day = timezone.now().astimezone(zone).date() + timedelta(days=day_offset)
    return datetime.combine(day, time(hour, 0)).strftime("%Y-%m-%dT%H:%M")


def test_a_rep_creates_a_deal_moves_its_meeting_and_the_manager_reads_it(
    live_server, page, transactional_db, artifacts
):
    demo_seed()
    sign_in(page, live_server, "rita")

    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Deals").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Deals")
    page.get_by_role("link", name="New deal").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New deal")
    expect(page.get_by_test_id("contact-choices-hint")).to_be_visible()

    page.locator("#id_new_customer_name").fill("Globex Pumps")
    page.get_by_label("Industry").fill("Water utilities")
    page.locator("#id_new_contact-0-name").fill("Hank Scorpio")
    page.locator("#id_new_contact-0-title").fill("Chief Executive")
    page.locator("#id_new_contact-0-buying_role").select_option(label="Decision maker")
    page.locator("#id_new_contact-0-cares_about").fill("Getting the plant running before summer")
    page.get_by_role("button", name="Add another contact").click()
    expect(page.locator("#id_new_contact-2-name")).to_be_visible()

    page.locator("#id_title").fill("Pumps for the Springfield plant")
    page.get_by_label("Products / scope").fill("40 industrial pumps, model IP-40")
    page.get_by_label("Quantity").fill("40")
    page.get_by_label("Estimated value").fill("250000")
    page.get_by_label("Involves production").check()
    page.get_by_label("Starts at").fill(_local_input(2, 10))
    page.get_by_label("Ends at").fill(_local_input(2, 11))
    page.get_by_label("Location").fill("Globex HQ, Springfield")
    page.screenshot(path=artifacts / "deal-create-rita.png", full_page=True)
    page.get_by_role("button", name="Create deal").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Pumps for the Springfield plant")
    expect(page.get_by_text("created with its first meeting")).to_be_visible()
    meetings = page.locator("#meetings")
    expect(meetings).to_contain_text("Hank Scorpio")
    expect(meetings).to_contain_text("Exploratory")
    expect(page.locator("#contacts")).to_contain_text("Decision maker")
    expect(page.locator("#timeline")).to_contain_text("created the deal")
    expect(page.get_by_test_id("deal-value")).to_have_text("250,000.00 EUR")

    page.get_by_role("link", name="Deals", exact=True).first.click()
    row = page.get_by_test_id("deal-row").filter(has_text="Pumps for the Springfield plant")
    expect(row).to_contain_text("Globex Pumps")
    expect(row).to_contain_text("Preparing")
    page.screenshot(path=artifacts / "deal-list-rita.png", full_page=True)
    row.get_by_role("link", name="Pumps for the Springfield plant").click()

    page.locator("#meetings").get_by_role("link", name="Move / edit").click()
    page.get_by_label("Starts at").fill(_local_input(3, 14))
    page.get_by_label("Ends at").fill(_local_input(3, 15))
    page.get_by_role("button", name="Save meeting").click()
    expect(page.get_by_text("Meeting saved")).to_be_visible()
    expect(page.locator("#timeline")).to_contain_text("moved the exploratory meeting")
    expect(page.locator("#meetings")).to_contain_text("14:00")
    page.screenshot(path=artifacts / "deal-detail-rita.png", full_page=True)

    deal = Deal.objects.get(title="Pumps for the Springfield plant")
    meeting = deal.meetings.get()
    assert timezone.localtime(meeting.starts_at, zoneinfo.ZoneInfo(settings.TIME_ZONE)).hour == 14
    assert deal.owner.username == "rita"

    sign_out(page)
    sign_in(page, live_server, "max")
    page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Deals").click()
    expect(page.get_by_role("link", name="New deal")).to_have_count(0)
    page.get_by_role("link", name="Pumps for the Springfield plant").click()
    expect(page.get_by_test_id("read-only")).to_be_visible()
    expect(page.locator("#meetings")).to_contain_text("14:00")
    expect(page.get_by_role("link", name="Edit deal")).to_have_count(0)
    expect(page.get_by_role("link", name="Move / edit")).to_have_count(0)
    expect(page.get_by_role("link", name="Add meeting")).to_have_count(0)
    page.screenshot(path=artifacts / "deal-detail-max.png", full_page=True)


def test_picking_an_existing_customer_offers_its_contacts_to_tick(live_server, page, transactional_db):
    demo_seed()
    team = demo_team()
    customer, _ = Customer.objects.get_or_create(team=team, name="Initrode Valves")
    ContactFactory(customer=customer, name="Peggy Purchaser", title="Buyer")
    sign_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/deals/new/")

    page.get_by_label("Existing customer").select_option(label="Initrode Valves")
    choices = page.locator("#contact-choices")
    expect(choices).to_contain_text("Peggy Purchaser")
    choices.get_by_role("checkbox").check()

    page.locator("#id_title").fill("Valves for Initrode")
    page.get_by_label("Products / scope").fill("Control valves")
    page.get_by_label("Estimated value").fill("1000")
    page.get_by_label("Starts at").fill(_local_input(1, 9))
    page.get_by_label("Ends at").fill(_local_input(1, 10))
    page.get_by_label("Video link").fill("https://meet.example.com/initrode")
    page.get_by_role("button", name="Create deal").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Valves for Initrode")
    expect(page.locator("#meetings")).to_contain_text("Peggy Purchaser")
