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
from deals.readiness import readiness_for_deals
from deals.selectors import approval_queue_panel, cover_requests_for, with_next_meeting
from deals.selectors_reports import escalations_for
from deals.views.consultations import consultations_home_context
from deals.views.payments import payments_home_context
from deals.views.reports import reports_home_context
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
    deals = deals_for_user(user=user)
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
    if Role.MANAGER in roles:
        context.update(approval_queue_panel(user=user, limit=HOME_PANEL_ROWS))
        context.update(team_pipeline(user=user))
        context.update(reports_home_context(user=user, limit=HOME_PANEL_ROWS))
        context.update(escalations_for(user=user, limit=HOME_PANEL_ROWS))
    # Consultations panels (deals/views/consultations.py)
    if roles & {Role.PRODUCTION, Role.SUPPLY_CHAIN, Role.FINANCE, Role.MANAGER}:
        context.update(consultations_home_context(user=user, limit=HOME_PANEL_ROWS))
    # Payment-term panels (deals/views/payments.py)
    if Role.FINANCE in roles:
        context.update(payments_home_context(user=user, limit=HOME_PANEL_ROWS))
    return context
