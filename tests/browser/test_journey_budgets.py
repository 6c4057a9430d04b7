"""What each everyday journey may cost, counted in the browser from the home page by clicking only.

Each journey signs in (the only address typed) and starts on the home page: that page is load 0.
From there on it follows only what the pages show, and ``Journey`` counts every full page load
(a link followed, a form posted and the page it lands on) and every click; htmx swaps load no
page. A journey over its budget fails and lists the pages it loaded and what it clicked.

The budgets (issue 11):

- the rep, from a new deal to the briefing written and submitted, every required department
  asked, the payment terms requested and an on-call colleague asked: at most 8 page loads;
- the manager, giving guidelines and approving (or returning) a briefing: 1 click;
- finance, deciding a payment-term request whose policy breach shows on the home page: 2 clicks;
- production and supply chain, answering what they are asked: 2 clicks;
- the rep after a meeting, filing the report: at most 2 page loads.
"""

import zoneinfo
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from deals.models import (
    BriefingStatus,
    ConsultationStatus,
    Deal,
    Department,
    FinancePolicy,
    MeetingStage,
    NegotiationReport,
    OnCall,
    PaymentTermRequest,
    PaymentTermStatus,
)
from deals.services.ask_all import Ask, consultations_ask_all
from deals.services.briefings import briefing_submit
from deals.services.demo import demo_seed
from deals.services.guidelines import guidelines_ask
from deals.services.payments import payment_request_submit
from tests.browser.conftest import sign_in
from tests.browser.journey import Journey
from tests.browser.stories import demo_team, person, ritas_deal
from tests.deals.briefing_helpers import approve_briefing, fill_briefing

pytestmark = pytest.mark.browser


def _local_input(day_offset: int, hour: int) -> str:
    """A datetime-local value in rita's time zone (the default one)."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    day = timezone.now().astimezone(zone).date() + timedelta(days=day_offset)
    return datetime.combine(day, time(hour, 0)).strftime("%Y-%m-%dT%H:%M")


def _strict_policy():
    FinancePolicy.objects.update_or_create(
        team=demo_team(),
        defaults={"standard_net_days": 30, "max_net_days": 60, "min_deposit_pct": 10, "max_instalments": 3},
    )


# The rep: from a new deal to everything asked ---------------------------------------------------


def test_rita_prepares_a_new_deal_and_asks_everyone_within_eight_page_loads(
    live_server, page, transactional_db, artifacts
):
    demo_seed()
    _strict_policy()
    max_ = person("max")
    sign_in(page, live_server, "rita")
    journey = Journey(page)

    # The new deal: it needs production, delivery and special payment terms.
    journey.click(page.get_by_role("link", name="+ New deal"), "+ New deal")
    page.locator("#id_new_customer_name").fill("Brauerei Nordlicht AG")
    page.locator("#id_new_contact-0-name").fill("Lena Einkauf")
    page.locator("#id_new_contact-0-buying_role").select_option(label="Economic buyer")
    page.locator("#id_title").fill("Bottling valves for the new hall")
    page.get_by_label("Products / scope").fill("Hygienic bottling valves HV-300")
    page.get_by_label("Quantity").fill("400")
    page.get_by_label("Estimated value").fill("100000")
    page.get_by_label("Involves production").check()
    page.get_by_label("Involves delivery").check()
    page.get_by_label("Special payment terms").check()
    page.get_by_label("Starts at").fill(_local_input(5, 10))
    page.get_by_label("Ends at").fill(_local_input(5, 12))
    page.get_by_label("Location").fill("Brauerei Nordlicht, Flensburg")
    journey.click(page.get_by_role("button", name="Create deal"), "Create deal")
    deal_title = "Bottling valves for the new hall"

    # The briefing, from the deal page: written and submitted.
    expect(page.get_by_role("heading", level=1)).to_have_text(deal_title)
    journey.click(page.get_by_role("link", name="Edit briefing"), "Edit briefing")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Briefing for {deal_title}")
    page.get_by_label("Objectives").fill("A frame contract for the new bottling hall.")
    page.get_by_label("List price (per unit)").fill("250")
    page.get_by_label("Target price (per unit)").fill("235")
    page.get_by_label("Walk-away price (per unit)").fill("215")
    page.get_by_label("Maximum discount (%)").fill("10")
    journey.click(page.get_by_role("button", name="+ Add pitch point"), "+ Add pitch point")
    page.locator("[name='pitch-0-feature']").fill("Five-year warranty")
    page.locator("[name='pitch-0-benefit']").fill("A predictable maintenance budget")
    journey.click(
        page.get_by_role("button", name="Save and submit for approval"), "Save and submit for approval"
    )

    # Every required department, asked with one submit.
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask every department")
    journey.click(page.get_by_role("button", name="Send all requests"), "Send all requests")

    # Then straight on to the payment terms: outside the policy, with the reasons.
    expect(page.get_by_text("Next: request the payment terms")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Request payment terms")
    page.get_by_label("Net days").fill("60")
    page.get_by_label("Deposit (%)").fill("0")
    page.get_by_label("The customer's reason").fill("Their budget is released after the summer.")
    page.get_by_label("Your justification").fill("A frame contract; they always paid on time.")
    journey.click(page.get_by_role("button", name="Submit request"), "Submit request")

    # And to the on-call colleague for the first meeting.
    expect(page.get_by_text("Sent to finance")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask a colleague to be on call")
    page.get_by_label("Colleague on call").select_option(label=f"{max_.get_full_name()} (Manager)")
    page.get_by_label("Topic").fill("prices and discounts")
    journey.click(page.get_by_role("button", name="Ask to be on call"), "Ask to be on call")
    expect(page.get_by_role("heading", level=1)).to_have_text(deal_title)
    expect(page.get_by_test_id("on-call").first).to_contain_text("Asked")
    page.screenshot(path=artifacts / "budget-rep-prepared.png", full_page=True)

    journey.within(loads=8)
    deal = Deal.objects.get(title=deal_title)
    assert deal.briefing.status == BriefingStatus.SUBMITTED
    assert not deal.consultations.filter(required=True, status=ConsultationStatus.OPEN).exists()
    assert deal.payment_requests.get().status == PaymentTermStatus.SUBMITTED
    assert OnCall.objects.filter(meeting__deal=deal, member=max_).exists()


# The manager: guidelines and the decision in one click ------------------------------------------


def test_max_gives_guidelines_and_approves_from_his_home_in_one_click(live_server, page, transactional_db):
    demo_seed()
    rita = person("rita")
    deal = ritas_deal("Valve blocks for the malt house", customer="Mälzerei Ost GmbH")
    guidelines_ask(deal=deal, by=rita, questions="How far may I go on the walk-away price?")
    fill_briefing(deal.briefing, rita)
    deal.briefing.refresh_from_db()
    briefing_submit(briefing=deal.briefing, by=rita)

    sign_in(page, live_server, "max")
    journey = Journey(page)
    card = page.get_by_test_id("queue-item").filter(has_text=deal.title)
    expect(card.get_by_test_id("queue-question")).to_contain_text("How far may I go")
    card.get_by_label(f"Guidelines for {deal.title}").fill("Hold 210; trade volume for delivery slots.")
    journey.click(card.get_by_role("button", name="Approve"), "Approve")
    expect(page.get_by_test_id("queue-item-done")).to_contain_text("approved")

    journey.within(loads=0, clicks=1)
    deal.briefing.refresh_from_db()
    assert deal.briefing.status == BriefingStatus.APPROVED
    given = deal.briefing.guidelines.exclude(guidelines="").get()
    assert given.guidelines == "Hold 210; trade volume for delivery slots."


def test_max_returns_a_briefing_with_guidelines_from_his_home_in_one_click(
    live_server, page, transactional_db
):
    demo_seed()
    rita = person("rita")
    deal = ritas_deal("Cleaning valves for the dairy", customer="Käserei Bergland eG")
    fill_briefing(deal.briefing, rita)
    deal.briefing.refresh_from_db()
    briefing_submit(briefing=deal.briefing, by=rita)

    sign_in(page, live_server, "max")
    journey = Journey(page)
    card = page.get_by_test_id("queue-item").filter(has_text=deal.title)
    card.get_by_label(f"Guidelines for {deal.title}").fill("Open with the service package, not the price.")
    card.get_by_label(f"Comment on {deal.title}").fill("The walk-away is too low for a new customer.")
    journey.click(card.get_by_role("button", name="Return"), "Return")
    expect(page.get_by_test_id("queue-item-done")).to_contain_text("returned")

    journey.within(loads=0, clicks=1)
    deal.briefing.refresh_from_db()
    assert deal.briefing.status == BriefingStatus.CHANGES_REQUESTED
    assert deal.briefing.guidelines.filter(guidelines__startswith="Open with the service").exists()


def test_max_gives_guidelines_before_the_limits_exist_from_his_home_in_one_click(
    live_server, page, transactional_db
):
    demo_seed()
    deal = ritas_deal("Steam valves for the distillery", customer="Brennerei Nord KG")
    guidelines_ask(deal=deal, by=person("rita"), questions="Should I open with the service package?")

    sign_in(page, live_server, "max")
    journey = Journey(page)
    card = page.get_by_test_id("queue-item").filter(has_text=deal.title)
    expect(card).to_contain_text("the briefing is not submitted yet")
    card.get_by_label(f"Guidelines for {deal.title}").fill("Yes: open with the service package.")
    journey.click(card.get_by_role("button", name="Give guidelines"), "Give guidelines")
    expect(page.get_by_test_id("queue-item-done")).to_be_visible()

    journey.within(loads=0, clicks=1)
    assert deal.briefing.guidelines.filter(guidelines="Yes: open with the service package.").exists()


# Finance: the breach on the home page, the decision in two clicks -------------------------------


def test_fiona_sees_the_breach_on_her_home_and_decides_in_two_clicks(live_server, page, transactional_db):
    demo_seed()
    _strict_policy()
    rita = person("rita")
    deal = ritas_deal("Valve frame contract for the brewery", customer="Brauhaus West AG")
    payment_request_submit(
        deal=deal,
        by=rita,
        net_days=60,
        deposit_pct=Decimal("10"),
        instalments=1,
        early_payment_discount=False,
        other_conditions="",
        customer_reason="Their budget is released after the summer shutdown.",
        justification="Frame contract for three plants; they always paid on time.",
    )

    sign_in(page, live_server, "fiona")
    journey = Journey(page)
    item = page.get_by_test_id("payment-queue-item").filter(has_text=deal.title)
    expect(item.get_by_test_id("queue-breaches")).to_contain_text("60 net days exceed the standard 30")
    expect(item.locator("[data-exceeds='net_days']")).to_be_visible()
    journey.click(item.get_by_role("link", name="Decide"), "Decide")
    page.get_by_label("Note for the rep").fill("Granted for a frame contract with a good payer.")
    journey.click(page.get_by_role("button", name="Approve"), "Approve")
    expect(page.get_by_text("Approved: the terms are now the briefing's payment-terms limit")).to_be_visible()

    journey.within(clicks=2)
    assert PaymentTermRequest.objects.get(deal=deal).status == PaymentTermStatus.APPROVED


# Production and supply chain: an answer in two clicks --------------------------------------------


def _asked_of_production_and_supply_chain() -> Deal:
    rita = person("rita")
    deal = ritas_deal(
        "Filling valves for the juice line",
        customer="Saftwerk Nord GmbH",
        hours_ahead=96,
        involves_production=True,
        involves_delivery=True,
    )
    consultations_ask_all(
        deal=deal,
        by=rita,
        asks=[
            Ask(department=Department.PRODUCTION, questions="Can we make 500 HV-200 valves by May?"),
            Ask(department=Department.SUPPLY_CHAIN, questions="Can we deliver 500 valves to Kiel by May?"),
        ],
        seen=set(deal.consultations.values_list("pk", flat=True)),
    )
    return deal


@pytest.mark.parametrize("username,department", [("paul", "production"), ("sue", "supply_chain")])
def test_a_department_answers_from_its_home_in_two_clicks(
    live_server, page, transactional_db, username, department
):
    demo_seed()
    deal = _asked_of_production_and_supply_chain()
    committed = timezone.localdate() + timedelta(days=50)

    sign_in(page, live_server, username)
    journey = Journey(page)
    asked = page.get_by_test_id("asked-item").filter(has_text=deal.title)
    journey.click(asked.get_by_role("link", name="Answer"), "Answer")
    expect(page.get_by_test_id("consultation-questions")).to_contain_text("500")
    page.get_by_label("Yes", exact=True).check()
    page.get_by_label("Lead time to mobilise (days)").fill("10")
    page.get_by_label("Earliest date we commit to").fill(committed.isoformat())
    journey.click(page.get_by_role("button", name="Send the answer"), "Send the answer")
    sent = page.get_by_role("alert").filter(has_text=f"your answer on “{deal.title}” was sent")
    expect(sent).to_be_visible()

    journey.within(clicks=2)
    assert deal.consultations.get(department=department).status == ConsultationStatus.ANSWERED


# The rep after a meeting: the report in two page loads ------------------------------------------


def test_rita_files_the_report_of_a_past_meeting_within_two_page_loads(live_server, page, transactional_db):
    demo_seed()
    deal = ritas_deal("Spare valves for the cannery", customer="Konserven Nord AG", stage=MeetingStage.FINAL)
    approve_briefing(deal, person("rita"), person("max"))
    meeting = deal.meetings.get()
    starts_at = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=5)
    deal.meetings.filter(pk=meeting.pk).update(starts_at=starts_at, ends_at=starts_at + timedelta(hours=2))

    sign_in(page, live_server, "rita")
    journey = Journey(page)
    to_file = page.get_by_test_id("report-to-file").filter(has_text=deal.title)
    journey.click(to_file.get_by_role("link", name="File the report"), "File the report")
    page.get_by_label("Continue negotiating").check()
    page.get_by_label("Next steps").fill("Send the revised offer by Friday.")
    journey.click(page.get_by_role("button", name="File the report"), "File the report")
    expect(page.get_by_text("Report filed")).to_be_visible()

    journey.within(loads=2)
    assert NegotiationReport.objects.filter(meeting=meeting).exists()
