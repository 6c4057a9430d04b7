"""The demo's meeting in progress, for seed_demo: a deal whose meeting starts a few minutes after
seeding, with its briefing approved and a colleague on call, so meeting mode opens at once."""

import datetime

from django.utils import timezone

from deals.models import Briefing, Customer, Deal, Meeting, MeetingStage
from deals.services.activity import activity_record
from deals.services.briefings import briefing_decide, briefing_submit
from deals.services.cover import on_call_request, on_call_respond
from deals.services.live import answer_give, question_ask
from teams.models import Team, User

LIVE_DEAL_TITLE = "Brewhouse valve retrofit"


def seed_demo_live(*, team: Team, customer: Customer, users: dict[str, User], fill) -> list[str]:
    """Rita meets the customer in 20 minutes; Paul (production) is on call and has answered one
    question already. ``fill`` writes the demo briefing (``demo._fill``)."""
    rita, max_, paul = users["rita"], users["max"], User.objects.get(username="paul")
    if Deal.objects.filter(team=team, title=LIVE_DEAL_TITLE).exists():
        return []
    deal = Deal.objects.create(
        team=team,
        owner=rita,
        customer=customer,
        title=LIVE_DEAL_TITLE,
        scope="Hydraulic valves HV-200 for the brewhouse, with installation",
        quantity=500,
        estimated_value="116000.00",
        currency="EUR",
    )
    Briefing.objects.create(deal=deal, currency="EUR")
    starts = timezone.now().replace(second=0, microsecond=0) + datetime.timedelta(minutes=20)
    meeting = Meeting.objects.create(
        deal=deal,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        location=f"{customer.name}, head office",
        stage=MeetingStage.NEGOTIATION,
    )
    meeting.contacts.set(customer.contacts.all())
    activity_record(deal=deal, actor=rita, verb="deal_created", summary="created the deal")
    fill(deal.briefing, rita)
    deal.briefing.refresh_from_db()
    briefing_submit(briefing=deal.briefing, by=rita)
    briefing_decide(briefing=deal.briefing, by=max_, approve=True, comment="Hold the walk-away price.")
    on_call = on_call_request(meeting=meeting, by=rita, member=paul, topic="delivery dates and capacity")
    on_call_respond(on_call=on_call, by=paul, accept=True)
    question = question_ask(meeting=meeting, by=rita, text="Can we install during their August shutdown?")
    answer_give(question=question, by=paul, text="Yes: the second and third week of August are free.")
    return [f"deal {LIVE_DEAL_TITLE}, its meeting in 20 minutes with Paul on call"]
