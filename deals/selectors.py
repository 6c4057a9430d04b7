"""Reads about deals, always scoped to the user asking.

``deals_for_user`` is the one gate: every view, download and htmx endpoint
starts from it (or from ``deal_for_user``, which 404s for outsiders).
"""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from deals.models import Deal, Meeting
from teams.models import Membership, Role, User


def deals_for_user(*, user: User) -> QuerySet[Deal]:
    if not user.is_authenticated:
        return Deal.objects.none()
    managed_teams = Membership.objects.filter(user=user, role=Role.MANAGER).values("team")
    rep_teams = Membership.objects.filter(user=user, role=Role.REP).values("team")
    member_teams = Membership.objects.filter(user=user).values("team")
    co_negotiating = Meeting.objects.filter(deal=OuterRef("pk"), co_negotiators=user)
    return Deal.objects.filter(
        Q(team__in=managed_teams)
        | Q(owner=user, team__in=rep_teams)
        | Q(Exists(co_negotiating), team__in=member_teams)
    )


def deal_for_user(*, user: User, pk: int) -> Deal:
    """The deal if the user may see it; 404 for everyone else."""
    deal = (
        deals_for_user(user=user)
        .select_related("team", "owner", "customer")
        .filter(pk=pk)
        .first()
    )
    if deal is None:
        raise Http404("No such deal.")
    return deal


def is_manager(*, user: User, team_id: int) -> bool:
    return Membership.objects.filter(user=user, team_id=team_id, role=Role.MANAGER).exists()


def can_edit_deal(*, user: User, deal: Deal) -> bool:
    """Only the owning rep edits a deal, and only while they are a rep of its team."""
    return (
        deal.owner_id == user.pk
        and Membership.objects.filter(user=user, team_id=deal.team_id, role=Role.REP).exists()
    )
