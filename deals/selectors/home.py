"""The deal-related panels of each role's home page.

Every panel is bounded: it shows the most urgent few rows, the exact count of
all of them and a link to the paginated list that holds the rest. Each panel
costs a fixed number of queries however many rows there are.
"""

from decimal import Decimal

from django.db.models import Count, F, QuerySet, Sum
from django.urls import reverse

from deals.access import deals_for_user, memberships_of
from deals.models import OPEN_DEAL_STATUSES, Deal, DealStatus
from deals.selectors.briefings import approval_queue_panel
from deals.selectors.consultations import (
    answered_since,
    consultations_asked_of,
)
from deals.selectors.cover import cover_requests_for
from deals.selectors.deals import with_next_meeting
from deals.selectors.escalations import escalations_for
from deals.selectors.lists import first_rows_and_count
from deals.selectors.panels import _mark_for
from deals.selectors.payments import (
    QUEUE_RELATED,
    finance_policies_for,
    payment_queue_items,
    payment_requests_waiting_for,
)
from deals.selectors.readiness import readiness_for_deals
from deals.selectors.reports import breach_reports
from deals.selectors.reports_due import reports_to_file_panel
from teams.models import Role, User

# How many rows a home panel shows before "see all".
HOME_PANEL_ROWS = 5


def soonest_meeting_first(deals: QuerySet[Deal], *, limit: int) -> list:
    """The first ``limit`` deals by next meeting (deals without one last), with their readiness."""
    order = (F("next_meeting_at").asc(nulls_last=True), "-created_at", "-pk")
    # The first few are chosen on the deals alone; only they are then joined to their customer,
    # owner and team (joining every deal before sorting costs more than the sort).
    first = with_next_meeting(deals).order_by(*order).values("pk")[:limit]
    deals = list(
        with_next_meeting(Deal.objects.filter(pk__in=first))
        .select_related("customer", "owner", "team")
        .order_by(*order)
    )
    readiness = readiness_for_deals(deals)
    return [(deal, readiness[deal.pk]) for deal in deals]


def rep_deals(*, user: User) -> dict:
    deals = deals_for_user(user=user).filter(status__in=OPEN_DEAL_STATUSES, owner=user)
    return {
        "rep_deals": soonest_meeting_first(deals, limit=HOME_PANEL_ROWS),
        "rep_deals_count": deals.count(),
        "rep_deals_url": f"{reverse('deals:list')}?status=open&owner={user.pk}&sort=meeting",
    }


def pipeline_stages(deals: QuerySet[Deal]) -> list[dict]:
    """Per deal status: how many deals and their estimated value per currency (never added across
    currencies), in one query."""
    totals = (
        deals.order_by()
        .values("status", "currency")
        .annotate(deals=Count("pk"), value=Sum("estimated_value"))
        .order_by("status", "currency")
    )
    stages = {
        status: {
            "status": status,
            "label": label,
            "count": 0,
            "values": [],
            "open": status in OPEN_DEAL_STATUSES,
        }
        for status, label in DealStatus.choices
    }
    for row in totals:
        stage = stages[row["status"]]
        stage["count"] += row["deals"]
        stage["values"].append({"currency": row["currency"], "value": row["value"] or Decimal("0")})
    return list(stages.values())


def team_pipeline(*, user: User) -> dict:
    """The manager's pipeline: deals by stage with their value, and the open deals meeting soonest.

    One who manages several teams sees which team each deal is in.
    """
    deals = deals_for_user(user=user).unarchived()
    stages = pipeline_stages(deals)
    open_count = sum(stage["count"] for stage in stages if stage["open"])
    managed_teams = len(memberships_of(user).teams(Role.MANAGER))
    return {
        "team_deals": soonest_meeting_first(
            deals.filter(status__in=OPEN_DEAL_STATUSES), limit=HOME_PANEL_ROWS
        )
        if open_count
        else [],
        "team_deals_count": open_count,
        "pipeline_stages": stages,
        "several_teams": managed_teams > 1,
    }


def home_panels(*, user: User, roles: set[str]) -> dict:
    context = {}
    if roles:
        context.update(cover_requests_for(user=user, limit=HOME_PANEL_ROWS))
    if Role.REP in roles:
        context.update(rep_deals(user=user))
        context.update(reports_to_file_panel(user=user, limit=HOME_PANEL_ROWS))
    if Role.MANAGER in roles:
        context.update(approval_queue_panel(user=user, limit=HOME_PANEL_ROWS))
        context.update(team_pipeline(user=user))
        context.update(reports_home_context(user=user, limit=HOME_PANEL_ROWS))
        context.update(escalations_for(user=user, limit=HOME_PANEL_ROWS))
    # Consultations panels; the managers answer the boss's part on the approval queue's cards.
    if roles & {Role.PRODUCTION, Role.SUPPLY_CHAIN, Role.FINANCE}:
        context.update(consultations_home_context(user=user, limit=HOME_PANEL_ROWS))
    # Payment-term panels (deals/views/payments.py)
    if Role.FINANCE in roles:
        context.update(payments_home_context(user=user, limit=HOME_PANEL_ROWS))
    return context


# What the home panel shows of each row: joining only these keeps the queries cheap to plan.
HOME_ASKED_RELATED = ["deal__customer", "deal__owner", "requested_by"]


HOME_ANSWERED_RELATED = ["deal"]


def consultations_home_context(*, user: User, limit: int) -> dict:
    """The home panel of production, supply chain and finance: the soonest due few,
    how many wait in all, and the user's latest answers (two queries)."""
    asked = consultations_asked_of(user=user).select_related(None).select_related(*HOME_ASKED_RELATED)
    asked_first, asked_count = first_rows_and_count(asked, limit=limit)
    answered = answered_since(user=user).select_related(None).select_related(*HOME_ANSWERED_RELATED)
    answered_first, answered_count = first_rows_and_count(answered, limit=limit)
    return {
        "asked_of_me": _mark_for(user, asked_first),
        "asked_of_me_count": asked_count,
        "answered_recently": answered_first,
        "answered_recently_count": answered_count,
    }


def payments_home_context(*, user: User, limit: int) -> dict:
    """Finance's home panel: the oldest requests waiting, how many wait (one query), and their
    teams' policies."""
    waiting = payment_requests_waiting_for(user=user).select_related(*QUEUE_RELATED)
    first, count = first_rows_and_count(waiting, limit=limit)
    return {
        "payment_queue": payment_queue_items(requests=first),
        "payment_queue_count": count,
        "finance_policies": finance_policies_for(user=user),
    }


def reports_home_context(*, user: User, limit: int) -> dict:
    """A manager's home panel: the latest reports with breaches in their teams, and how many there are."""
    reports, count = first_rows_and_count(breach_reports(user=user), limit=limit)
    return {"breach_reports": reports, "breach_reports_count": count}
