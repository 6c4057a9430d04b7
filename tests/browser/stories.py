"""The deals the browser journeys start from.

Each journey builds its own deal, through the app's services, on the demo team and under a
title no demo deal has, so that editing the demo data changes no journey. The people are the
demo's: their usernames are fixed by DESIGN.md, and the journeys read their names from the
database.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from deals.models import Deal, MeetingStage
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
