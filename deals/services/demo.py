"""The demo data of seed_demo: the demo teams and people, then one deal per briefing state with
meetings in the coming days, then the staff user."""

import datetime
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from deals.models import Briefing, Contact, Customer, Deal, Meeting
from deals.services.activity import activity_record
from deals.services.briefings import briefing_decide, briefing_save, briefing_submit
from deals.services.demo_live import seed_demo_live
from deals.services.demo_preparation import seed_demo_payment_terms, seed_demo_preparation
from deals.services.reports import report_file
from teams.demo import DEMO_TEAMS, demo_admin_seed, demo_people_seed
from teams.models import Notification, Team, User

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


def _deal(
    *, team, owner, customer, title, days, stage="negotiation", hours_from_now=None, **fields
) -> tuple[Deal, bool]:
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
    if hours_from_now is not None:
        # A meeting this close puts the deal inside the reminders' escalation window.
        starts = timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(hours=hours_from_now)
        starts -= datetime.timedelta(minutes=starts.minute % 15)
    else:
        starts = _meeting_time(days, 10)
    meeting = Meeting.objects.create(
        deal=deal,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
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
        hours_from_now=20,
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
        involves_production=True,
        involves_delivery=True,
        special_payment_terms=True,
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
    created_names = [f"deal {title}" for title in created] + seed_demo_payment_terms(team=north, rep=rita)
    created_names += seed_demo_preparation(team=north, users=users)
    created_names += seed_demo_reports(team=north, rep=rita, manager=max_, brauhaus=brauhaus)
    return created_names + seed_demo_live(team=north, customer=brauhaus, users=users, fill=_fill)


def seed_demo_reports(*, team: Team, rep: User, manager: User, brauhaus: Customer) -> list[str]:
    """Three deals whose meeting is already over: one won within the limits, one that went under
    the walk-away price (a breach the manager is told of), and one whose report is still to file
    (rita's home asks for it)."""
    created = []
    for title, days_ago, report in [
        (
            "Filling valves 2026",
            9,
            {
                "outcome": "won",
                "agreed_price": Decimal("236.00"),
                "discount_pct": Decimal("5.60"),
                "quantity": 500,
                "next_steps": "Order confirmation goes out on Monday.",
                "lessons": "The pilot figures carried the meeting.",
            },
        ),
        (
            "Bottling line spare kit",
            3,
            {
                "outcome": "continue",
                "agreed_price": Decimal("209.00"),
                "discount_pct": Decimal("16.40"),
                "quantity": 400,
                "concessions_given": "Free installation",
                "next_steps": "Send the revised offer by Friday.",
                "lessons": "Gave in on price before they committed to volume.",
            },
        ),
        ("Keg washer upgrade", 1, None),
    ]:
        deal, new = _deal(team=team, owner=rep, customer=brauhaus, title=title, days=1)
        if not new:
            continue
        _fill(deal.briefing, rep)
        deal.briefing.refresh_from_db()
        briefing_submit(briefing=deal.briefing, by=rep)
        briefing_decide(briefing=deal.briefing, by=manager, approve=True, comment="Go ahead.")
        # Demo history: the meeting took place some days ago (the app only schedules future ones).
        meeting = deal.meetings.get()
        meeting.starts_at -= datetime.timedelta(days=days_ago + 1)
        meeting.ends_at -= datetime.timedelta(days=days_ago + 1)
        meeting.save(update_fields=["starts_at", "ends_at"])
        if report is not None:
            report_file(meeting=meeting, by=rep, **report)
        # History: the approval round before that meeting was dealt with long ago.
        Notification.objects.filter(
            kind__in=["briefing_submitted", "briefing_approved"],
            url__startswith=reverse("deals:detail", args=[deal.pk]),
        ).update(read_at=timezone.now())
        created.append(f"report on {title}" if report is not None else f"{title}, its report to file")
    return created


def demo_seed() -> list[str]:
    """Create what is missing of the demo data; never change what exists.

    Returns the names of what was created, so a second run reports nothing.
    """
    created = demo_people_seed()
    teams = {team.name: team for team in Team.objects.filter(name__in=DEMO_TEAMS)}
    users = {user.username: user for user in User.objects.filter(username__in=["rita", "max", "rob"])}
    created += seed_demo_deals(
        north=teams["Northwind Industrial Sales"], south=teams["Southpeak Components"], users=users
    )
    return created + demo_admin_seed()
