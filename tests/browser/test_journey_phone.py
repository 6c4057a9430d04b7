"""The deal page on a phone (390 px wide): what matters before the meeting comes first, the rest folds."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect

from deals.models import Deal
from deals.services.demo import demo_seed
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
FOLDED = [
    "Summary",
    "Briefing",
    "Consultations",
    "Payment terms",
    "Meetings",
    "Reports",
    "Contacts",
    "Timeline",
]

# Every piece of visible text smaller than 12 px, with where it is.
SMALL_TEXT = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const text = walker.currentNode.textContent.trim();
    const element = walker.currentNode.parentElement;
    if (!text || !element.checkVisibility()) continue;
    const size = parseFloat(getComputedStyle(element).fontSize);
    const where = `<${element.tagName.toLowerCase()} class="${element.className}">`;
    if (size < 12) found.push(`${size}px "${text.slice(0, 40)}" in ${where}`);
  }
  return found;
}"""

BADGE_SIZES = """() => [...document.querySelectorAll(".badge")]
  .filter((badge) => badge.checkVisibility())
  .map((badge) => parseFloat(getComputedStyle(badge).fontSize))"""


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    yield context.new_page()
    context.close()


def test_a_phone_shows_readiness_and_the_next_meeting_first_and_folds_the_rest(
    live_server, phone, transactional_db, artifacts
):
    demo_seed()
    deal = Deal.objects.get(title="Valve frame contract 2027")
    page = phone
    sign_in(page, live_server, "rita")
    page.goto(f"{live_server.url}{reverse('deals:detail', args=[deal.pk])}")

    # First the deal, how ready its next meeting is and what is missing, and that meeting's brief.
    expect(page.get_by_role("heading", level=1)).to_have_text(deal.title)
    readiness = page.get_by_test_id("glance-readiness")
    expect(readiness).to_contain_text(" of ")
    # What is open, in a word or two, each linked to where it is done.
    missing = readiness.get_by_test_id("readiness-missing")
    expect(missing).to_contain_text("limits")
    expect(missing).to_contain_text("waiting for production, supply chain")
    brief = page.get_by_test_id("glance-brief-link")
    expect(brief).to_be_visible()
    expect(brief).to_have_attribute("href", reverse("deals:meeting_brief", args=[deal.meetings.get().pk]))
    consultations = page.locator("details.np-fold", has=page.locator("#consultations"))
    top = readiness.bounding_box()["y"]
    assert top < consultations.bounding_box()["y"]
    assert brief.bounding_box()["y"] + brief.bounding_box()["height"] < PHONE["height"]
    page.screenshot(path=artifacts / "deal-phone-folded.png", full_page=True)

    # Every other section is folded under its name, and opens from the keyboard.
    for name in FOLDED:
        expect(page.locator("details.np-fold > summary", has_text=name).first).to_be_visible()
    expect(page.locator("#consultations")).to_be_hidden()
    page.locator("details.np-fold > summary", has_text="Consultations").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#consultations")).to_be_visible()
    expect(consultations).to_have_attribute("open", "")


@pytest.mark.parametrize("title", ["Spare parts service agreement", "Pump line expansion"])
def test_no_text_on_a_deal_page_is_under_12_px_on_a_phone(
    live_server, phone, transactional_db, artifacts, title
):
    demo_seed()
    deal = Deal.objects.get(title=title)
    page = phone
    sign_in(page, live_server, "rita")
    page.goto(f"{live_server.url}{reverse('deals:detail', args=[deal.pk])}")
    folded = page.locator("details.np-fold:not([open]) > summary")
    while folded.count():
        folded.first.click()
    page.screenshot(path=artifacts / f"deal-phone-open-{deal.pk}.png", full_page=True)

    # Department badges in the departments' answers sit in small print.
    badge_sizes = page.evaluate(BADGE_SIZES)
    assert badge_sizes
    assert min(badge_sizes) >= 12
    assert page.evaluate(SMALL_TEXT) == []


def test_a_link_into_a_folded_section_opens_it_on_a_phone(live_server, phone, transactional_db):
    demo_seed()
    deal = Deal.objects.get(title="Valve frame contract 2027")
    consultation = deal.consultations.order_by("pk").first()
    page = phone
    sign_in(page, live_server, "rita")
    page.goto(f"{live_server.url}{reverse('deals:detail', args=[deal.pk])}#consultation-{consultation.pk}")

    expect(page.locator(f"#consultation-{consultation.pk}")).to_be_visible()
    expect(page.locator("#meetings")).to_be_hidden()
    page.locator("details.np-fold > summary", has_text="Meetings").click()
    expect(page.locator("#meetings")).to_be_visible()


def test_the_folded_deal_page_has_no_serious_axe_violation_on_a_phone(live_server, phone, transactional_db):
    demo_seed()
    deal = Deal.objects.get(title="Spare parts service agreement")
    page = phone
    sign_in(page, live_server, "rita")
    page.goto(f"{live_server.url}{reverse('deals:detail', args=[deal.pk])}")
    page.wait_for_load_state("networkidle")

    violations = [
        f"{v['id']} ({v['impact']}): {[node['target'] for node in v['nodes']]}"
        for v in Axe().run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]

    assert violations == []


def test_no_text_on_a_home_page_is_under_12_px_on_a_phone(live_server, phone, transactional_db):
    demo_seed()
    page = phone
    small = []
    for username in ("rita", "max", "fiona", "paul", "sue"):
        sign_in(page, live_server, username)
        small += [f"{username}: {text}" for text in page.evaluate(SMALL_TEXT)]
        page.context.clear_cookies()

    assert small == []
