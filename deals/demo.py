"""Demo deals for seed_demo: one per briefing state, meetings in the coming days."""

import datetime
from decimal import Decimal

from django.utils import timezone

from deals.models import Briefing, Contact, Customer, Deal, FinancePolicy, Meeting
from deals.services.activity import activity_record
from deals.services.briefings import briefing_decide, briefing_save, briefing_submit
from deals.services.payments import payment_request_submit
from teams.models import Team, User

PITCH = [
    {
        "feature": "Self-cleaning valve seat",
        "benefit": "Fewer line stops at their bottling plant",
        "evidence": "Pilot at Brauhaus Nord: 38 % less downtime",
    },
    {
        "feature": "24-hour spare parts",
        "benefit": "They can cut their own spare-part stock",
        "evidence": "Service level 98.7 % in 2025",
    },
    {
        "feature": "Five-year warranty",
        "benefit": "Predictable maintenance budget",
        "evidence": "",
    },
]


def _meeting_time(days: int, hour: int) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def _fill(briefing: Briefing, by: User, **overrides) -> Briefing:
    briefing.refresh_from_db()
    fields = {
        "objectives": "Close a three-year frame contract with volume commitment.",
        "approach": "Open with their downtime figures, then the pilot results; "
        "discuss price only after the service package.",
        "attendees_interests": "Purchasing wants a lower unit price; the plant manager wants uptime.",
        "currency": "EUR",
        "list_price": Decimal("250.00"),
        "target_price": Decimal("232.00"),
        "walk_away_price": Decimal("215.00"),
        "max_discount_pct": Decimal("12.00"),
        "quantity_min": 400,
        "quantity_max": 800,
        "earliest_delivery": timezone.localdate() + datetime.timedelta(days=45),
        "payment_terms": "30 days net",
        "batna": "Keep supplying spot orders at list price.",
        **overrides,
    }
    return briefing_save(
        briefing=briefing,
        by=by,
        revision=briefing.revision,
        fields=fields,
        pitch_points=PITCH,
        objections=[
            {"objection": "Your competitor is 8 % cheaper", "answer": "Compare total cost over 3 years."},
        ],
        concessions=[
            {"give": "2 % extra discount", "get": "a three-year term"},
            {"give": "free installation", "get": "an order above 600 units"},
        ],
    )


def _deal(*, team, owner, customer, title, days, stage="negotiation", **fields) -> tuple[Deal, bool]:
    deal = Deal.objects.filter(team=team, owner=owner, title=title).first()
    if deal is not None:
        return deal, False
    deal = Deal.objects.create(
        team=team,
        owner=owner,
        customer=customer,
        title=title,
        scope=fields.pop("scope", "Hydraulic valves HV-200 with service package"),
        quantity=fields.pop("quantity", 600),
        estimated_value=fields.pop("estimated_value", Decimal("139200.00")),
        currency="EUR",
        **fields,
    )
    Briefing.objects.create(deal=deal, currency="EUR")
    meeting = Meeting.objects.create(
        deal=deal,
        starts_at=_meeting_time(days, 10),
        ends_at=_meeting_time(days, 12),
        location=f"{customer.name}, head office",
        stage=stage,
    )
    meeting.contacts.set(customer.contacts.all())
    activity_record(deal=deal, actor=owner, verb="deal_created", summary="created the deal")
    return deal, True


def _customer(team: Team, name: str, contacts: list[tuple[str, str, str, str]]) -> Customer:
    customer, _ = Customer.objects.get_or_create(
        team=team, name=name, defaults={"industry": "Food and beverage"}
    )
    for contact_name, title, role, cares in contacts:
        Contact.objects.get_or_create(
            customer=customer,
            name=contact_name,
            defaults={"title": title, "buying_role": role, "cares_about": cares},
        )
    return customer


def seed_demo_deals(*, north: Team, south: Team, users: dict[str, User]) -> list[str]:
    rita, max_, rob = users["rita"], users["max"], users["rob"]
    created = []
    brauhaus = _customer(
        north,
        "Brauhaus Nord AG",
        [
            ("Jana Kruse", "Head of Purchasing", "economic_buyer", "Unit price and payment terms"),
            ("Tom Berger", "Plant Manager", "decision_maker", "Uptime of the bottling line"),
        ],
    )
    molkerei = _customer(
        north,
        "Molkerei Süd eG",
        [("Eva Lang", "Technical Director", "technical_evaluator", "Hygiene certification")],
    )

    deal, new = _deal(
        team=north,
        owner=rita,
        customer=brauhaus,
        title="Valve frame contract 2027",
        days=1,
        involves_production=True,
        involves_delivery=True,
    )
    if new:
        briefing_save(
            briefing=deal.briefing,
            by=rita,
            revision=0,
            fields={
                "objectives": "Frame contract for all three plants.",
                "currency": "EUR",
                "list_price": Decimal("250.00"),
            },
            pitch_points=PITCH[:1],
            objections=[],
            concessions=[],
        )
        created.append(deal.title)

    deal, new = _deal(
        team=north,
        owner=rita,
        customer=molkerei,
        title="CIP line retrofit",
        days=2,
        involves_production=True,
        estimated_value=Decimal("86000.00"),
        quantity=120,
    )
    if new:
        _fill(deal.briefing, rita)
        deal.briefing.refresh_from_db()
        briefing_submit(briefing=deal.briefing, by=rita)
        created.append(deal.title)

    deal, new = _deal(
        team=north,
        owner=rita,
        customer=brauhaus,
        title="Spare parts service agreement",
        days=3,
        stage="final",
        special_payment_terms=True,
        estimated_value=Decimal("48000.00"),
        quantity=1,
    )
    if new:
        _fill(deal.briefing, rita)
        deal.briefing.refresh_from_db()
        briefing_submit(briefing=deal.briefing, by=rita)
        briefing_decide(briefing=deal.briefing, by=max_, approve=True, comment="Good plan, go ahead.")
        created.append(deal.title)

    deal, new = _deal(
        team=north,
        owner=rita,
        customer=molkerei,
        title="Pump line expansion",
        days=3,
        involves_delivery=True,
        estimated_value=Decimal("112500.00"),
        quantity=450,
    )
    if new:
        _fill(deal.briefing, rita)
        deal.briefing.refresh_from_db()
        briefing_submit(briefing=deal.briefing, by=rita)
        briefing_decide(briefing=deal.briefing, by=max_, approve=True, comment="Approved.")
        _fill(deal.briefing, rita, walk_away_price=Decimal("205.00"), max_discount_pct=Decimal("15.00"))
        created.append(deal.title)

    nordic = _customer(
        south,
        "Nordic Bearings AB",
        [("Lars Holm", "Procurement Lead", "economic_buyer", "Delivery reliability")],
    )
    deal, new = _deal(team=south, owner=rob, customer=nordic, title="Bearing supply 2027", days=2)
    if new:
        _fill(deal.briefing, rob)
        created.append(deal.title)
    return [f"deal {title}" for title in created] + seed_demo_payment_terms(team=north, rep=rita)


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
