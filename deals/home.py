"""The deal-related panels of each role's home page."""

from deals.access import deals_for_user
from deals.models import OPEN_DEAL_STATUSES
from deals.readiness import readiness_for_deals
from deals.selectors import approval_queue_for, cover_invitations_for
from deals.selectors_reports import escalations_for
from deals.views.consultations import consultations_home_context
from deals.views.payments import payments_home_context
from deals.views.reports import reports_home_context
from teams.models import Role, User


def upcoming_deals_with_readiness(*, user: User, owned_only: bool) -> list:
    """Open deals with their readiness, soonest next meeting first."""
    deals = deals_for_user(user=user).filter(status__in=OPEN_DEAL_STATUSES)
    if owned_only:
        deals = deals.filter(owner=user)
    deals = list(deals.select_related("customer", "owner", "briefing", "team"))
    readiness = readiness_for_deals(deals)
    rows = [(deal, readiness[deal.pk]) for deal in deals]
    far_future = (1, None)
    rows.sort(
        key=lambda row: (0, row[1].next_meeting.starts_at) if row[1].next_meeting else far_future,
    )
    return rows


def team_pipeline(*, user: User) -> dict:
    """The manager's pipeline; one who manages several teams sees which team each deal is in."""
    rows = upcoming_deals_with_readiness(user=user, owned_only=False)
    return {"team_deals": rows, "several_teams": len({deal.team_id for deal, _ in rows}) > 1}


def home_panels(*, user: User, roles: set[str]) -> dict:
    context = {}
    if roles:
        context.update(cover_invitations_for(user=user))
    if Role.REP in roles:
        context["rep_deals"] = upcoming_deals_with_readiness(user=user, owned_only=True)
    if Role.MANAGER in roles:
        context["queue"] = approval_queue_for(user=user)
        context.update(team_pipeline(user=user))
        context.update(reports_home_context(user=user))
        context.update(escalations_for(user=user))
    # Consultations panels (deals/views/consultations.py)
    if roles & {Role.PRODUCTION, Role.SUPPLY_CHAIN, Role.FINANCE, Role.MANAGER}:
        context.update(consultations_home_context(user=user))
    # Payment-term panels (deals/views/payments.py)
    if Role.FINANCE in roles:
        context.update(payments_home_context(user=user))
    return context
