import pytest
from playwright.sync_api import expect

from deals.services.demo import demo_seed
from teams.models import EmailStatus, Notification
from tests.browser.conftest import sign_in
from tests.browser.stories import person, ritas_deal

pytestmark = pytest.mark.browser


def _unread(notification: Notification) -> bool:
    notification.refresh_from_db()
    return notification.read_at is None


def test_a_notification_opens_in_a_new_tab_and_is_read_only_once_its_page_loaded(
    live_server, page, transactional_db
):
    demo_seed()
    rita = person("rita")
    deal = ritas_deal("Seals for the bottling line", customer="Quelle Süd GmbH")
    Notification.objects.filter(recipient=rita).update(read_at=None)
    by_new_tab, in_place, prefetched = (
        Notification.objects.create(
            recipient=rita,
            kind="browser_check",
            title=title,
            url=f"/deals/{deal.pk}/#consultations",
            email_status=EmailStatus.SKIPPED,
        )
        for title in ("Open me in a new tab", "Open me here", "Only prefetched")
    )
    unread = Notification.objects.filter(recipient=rita, read_at__isnull=True).count()

    sign_in(page, live_server, "rita")
    page.goto(f"{live_server.url}/notifications/?show=unread")
    badge = page.get_by_test_id("unread-count")
    expect(badge).to_have_text(str(unread))

    # A prefetcher, or a mail scanner, fetches the link with rita's cookies: nothing is marked.
    link = page.get_by_test_id("notification-open").filter(has_text="Only prefetched")
    fetched = page.request.get(live_server.url + link.get_attribute("href"))
    assert fetched.status == 200
    assert _unread(prefetched)

    # A middle-click opens the deal in a new tab; once it has loaded there, the notification is read.
    item = page.get_by_test_id("notification-open").filter(has_text="Open me in a new tab")
    with page.context.expect_page() as opened:
        item.click(button="middle")
    tab = opened.value
    tab.wait_for_load_state()
    expect(tab.get_by_role("heading", level=1)).to_contain_text("Seals for the bottling line")
    expect(tab.get_by_test_id("unread-count")).to_have_text(str(unread - 1))
    expect(tab).to_have_url(f"{live_server.url}/deals/{deal.pk}/#consultations")
    assert not _unread(by_new_tab)
    tab.close()

    # The inbox stayed where it was; a plain click opens the deal in place and reads the notification.
    expect(page).to_have_url(f"{live_server.url}/notifications/?show=unread")
    page.get_by_test_id("notification-open").filter(has_text="Open me here").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Seals for the bottling line")
    expect(page.get_by_test_id("unread-count")).to_have_text(str(unread - 2))
    expect(page).to_have_url(f"{live_server.url}/deals/{deal.pk}/#consultations")
    assert not _unread(in_place)
    assert _unread(prefetched)

    # Back in the inbox (never a stored copy), the two are no longer unread.
    page.go_back()
    expect(page.get_by_test_id("notification-open").filter(has_text="Open me")).to_have_count(0)
    expect(page.get_by_test_id("notification-open").filter(has_text="Only prefetched")).to_have_count(1)
