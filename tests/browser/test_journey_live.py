"""Meeting mode, live: the rep asks from the room on a phone, the colleague on call sees the toast on
their home page and answers there, and the answer appears on the rep's phone without a reload."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from deals.models import LiveAnswer, LiveQuestion, Meeting, MeetingNote
from deals.services.demo import demo_seed
from tests.browser.asgi_server import AsgiServer
from tests.browser.conftest import sign_in
from tests.browser.stories import person, ritas_deal
from tests.factories import OnCallFactory

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def asgi_server(transactional_db):
    server = AsgiServer()
    yield server
    server.stop()


@pytest.fixture
def meeting_under_way(transactional_db):
    """A deal of rita's whose meeting started ten minutes ago, with paul on call for it."""
    demo_seed()
    deal = ritas_deal("Live valves 2027", customer="Live Hydraulics")
    meeting = deal.meetings.get()
    starts_at = timezone.now() - timedelta(minutes=10)
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=starts_at, ends_at=starts_at + timedelta(hours=1))
    meeting.refresh_from_db()
    OnCallFactory(meeting=meeting, member=person("paul"), topic="delivery")
    return meeting


def test_a_question_from_the_room_is_answered_from_a_toast_and_arrives_without_reload(
    browser, asgi_server, meeting_under_way, artifacts
):
    rep_context = browser.new_context(viewport=PHONE, is_mobile=True)
    colleague_context = browser.new_context()
    try:
        rep = rep_context.new_page()
        colleague = colleague_context.new_page()

        sign_in(colleague, asgi_server, "paul")
        # The demo has a meeting under way too: each banner names its deal.
        expect(colleague.get_by_test_id("live-now").filter(has_text="Live valves 2027")).to_be_visible()

        sign_in(rep, asgi_server, "rita")
        live_now = rep.get_by_test_id("live-now").filter(has_text="Live valves 2027")
        expect(live_now.get_by_test_id("live-now-link")).to_be_visible()
        live_now.get_by_test_id("live-now-link").click()
        expect(rep.get_by_test_id("live-connection")).to_have_text("live")
        expect(rep.get_by_test_id("live-limits")).to_be_visible()

        rep.get_by_role("button", name="Deliver by …?").click()
        ask = rep.get_by_test_id("live-ask-text")
        expect(ask).to_have_value("Can we deliver by …?")
        ask.fill("Can we deliver by 15 March?")
        rep.get_by_role("button", name="Ask", exact=True).click()
        expect(rep.get_by_test_id("live-question-text")).to_have_text("Can we deliver by 15 March?")

        toast = colleague.get_by_test_id("live-toast")
        expect(toast).to_be_visible()
        expect(toast).to_contain_text("Live valves 2027")
        expect(toast.get_by_test_id("live-toast-text")).to_have_text("Can we deliver by 15 March?")
        toast.get_by_test_id("live-toast-answer-text").fill("Yes, from stock in Hamburg")
        toast.get_by_role("button", name="Answer").click()
        expect(toast).to_contain_text("Answer sent.")

        answer = rep.get_by_test_id("live-answer")
        expect(answer).to_contain_text("Yes, from stock in Hamburg")
        rep.screenshot(path=str(artifacts / "live-answer-on-the-phone.png"), full_page=True)

        question = LiveQuestion.objects.get(meeting=meeting_under_way)
        assert LiveAnswer.objects.get(question=question).answered_by == person("paul")
        timeline = reverse("deals:timeline", args=[meeting_under_way.deal_id])
        rep.goto(asgi_server.url + timeline)
        expect(rep.get_by_text("Asked from the meeting: Can we deliver by 15 March?")).to_be_visible()
    finally:
        rep_context.close()
        colleague_context.close()


def test_notes_typed_in_meeting_mode_are_saved_as_they_are_typed(browser, asgi_server, meeting_under_way):
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    try:
        page = context.new_page()
        sign_in(page, asgi_server, "rita")
        page.goto(asgi_server.url + reverse("deals:meeting_live", args=[meeting_under_way.pk]))
        notes = page.get_by_test_id("live-notes-text")
        with page.expect_response(lambda r: r.url.endswith("/live/notes/") and r.status == 200):
            notes.fill("Agreed EUR 225.00 a unit\nNext: send the contract")
        expect(page.get_by_test_id("live-notes-status")).to_contain_text("Saved")
        page.reload()
        expect(page.get_by_test_id("live-notes-text")).to_have_value(
            "Agreed EUR 225.00 a unit\nNext: send the contract"
        )
    finally:
        context.close()


KEPT_FOR_OFFLINE = """async () => {
  if (!navigator.serviceWorker.controller) return false;
  const pages = await caches.open("negprep-pages");
  const statics = await caches.open("negprep-static-v1");
  return !!(await pages.match(location.href)) && (await statics.keys()).length >= 3;
}"""


def test_meeting_mode_opens_with_no_signal_and_sends_what_was_typed_when_it_returns(
    browser, asgi_server, meeting_under_way
):
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    try:
        page = context.new_page()
        sign_in(page, asgi_server, "rita")
        page.goto(asgi_server.url + reverse("deals:meeting_live", args=[meeting_under_way.pk]))
        expect(page.get_by_test_id("live-connection")).to_have_text("live")
        # The service worker has finished keeping this visit's copies (nothing still on its way).
        expect(page.get_by_test_id("live-offline")).to_be_visible()
        page.wait_for_function(KEPT_FOR_OFFLINE)

        context.set_offline(True)
        page.reload()
        expect(page.get_by_test_id("live-limits")).to_be_visible()
        expect(page.get_by_test_id("live-on-call")).to_contain_text("delivery")
        page.get_by_test_id("live-notes-text").fill("They want 500 units\nNext: send the offer")
        expect(page.get_by_test_id("live-notes-status")).to_contain_text("kept on this phone")
        page.get_by_test_id("live-ask-text").fill("Can we deliver by 1 April?")
        page.get_by_role("button", name="Ask", exact=True).click()
        page.get_by_test_id("live-ask-text").fill("And install on site?")
        page.get_by_role("button", name="Ask", exact=True).click()
        expect(page.get_by_test_id("live-question")).to_have_count(0)

        context.set_offline(False)
        expect(page.get_by_test_id("live-question-text")).to_have_text(
            ["Can we deliver by 1 April?", "And install on site?"]
        )
        expect(page.get_by_test_id("live-notes-status")).to_contain_text("Saved")
        questions = list(
            LiveQuestion.objects.filter(meeting=meeting_under_way).values_list("text", flat=True)
        )
        assert questions == ["Can we deliver by 1 April?", "And install on site?"]
        assert MeetingNote.objects.get(meeting=meeting_under_way).text.startswith("They want 500 units")
    finally:
        context.close()
