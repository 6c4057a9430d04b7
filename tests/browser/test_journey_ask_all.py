import re
import zoneinfo
from datetime import datetime, time, timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from deals.models import ConsultationStatus, Deal, Department
from deals.services.demo import demo_seed
from teams.models import Notification
from tests.browser.conftest import sign_in
from tests.browser.stories import person

pytestmark = pytest.mark.browser


def _local_input(day_offset: int, hour: int) -> str:
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    day = timezone.now().astimezone(zone).date() + timedelta(days=day_offset)
    return datetime.combine(day, time(hour, 0)).strftime("%Y-%m-%dT%H:%M")


def test_rita_creates_a_deal_and_asks_all_its_departments_with_one_submit(
    live_server, page, transactional_db, artifacts
):
    demo_seed()
    paul, sue = person("paul"), person("sue")
    before = set(Notification.objects.values_list("pk", flat=True))

    # A new deal that needs production and delivery.
    sign_in(page, live_server, "rita")
    page.get_by_role("link", name="+ New deal").click()
    page.locator("#id_new_customer_name").fill("Molkerei Nord eG")
    page.locator("#id_new_contact-0-name").fill("Jana Einkauf")
    page.locator("#id_new_contact-0-buying_role").select_option(label="Economic buyer")
    page.locator("#id_title").fill("Filling valves for the dairy")
    page.get_by_label("Products / scope").fill("Hygienic filling valves HV-300")
    page.get_by_label("Quantity").fill("300")
    page.get_by_label("Estimated value").fill("90000")
    page.get_by_label("Involves production").check()
    page.get_by_label("Involves delivery").check()
    page.get_by_label("Starts at").fill(_local_input(4, 10))
    page.get_by_label("Ends at").fill(_local_input(4, 11))
    page.get_by_label("Location").fill("Molkerei Nord, Kiel")
    page.get_by_role("button", name="Create deal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Filling valves for the dairy")

    deal = Deal.objects.get(title="Filling valves for the dairy")
    required = list(deal.consultations.filter(required=True).values_list("department", flat=True))
    assert {Department.PRODUCTION, Department.SUPPLY_CHAIN} <= set(required)

    # One link from the consultations panel opens one form with a row per department.
    page.get_by_test_id("ask-all").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask every department")
    rows = page.get_by_test_id("ask-row")
    expect(page.get_by_test_id("ask-required-count")).to_have_text(str(len(required)))
    production = rows.and_(page.locator("[data-department='production']"))
    supply_chain = rows.and_(page.locator("[data-department='supply_chain']"))
    expect(production.get_by_label("Questions to answer")).to_have_value(re.compile("Can we make 300 units"))
    expect(production.get_by_label("Answer needed by")).not_to_have_value("")

    # A row left empty is refused on that row, and nothing is sent.
    production.get_by_label("Questions to answer").fill("Can we make 300 HV-300 valves with EHEDG seals?")
    supply_chain.get_by_label("Questions to answer").fill("")
    page.get_by_role("button", name="Send all requests").click()
    expect(page.get_by_test_id("form-errors")).to_contain_text("Nothing was sent")
    expect(supply_chain.get_by_text("Write the questions you need answered.")).to_be_visible()
    expect(production.get_by_label("Questions to answer")).to_have_value(
        "Can we make 300 HV-300 valves with EHEDG seals?"
    )
    assert not deal.consultations.exclude(status=ConsultationStatus.OPEN).exists()

    supply_chain.get_by_label("Questions to answer").fill("Can we deliver 300 valves to Kiel by March?")
    page.screenshot(path=artifacts / "ask-all-rita.png", full_page=True)
    page.get_by_role("button", name="Send all requests").click()

    # Every required department is asked, and the next step follows: the on-call colleague. Rita
    # leaves that for later and goes back to the deal page.
    expect(page.get_by_role("alert").filter(has_text="Asked ")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask a colleague to be on call")
    page.get_by_role("navigation", name="breadcrumb").get_by_role("link", name=deal.title).click()
    panel = page.get_by_test_id("consultations-panel")
    for department in required:
        row = panel.get_by_test_id("consultation").and_(page.locator(f"[data-department='{department}']"))
        expect(row.get_by_test_id("consultation-status")).to_have_text("Asked")
    expect(page.get_by_test_id("ask-all")).to_have_count(0)

    assert not deal.consultations.filter(required=True, status=ConsultationStatus.OPEN).exists()
    assert deal.consultations.get(department=Department.PRODUCTION).questions == (
        "Can we make 300 HV-300 valves with EHEDG seals?"
    )
    told = Notification.objects.exclude(pk__in=before).filter(kind="consultation_requested")
    assert {paul.pk, sue.pk} <= set(told.values_list("recipient", flat=True))
