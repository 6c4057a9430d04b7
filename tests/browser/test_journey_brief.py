import re
from decimal import Decimal
from pathlib import Path

import pytest
from icalendar import Calendar
from playwright.sync_api import expect

from deals.models import MeetingStage
from deals.services.demo import demo_seed
from teams.models import Role
from tests.browser.conftest import sign_in, sign_out
from tests.browser.stories import demo_team, person, ritas_deal
from tests.deals.briefing_helpers import approve_briefing, fill_briefing

pytestmark = pytest.mark.browser

DEAL = "Pump line for the dairy"
CUSTOMER = "Molkerei West eG"


def _pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def test_rita_arranges_cover_and_prints_the_meeting_brief(live_server, page, transactional_db, artifacts):
    demo_seed()
    rita, max_, paul = person("rita"), person("max"), person("paul")
    phone = paul.memberships.get(team=demo_team(), role=Role.PRODUCTION).phone
    # A final meeting in three days, nobody on call yet; version 1 approved with a walk-away of
    # 215, version 2 a draft with a lower one.
    deal = ritas_deal(DEAL, customer=CUSTOMER, hours_ahead=72, stage=MeetingStage.FINAL)
    meeting = deal.meetings.get()
    approve_briefing(deal, rita, max_, walk_away_price=Decimal("215.00"))
    fill_briefing(deal.briefing, rita, walk_away_price=Decimal("205.00"))

    # Rita asks Paul to be on call and Max to come along to the final meeting.
    sign_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/deals/{deal.pk}/")
    item = page.get_by_test_id("meeting")
    item.get_by_role("link", name="+ Ask someone to be on call").click()
    page.get_by_label("Colleague on call").select_option(label=f"{paul.get_full_name()} (Production)")
    page.get_by_label("Topic").fill("technical specs")
    page.get_by_role("button", name="Ask to be on call").click()
    expect(page.get_by_role("alert").filter(has_text="has been asked to be on call")).to_be_visible()
    item.get_by_label("Colleague to come along").select_option(label=f"{max_.get_full_name()} (Manager)")
    item.get_by_role("button", name="Ask to come along").click()
    expect(page.get_by_role("alert").filter(has_text="has been asked to come along")).to_be_visible()
    expect(item.get_by_test_id("on-call")).to_contain_text("Asked")
    sign_out(page)

    # Paul and Max accept from their home pages.
    for username, testid in (("paul", "on-call-request"), ("max", "co-negotiator-request")):
        sign_in(page, live_server, username)
        expect(page.get_by_role("heading", name="Colleagues count on you")).to_be_visible()
        asked = page.get_by_test_id(testid).filter(has_text=DEAL)
        asked.get_by_role("button", name="Accept").click()
        expect(
            page.get_by_role("alert").filter(has_text=f"Thanks: {rita.get_full_name()} has been told.")
        ).to_be_visible()
        expect(asked.get_by_text("Accepted")).to_be_visible()
        sign_out(page)

    # Rita opens the brief: Paul's number and Max beside her.
    sign_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/deals/{deal.pk}/")
    page.get_by_test_id("meeting").get_by_role("link", name="Brief").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{DEAL} — {CUSTOMER}")
    on_call = page.get_by_test_id("brief-on-call-confirmed")
    expect(on_call).to_contain_text(f"{paul.get_full_name()} · technical specs")
    expect(on_call.get_by_role("link", name=phone)).to_have_attribute("href", "tel:" + phone.replace(" ", ""))
    expect(page.get_by_test_id("brief-co-negotiators")).to_contain_text(
        f"{max_.get_full_name()} comes along."
    )
    # The approved limits, not the draft's, and a plain word about the draft.
    expect(page.get_by_test_id("limit-walk-away-price")).to_have_text("215.00 EUR")
    expect(page.get_by_test_id("approval-warning")).to_contain_text(
        "Version 2 is a draft that has not been submitted: the limits below are those approved in version 1."
    )
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    page.screenshot(path=artifacts / "meeting-brief-screen.png", full_page=True)

    # On paper: the navigation and the buttons go, and it all fits one page.
    page.set_viewport_size({"width": 720, "height": 1000})
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    expect(page.get_by_test_id("brief-on-call")).to_be_visible()
    page.screenshot(path=artifacts / "meeting-brief-print.png", full_page=True)
    for paper in ("A4", "Letter"):
        pdf = page.pdf(format=paper, print_background=True)
        assert _pdf_pages(pdf) == 1, f"the brief takes {_pdf_pages(pdf)} {paper} pages"
    (artifacts / "meeting-brief.pdf").write_bytes(page.pdf(format="A4", print_background=True))

    # And on a phone.
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.get_by_test_id("brief-on-call-confirmed")).to_be_visible()
    page.screenshot(path=artifacts / "meeting-brief-phone.png", full_page=True)

    # The calendar file has the meeting.
    with page.expect_download() as info:
        page.get_by_role("link", name="Download .ics").click()
    download = info.value
    assert download.suggested_filename.endswith(".ics")
    event = Calendar.from_ical(Path(download.path()).read_bytes()).events[0]
    assert event["SUMMARY"] == f"Final meeting: {DEAL} — {CUSTOMER}"
    assert event.start == meeting.starts_at
    assert f"{paul.get_full_name()}, technical specs: {phone}" in event["DESCRIPTION"]
    assert f"Co-negotiator: {max_.get_full_name()}" in event["DESCRIPTION"]
