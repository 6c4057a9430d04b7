"""The deals the browser journeys start from, and the pages each demo user works on.

Each journey builds its own deal, through the app's services, on the demo team and under a
title no demo deal has, so that editing the demo data changes no journey. The people are the
demo's: their usernames are fixed by DESIGN.md, and the journeys read their names from the
database.
"""

from datetime import timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from deals.models import (
    Consultation,
    ConsultationStatus,
    Deal,
    Department,
    Meeting,
    MeetingStage,
    PaymentTermRequest,
    PaymentTermStatus,
)
from deals.services.briefings import briefing_save
from deals.services.deals import deal_create
from teams.models import Membership, Role, Team, User
from tests.deals.briefing_helpers import PITCH
from tests.factories import ContactFactory, CustomerFactory


def person(username: str) -> User:
    return User.objects.get(username=username)


def demo_team() -> Team:
    """The demo's sales team: the one rita sells for."""
    return Membership.objects.select_related("team").get(user__username="rita", role=Role.REP).team


def ritas_deal(
    title: str,
    *,
    customer: str,
    hours_ahead: int = 18,
    stage: str = MeetingStage.NEGOTIATION,
    **flags,
) -> Deal:
    """A deal rita creates with a new customer, one of its people, and a first meeting
    ``hours_ahead`` from now; the required consultations are derived but nobody is asked."""
    team = demo_team()
    company = CustomerFactory(team=team, name=customer)
    contact = ContactFactory(customer=company)
    starts_at = timezone.now().replace(second=0, microsecond=0) + timedelta(hours=hours_ahead)
    return deal_create(
        team=team,
        owner=person("rita"),
        customer=company,
        contact_ids=[contact.pk],
        title=title,
        scope="Hydraulic valves HV-200 with service package",
        quantity=500,
        estimated_value=Decimal("125000.00"),
        first_meeting={
            "starts_at": starts_at,
            "ends_at": starts_at + timedelta(hours=2),
            "stage": stage,
            "location": f"{customer}, head office",
        },
        **flags,
    )


def briefing_begun(deal: Deal) -> None:
    """Rita has typed the objectives, the list price (250 EUR) and one pitch point; no limits yet."""
    deal.briefing.refresh_from_db()
    briefing_save(
        briefing=deal.briefing,
        by=deal.owner,
        revision=deal.briefing.revision,
        fields={"objectives": "Frame contract for all three plants.", "list_price": Decimal("250.00")},
        pitch_points=PITCH[:1],
        objections=[],
        concessions=[],
    )


def demo_deal(title: str) -> Deal:
    return Deal.objects.get(team__name="Northwind Industrial Sales", title=title)


def _asked(title: str, department: str) -> Consultation:
    return Consultation.objects.get(
        deal=demo_deal(title), department=department, status=ConsultationStatus.REQUESTED
    )


def demo_pages() -> dict[str, list[tuple[str, str]]]:
    """The pages each demo user works on, as (page name, URL) per username, in the order they are visited."""
    valves = demo_deal("Valve frame contract 2027")
    spare_parts = demo_deal("Spare parts service agreement")
    pumps = demo_deal("Pump line expansion")
    not_asked = pumps.consultations.filter(status=ConsultationStatus.OPEN).order_by("pk").first()
    reported = Meeting.objects.filter(deal=demo_deal("Bottling line spare kit")).get()
    pending_terms = PaymentTermRequest.objects.get(
        deal=demo_deal("CIP line retrofit"), status=PaymentTermStatus.SUBMITTED
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
            ("import from a file", reverse("deals:import_start")),
            ("notifications", reverse("notifications")),
        ],
        "max": [
            ("manager home", reverse("home")),
            ("deal page seen by the manager", reverse("deals:detail", args=[valves.pk])),
            ("approval queue", reverse("deals:approvals")),
            ("guidelines", reverse("deals:guidelines_give", args=[valves.pk])),
            ("webhooks", reverse("deals:webhooks")),
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
