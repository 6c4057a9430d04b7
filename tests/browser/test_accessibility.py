"""axe-core on the pages each demo user works on: no serious and no critical violation.

The pages are those of the demo data, opened as their users open them; a violation is printed
with the rule, the page and the elements it concerns, so a failure says what to fix.
"""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect

from deals.models import (
    Consultation,
    ConsultationStatus,
    Deal,
    Department,
    Meeting,
    PaymentTermRequest,
    PaymentTermStatus,
)
from deals.services.demo import demo_seed
from tests.browser.conftest import sign_in, sign_out

pytestmark = pytest.mark.browser

BLOCKING = {"serious", "critical"}


def _demo_deal(title: str) -> Deal:
    return Deal.objects.get(team__name="Northwind Industrial Sales", title=title)


def _asked(title: str, department: str) -> Consultation:
    return Consultation.objects.get(
        deal=_demo_deal(title), department=department, status=ConsultationStatus.REQUESTED
    )


def _pages() -> dict[str, list[tuple[str, str]]]:
    """(page name, URL) per demo user, in the order they are visited."""
    valves = _demo_deal("Valve frame contract 2027")
    spare_parts = _demo_deal("Spare parts service agreement")
    pumps = _demo_deal("Pump line expansion")
    not_asked = pumps.consultations.filter(status=ConsultationStatus.OPEN).order_by("pk").first()
    reported = Meeting.objects.filter(deal=_demo_deal("Bottling line spare kit")).get()
    pending_terms = PaymentTermRequest.objects.get(
        deal=_demo_deal("CIP line retrofit"), status=PaymentTermStatus.SUBMITTED
    )
    return {
        "rita": [
            ("rep home", reverse("home")),
            ("deal list", reverse("deals:list")),
            ("deal page", reverse("deals:detail", args=[valves.pk])),
            ("ready deal page", reverse("deals:detail", args=[spare_parts.pk])),
            ("briefing editor", reverse("deals:briefing_edit", args=[valves.pk])),
            ("new deal form", reverse("deals:create")),
            ("meeting form", reverse("deals:meeting_add", args=[valves.pk])),
            ("consultation request", reverse("deals:consultation_request", args=[not_asked.pk])),
            ("ask every department", reverse("deals:consultations_ask", args=[pumps.pk])),
            ("ask for guidelines", reverse("deals:guidelines_ask", args=[valves.pk])),
            ("payment-term request form", reverse("deals:payment_request_new", args=[valves.pk])),
            ("payment-term request change", reverse("deals:payment_request_edit", args=[pending_terms.pk])),
            ("report form", reverse("deals:report_file", args=[reported.pk])),
            ("meeting brief", reverse("deals:meeting_brief", args=[spare_parts.meetings.get().pk])),
            ("reports to file", reverse("deals:reports_to_file")),
            ("notifications", reverse("notifications")),
        ],
        "max": [
            ("manager home", reverse("home")),
            ("deal page seen by the manager", reverse("deals:detail", args=[valves.pk])),
            ("approval queue", reverse("deals:approvals")),
            ("guidelines", reverse("deals:guidelines_give", args=[valves.pk])),
        ],
        "fiona": [
            ("finance home", reverse("home")),
            ("payment-term decision", reverse("deals:payment_request", args=[pending_terms.pk])),
        ],
        "paul": [
            ("production home", reverse("home")),
            (
                "consultation answer (production)",
                reverse("deals:consultation_answer", args=[_asked(valves.title, Department.PRODUCTION).pk]),
            ),
        ],
        "sue": [
            ("supply chain home", reverse("home")),
            (
                "consultation answer (supply chain)",
                reverse("deals:consultation_answer", args=[_asked(valves.title, Department.SUPPLY_CHAIN).pk]),
            ),
        ],
    }


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
    for username, pages in _pages().items():
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
    deal = _demo_deal("Valve frame contract 2027")
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
