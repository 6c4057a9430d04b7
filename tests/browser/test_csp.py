"""Every main page under the Content-Security-Policy, as each demo user opens it, in one browser.

The browser logs to the console whatever the policy refuses ("Refused to execute inline script
because it violates the following Content Security Policy directive ..."), htmx logs an
evalDisallowedError for anything it would have to evaluate, and Chromium logs a Permissions-Policy
feature it does not know. The test fails on any of these, on any other console error and on any
uncaught script error, and works the pages' scripted parts (the htmx filter, sorting and
notifications, the phone folds, the formset rows, the print button) to show they run without
inline code or eval. A first check shows that the browser enforces the policy and that the test
sees what it refuses.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from deals.services.demo import demo_seed
from teams.models import EmailStatus, Notification
from tests.browser.conftest import sign_in, sign_out
from tests.browser.stories import demo_deal, demo_pages, person

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 720}
REFUSED = re.compile(r"Content Security Policy|Refused to|evalDisallowed|Permissions-Policy", re.I)


class Console:
    """What the page logs as an error or a refusal, and its uncaught errors, with where they happened."""

    def __init__(self, page):
        self.page = page
        self.found: list[str] = []
        page.on("console", self._message)
        page.on("pageerror", lambda error: self.found.append(f"{page.url}: uncaught {error}"))

    def _message(self, message):
        if message.type == "error" or REFUSED.search(message.text):
            where = message.location.get("url") or self.page.url
            self.found.append(f"{where}: [{message.type}] {message.text}")

    def take(self) -> list[str]:
        found, self.found = self.found, []
        return found


def _open(page, live_server, name, url):
    response = page.goto(f"{live_server.url}{url}")
    assert response.status == 200, f"{name} ({url}) answered {response.status}"


def _more_pages() -> dict[str, list[tuple[str, str]]]:
    """Pages beyond those of the accessibility test, for the same users."""
    valves = demo_deal("Valve frame contract 2027")
    everyone = [("profile", reverse("profile")), ("notifications", reverse("notifications"))]
    return {
        "rita": [
            ("consultations list", reverse("deals:consultations")),
            ("deal timeline", reverse("deals:timeline", args=[valves.pk])),
            ("briefing history", reverse("deals:briefing_history", args=[valves.pk])),
            ("profile", reverse("profile")),
        ],
        "max": [
            ("deal list", reverse("deals:list")),
            ("reports", reverse("deals:reports")),
            ("escalations", reverse("deals:escalations")),
            ("team results", reverse("deals:team_results")),
            *everyone,
        ],
        "fiona": [("finance queue", reverse("deals:finance_queue")), *everyone],
        "paul": [("consultations list", reverse("deals:consultations")), *everyone],
        "sue": [("consultations list", reverse("deals:consultations")), *everyone],
    }


def test_the_browser_enforces_the_policy_and_the_test_sees_what_it_refuses(live_server, page):
    console = Console(page)
    _open(page, live_server, "login", reverse("login"))
    assert console.take() == []

    # A script of NegPrep's own origin may run, but not evaluate a string.
    canary = f"{live_server.url}/static/csp-canary.js"
    page.route(
        canary,
        lambda route: route.fulfill(
            content_type="text/javascript",
            body="try { eval('1 + 1'); document.body.dataset.eval = 'ran'; }"
            " catch (e) { document.body.dataset.eval = e.name; }",
        ),
    )
    page.add_script_tag(url=canary)
    expect(page.locator("body")).to_have_attribute("data-eval", "EvalError")
    # Nor may markup bring an event handler.
    with page.expect_console_message(lambda message: "Content Security Policy" in message.text):
        page.evaluate("() => document.body.insertAdjacentHTML('beforeend', '<img src=x onerror=\"1\">')")

    found = console.take()
    assert any("inline event handler" in message for message in found), found


def test_no_page_of_any_role_breaks_the_content_security_policy(live_server, page, transactional_db):
    demo_seed()
    console = Console(page)
    pages = demo_pages()
    for username, more in _more_pages().items():
        pages[username] = pages[username] + [entry for entry in more if entry not in pages[username]]

    for username, visits in pages.items():
        sign_in(page, live_server, username)
        for name, url in visits:
            _open(page, live_server, name, url)
        if username == "rita":
            _work_ritas_pages(page, live_server)
        sign_out(page)

    _open(page, live_server, "password reset", reverse("password_reset"))
    _work_the_admin(page, live_server)

    found = console.take()
    assert found == [], "\n".join(found)


def _work_ritas_pages(page, live_server):
    valves = demo_deal("Valve frame contract 2027")
    rita = person("rita")

    # The deal list filters as one types, and sorts, through htmx.
    _open(page, live_server, "deal list", reverse("deals:list"))
    rows = page.locator("#deal-results tbody tr")
    expect(rows.first).to_be_visible()
    page.get_by_role("searchbox").fill("Valve frame")
    expect(page).to_have_url(re.compile(r"[?&]q=Valve(\+|%20)frame"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Valve frame contract 2027")
    page.get_by_role("searchbox").fill("")
    page.locator("#deal-results").get_by_role("link", name="Customer").click()
    expect(page.locator("#deal-results th[aria-sort]")).to_contain_text("Customer")

    # A notification is marked read in place, and one opened from the inbox marks itself read
    # once its page has loaded, then takes its marker out of the address bar.
    to_mark, to_open = (
        Notification.objects.create(
            recipient=rita,
            kind="csp_check",
            title=title,
            url=reverse("deals:detail", args=[valves.pk]),
            email_status=EmailStatus.SKIPPED,
        )
        for title in ("Marked read in place", "Opened from the inbox")
    )
    _open(page, live_server, "notifications", reverse("notifications"))
    marked = page.locator(f"#notification-{to_mark.pk}")
    marked.get_by_test_id("notification-mark-read").click()
    expect(marked).to_have_attribute("data-unread", "false")
    page.locator(f"#notification-{to_open.pk}").get_by_test_id("notification-open").click()
    expect(page).to_have_url(f"{live_server.url}{reverse('deals:detail', args=[valves.pk])}")
    to_open.refresh_from_db()
    assert to_open.read_at is not None

    # The briefing editor adds a pitch point row from its <template>.
    _open(page, live_server, "briefing editor", reverse("deals:briefing_edit", args=[valves.pk]))
    pitch = page.locator("[data-formset='pitch'] [data-formset-rows] > [data-formset-row]")
    before = pitch.count()
    page.locator("[data-formset='pitch']").get_by_role("button", name=re.compile(r"^\+ Add")).click()
    expect(pitch).to_have_count(before + 1)

    # The brief's Print button prints (the dialog itself is replaced: headless Chromium has none).
    brief = demo_deal("Spare parts service agreement").meetings.get()
    _open(page, live_server, "meeting brief", reverse("deals:meeting_brief", args=[brief.pk]))
    page.evaluate("() => { window.print = () => document.body.setAttribute('data-printed', 'yes'); }")
    page.get_by_role("button", name="Print").click()
    expect(page.locator("body")).to_have_attribute("data-printed", "yes")

    # On a phone the deal page's sections start folded and open when tapped.
    page.set_viewport_size(PHONE)
    _open(page, live_server, "deal page on a phone", reverse("deals:detail", args=[valves.pk]))
    expect(page.locator("#consultations")).to_be_hidden()
    page.locator("details.np-fold > summary", has_text="Consultations").click()
    expect(page.locator("#consultations")).to_be_visible()
    page.set_viewport_size(DESKTOP)


def _work_the_admin(page, live_server):
    """Django's admin: its login, index, a list with its filters and actions, and a change form."""
    _open(page, live_server, "admin login", reverse("admin:login"))
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("demo1234")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    valves = demo_deal("Valve frame contract 2027")
    for name, url in [
        ("admin deal list", reverse("admin:deals_deal_changelist")),
        ("admin deal", reverse("admin:deals_deal_change", args=[valves.pk])),
        ("admin meeting", reverse("admin:deals_meeting_change", args=[valves.meetings.first().pk])),
        ("admin user list", reverse("admin:teams_user_changelist")),
    ]:
        _open(page, live_server, name, url)
