from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from deals.models import CanFulfil, ConsultationStatus, Department
from deals.services.demo import demo_seed
from teams.models import Notification
from tests.browser.conftest import sign_in, sign_out
from tests.browser.stories import person, ritas_deal

pytestmark = pytest.mark.browser


def test_rita_asks_production_and_paul_answers_from_his_home_page(
    live_server, page, transactional_db, artifacts
):
    demo_seed()
    deal = ritas_deal("Valves for the filling line", customer="Getränke Ost GmbH", involves_production=True)
    paul = person("paul")
    asked_before = set(Notification.objects.filter(recipient=paul).values_list("pk", flat=True))
    committed = timezone.localdate() + timedelta(days=60)

    # Rita sends the production consultation to the production queue from the deal page.
    sign_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/deals/{deal.pk}/")
    production = page.get_by_test_id("consultation").and_(page.locator("[data-department='production']"))
    expect(production.get_by_test_id("consultation-status")).to_have_text("Not asked yet")
    production.get_by_role("link", name="Request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask production")
    expect(page.get_by_label("Ask")).to_have_value("")  # the department queue
    page.get_by_label("Questions to answer").fill(
        "Can we make 600 HV-200 valves with food-grade seals for their three plants?"
    )
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_role("alert").filter(has_text="Asked the production queue")).to_be_visible()
    expect(production.get_by_test_id("consultation-status")).to_have_text("Asked")
    sign_out(page)
    told = Notification.objects.filter(recipient=paul).exclude(pk__in=asked_before)
    assert [note.kind for note in told] == ["consultation_requested"]

    # Paul finds it on his home page and answers: two clicks.
    sign_in(page, live_server, "paul")
    asked = page.get_by_test_id("asked-item").filter(has_text=deal.title)
    expect(asked).to_contain_text("to your department queue")
    page.screenshot(path=artifacts / "home-paul.png", full_page=True)
    asked.get_by_role("link", name="Answer").click()
    expect(page.get_by_test_id("consultation-questions")).to_contain_text("food-grade seals")
    expect(page.get_by_test_id("consultation-deal-summary")).to_contain_text(deal.customer.name)
    page.get_by_role("button", name="Send the answer").click()
    expect(page.get_by_text("Say whether we can fulfil it")).to_be_visible()
    page.get_by_label("Partly").check()
    page.get_by_label("Lead time to mobilise (days)").fill("14")
    page.get_by_label("Earliest date we commit to").fill(committed.isoformat())
    page.get_by_label("What is missing").fill("Food-grade seals for the third plant")
    page.screenshot(path=artifacts / "consultation-answer-paul.png", full_page=True)
    page.get_by_role("button", name="Send the answer").click()
    expect(
        page.get_by_role("alert").filter(has_text=f"your answer on “{deal.title}” was sent")
    ).to_be_visible()
    expect(page.get_by_test_id("asked-item").filter(has_text=deal.title)).to_have_count(0)
    sign_out(page)

    consultation = deal.consultations.get(department=Department.PRODUCTION, required=True)
    assert consultation.status == ConsultationStatus.ANSWERED
    assert consultation.can_fulfil == CanFulfil.PARTLY
    assert consultation.committed_date == committed

    # Rita reads the answer on the deal page.
    sign_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/deals/{deal.pk}/")
    production = page.get_by_test_id("consultation").and_(page.locator("[data-department='production']"))
    expect(production.get_by_test_id("consultation-status")).to_have_text("Answered")
    answer = production.get_by_test_id("consultation-answer")
    expect(answer.get_by_test_id("can-fulfil")).to_have_text("Partly")
    expect(answer.get_by_test_id("lead-time")).to_have_text("14 days")
    expect(answer.get_by_test_id("committed-date")).to_have_text(committed.strftime("%-d %b %Y"))
    expect(answer).to_contain_text("Food-grade seals for the third plant")
    expect(page.get_by_test_id("briefing-consultation-answers")).to_contain_text(paul.get_full_name())
    page.screenshot(path=artifacts / "consultation-answered-rita.png", full_page=True)
