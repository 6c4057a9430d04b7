"""axe-core on the pages each demo user works on: no serious and no critical violation.

The pages are those of the demo data, opened as their users open them; a violation is printed
with the rule, the page and the elements it concerns, so a failure says what to fix.
"""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect

from deals.services.demo import demo_seed
from tests.browser.conftest import sign_in, sign_out
from tests.browser.stories import demo_deal, demo_pages

pytestmark = pytest.mark.browser

BLOCKING = {"serious", "critical"}


def _blocking_violations(page, name: str) -> list[str]:
    page.wait_for_load_state("networkidle")
    results = Axe().run(page)
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        for node in violation["nodes"]:
            detail = node.get("failureSummary", "").replace("\n", " ")
            found.append(
                f"{name}: {violation['id']} ({violation['impact']}) at {', '.join(map(str, node['target']))}"
                f"\n    {node['html'][:200]}\n    {detail}"
            )
    return found


def test_the_demo_pages_have_no_serious_or_critical_axe_violation(live_server, page, transactional_db):
    demo_seed()
    page.goto(f"{live_server.url}{reverse('login')}")
    found = _blocking_violations(page, "login")
    for username, pages in demo_pages().items():
        sign_in(page, live_server, username)
        for name, url in pages:
            response = page.goto(f"{live_server.url}{url}")
            assert response.status == 200, f"{name} ({url}) answered {response.status}"
            found += _blocking_violations(page, name)
        sign_out(page)
    print("\n".join(found))
    assert not found, f"{len(found)} serious or critical axe violations:\n" + "\n".join(found)


def test_the_meeting_form_states_its_one_of_two_rule_before_it_is_submitted(
    live_server, page, transactional_db
):
    demo_seed()
    deal = demo_deal("Valve frame contract 2027")
    sign_in(page, live_server, "rita")
    page.goto(f"{live_server.url}{reverse('deals:meeting_add', args=[deal.pk])}")

    rule = "Give a location or a video link (or both)."
    place = page.get_by_role("group", name="Where we meet")
    expect(place).to_contain_text("*")
    expect(place.get_by_text(rule)).to_be_visible()
    for label in ("Location", "Video link"):
        expect(page.get_by_label(label)).to_have_accessible_description(re.compile(re.escape(rule)))

    page.get_by_role("button", name="Schedule meeting").click()
    expect(page.locator("#div_id_location .invalid-feedback")).to_have_text(rule)
