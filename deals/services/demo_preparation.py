"""The demo deals' preparation for seed_demo: the finance policy and payment-term requests,
consultations in every state, the boss's guidelines, on-call cover and a co-negotiator."""

import datetime
from decimal import Decimal

from django.utils import timezone

from deals.models import Consultation, Deal, FinancePolicy, Guideline, OnCall
from deals.services.consultations import (
    consultation_add_optional,
    consultation_answer,
    consultation_request,
    consultation_waive,
)
from deals.services.cover import (
    co_negotiator_request,
    co_negotiator_respond,
    on_call_request,
    on_call_respond,
)
from deals.services.guidelines import guidelines_ask, guidelines_give
from deals.services.payments import payment_request_submit
from deals.services.required_consultations import consultations_derive
from teams.models import Team, User


def _deal_titled(team: Team, title: str) -> Deal | None:
    return Deal.objects.filter(team=team, title=title).select_related("team", "owner").first()


def seed_demo_preparation(*, team: Team, users: dict[str, User]) -> list[str]:
    """Consultations in every state, the boss's guidelines asked, waiting and given, on-call cover
    asked and confirmed and a co-negotiator, so that readiness ranges from a few checks (with items
    waiting and items not needed) to ready, and the first reminder sweep has work to do.

    Each deal's part runs only while nothing of it exists yet, so a second seed changes nothing.
    """
    rita, max_ = users["rita"], users["max"]
    paul, sue = (User.objects.get(username=name) for name in ("paul", "sue"))
    created = []

    def fresh(title):
        """The deal while its preparation is not seeded yet (nothing asked on it), with its required
        consultations by department."""
        deal = _deal_titled(team, title)
        if deal is None or _prepared(deal):
            return None, {}
        consultations_derive(deal=deal, by=rita, at_creation=True)
        return deal, {c.department: c for c in deal.consultations.filter(required=True)}

    # Meets in about 20 hours with production and supply chain still owing answers and the
    # guidelines asked of the managers before the limits exist: reminders go to rita, paul, sue
    # and max, and max is told (escalation). Paul is asked to be on call and has not answered.
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
        guidelines_ask(
            deal=deal,
            by=rita,
            questions="They want one price for all three plants. How far may I go for the volume?",
        )
        on_call_request(meeting=_next_meeting(deal), by=rita, member=paul, topic="technical specs")
        created.append("consultations, guidelines asked and cover asked on Valve frame contract 2027")

    # Submitted with a question for guidelines beside it: max answers both from one card. The
    # payment terms are outside policy: the request is finance's one item on this deal and waits
    # for fiona. Production was waived.
    deal, asked = fresh("CIP line retrofit")
    if deal:
        guidelines_ask(
            deal=deal,
            by=rita,
            questions="Molkerei Süd wants to pay after the summer shutdown. Should I trade that for volume?",
        )
        consultation_waive(
            consultation=asked["production"],
            by=max_,
            reason="Standard retrofit kit from stock: production need not be asked.",
        )
        created.append("guidelines asked and consultations on CIP line retrofit")

    # Everything in place for the final round: guidelines given, terms within policy, cover and a
    # co-negotiator; no consultation is needed. Ready: 6 of 6.
    deal, asked = fresh("Spare parts service agreement")
    if deal:
        question = guidelines_ask(deal=deal, by=rita, questions="Any guidelines for the final round?")
        guidelines_give(
            deal=deal,
            by=max_,
            answering=question,
            guidelines="Hold the walk-away price; trade the installation only for the three-year term.",
        )
        meeting = _next_meeting(deal)
        on_call = on_call_request(meeting=meeting, by=rita, member=paul, topic="technical specs")
        on_call_respond(on_call=on_call, by=paul, accept=True)
        asked = co_negotiator_request(meeting=meeting, by=rita, member=max_)
        co_negotiator_respond(request=asked, by=max_, accept=True)
        created.append("a ready final round on Spare parts service agreement")

    # Supply chain answered, production not asked yet; the limits changed after approval, so they
    # need approval again. The customer wants special payment terms that rita has not requested
    # yet; beyond them she asks finance about the credit limit (an optional consultation, finance's
    # one item on this deal).
    deal, asked = fresh("Pump line expansion")
    if deal:
        credit = consultation_add_optional(deal=deal, by=rita, department="finance")
        consultation_request(
            consultation=credit,
            by=rita,
            questions="Their credit limit with us is 50,000 EUR; can it cover this order until they pay?",
        )
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


def _prepared(deal: Deal) -> bool:
    """Whether anything was asked on the deal yet: a consultation, guidelines or cover."""
    return (
        Consultation.objects.filter(deal=deal, status__in=["requested", "answered", "waived"]).exists()
        or Guideline.objects.filter(briefing__deal=deal).exists()
        or OnCall.objects.filter(meeting__deal=deal).exists()
    )


def _next_meeting(deal: Deal):
    return deal.meetings.filter(cancelled=False).order_by("starts_at").first()


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
