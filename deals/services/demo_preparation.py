"""The demo deals' preparation for seed_demo: the finance policy and payment-term requests,
consultations in every state, on-call cover and a co-negotiator."""

import datetime
from decimal import Decimal

from django.utils import timezone

from deals.models import Consultation, Deal, FinancePolicy
from deals.services.consultations import consultation_answer, consultation_request, consultation_waive
from deals.services.cover import (
    co_negotiator_request,
    co_negotiator_respond,
    on_call_request,
    on_call_respond,
)
from deals.services.payments import payment_request_submit
from deals.services.required_consultations import consultations_derive
from teams.models import Team, User


def _deal_titled(team: Team, title: str) -> Deal | None:
    return Deal.objects.filter(team=team, title=title).select_related("team", "owner").first()


def seed_demo_preparation(*, team: Team, users: dict[str, User]) -> list[str]:
    """Consultations in every state, on-call cover and a co-negotiator, so that readiness
    ranges from a few checks to 7 of 7 and the first reminder sweep has work to do.

    Runs only for deals that have no consultation yet, so a second seed changes nothing.
    """
    rita, max_ = users["rita"], users["max"]
    paul, sue, fiona = (User.objects.get(username=name) for name in ("paul", "sue", "fiona"))
    created = []

    def fresh(title):
        deal = _deal_titled(team, title)
        if (
            deal is None
            or Consultation.objects.filter(deal=deal, status__in=["requested", "answered", "waived"]).exists()
        ):
            return None, {}
        consultations_derive(deal=deal, by=rita)
        return deal, {c.department: c for c in deal.consultations.filter(required=True)}

    # Meets in about 20 hours with production and supply chain still owing answers:
    # reminders go to rita, paul and sue, and max is told (escalation).
    deal, asked = fresh("Valve frame contract 2027")
    if deal:
        consultation_request(
            consultation=asked["production"],
            by=rita,
            questions="Can we make 600 HV-200 valves by mid-February, with the food-grade seals?",
        )
        consultation_request(
            consultation=asked["supply_chain"],
            by=rita,
            assignee=sue,
            questions="Can we deliver to all three plants in one week?",
        )
        created.append("consultations on Valve frame contract 2027")

    # Finance owes an answer on the outside-policy request; production was waived.
    deal, asked = fresh("CIP line retrofit")
    if deal:
        if "finance" in asked:
            consultation_request(
                consultation=asked["finance"],
                by=rita,
                questions="Can we accept 60 days net without deposit for this customer?",
            )
        consultation_waive(
            consultation=asked["production"],
            by=max_,
            reason="Standard retrofit kit from stock: production need not be asked.",
        )
        created.append("consultations on CIP line retrofit")

    # Everything in place: 7 of 7 for the final round.
    deal, asked = fresh("Spare parts service agreement")
    if deal:
        consultation_request(
            consultation=asked["boss"], by=rita, questions="Any guidelines for the final round?"
        )
        consultation_answer(
            consultation=asked["boss"],
            by=max_,
            answer="Hold the walk-away price; trade the installation only for the three-year term.",
        )
        if "finance" in asked:
            consultation_request(
                consultation=asked["finance"], by=rita, questions="Are two instalments fine?"
            )
            consultation_answer(
                consultation=asked["finance"],
                by=fiona,
                answer="Two instalments are within policy; insist on the 10 % deposit.",
            )
        meeting = deal.meetings.filter(cancelled=False).order_by("starts_at").first()
        on_call = on_call_request(meeting=meeting, by=rita, member=paul, topic="technical specs")
        on_call_respond(on_call=on_call, by=paul, accept=True)
        asked = co_negotiator_request(meeting=meeting, by=rita, member=max_)
        co_negotiator_respond(request=asked, by=max_, accept=True)
        created.append("a ready final round on Spare parts service agreement")

    # Supply chain answered; the limits changed after approval, so they need approval again.
    deal, asked = fresh("Pump line expansion")
    if deal:
        consultation_request(
            consultation=asked["supply_chain"],
            by=rita,
            assignee=sue,
            questions="Lead time for 450 pumps to Molkerei Süd?",
        )
        consultation_answer(
            consultation=asked["supply_chain"],
            by=sue,
            can_fulfil="partly",
            lead_time_days=21,
            committed_date=timezone.localdate() + datetime.timedelta(days=60),
            missing="Only 300 pumps in stock; the rest from the March batch.",
            support="Sue joins a call on delivery if needed.",
        )
        created.append("consultations on Pump line expansion")
    return created


def seed_demo_payment_terms(*, team: Team, rep: User) -> list[str]:
    """The Northwind finance policy and two payment-term requests, each only when missing."""
    created = []
    _, new = FinancePolicy.objects.get_or_create(
        team=team,
        defaults={
            "standard_net_days": 30,
            "max_net_days": 60,
            "min_deposit_pct": Decimal("10"),
            "max_instalments": 3,
            "early_payment_discount_allowed": True,
        },
    )
    if new:
        created.append(f"finance policy {team.name}")
    requests = [
        (
            "Spare parts service agreement",
            {
                "net_days": 30,
                "deposit_pct": Decimal("10"),
                "instalments": 2,
                "early_payment_discount": True,
                "other_conditions": "2 % skonto within 10 days",
                "customer_reason": "They pay the service fee in two halves each year.",
                "justification": "",
            },
        ),
        (
            "CIP line retrofit",
            {
                "net_days": 60,
                "deposit_pct": Decimal("0"),
                "instalments": 1,
                "early_payment_discount": False,
                "other_conditions": "",
                "customer_reason": "Their retrofit budget is released only after the summer shutdown.",
                "justification": "Long-standing customer who always paid on time; the retrofit opens "
                "the door to their second plant.",
            },
        ),
    ]
    for title, terms in requests:
        deal = Deal.objects.filter(team=team, owner=rep, title=title).first()
        if deal is None or deal.payment_requests.exists():
            continue
        payment_request_submit(deal=deal, by=rep, **terms)
        created.append(f"payment-term request on {title}")
    return created
