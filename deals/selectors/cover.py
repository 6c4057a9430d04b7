"""Reads of meeting cover: the requests to be on call or to come along, and overlapping on-calls."""

from django.db.models import QuerySet
from django.utils import timezone

from deals.models import (
    CoNegotiatorRequest,
    CoNegotiatorStatus,
    OnCall,
    OnCallStatus,
)
from deals.selectors.lists import first_rows_and_count
from teams.models import Membership, Role, User


def cover_requests(*, user: User, kind: str) -> QuerySet:
    """What colleagues asked of the user for upcoming meetings, soonest meeting first:
    on-call cover (``kind="on_call"``) or coming along (``kind="co_negotiator"``)."""
    if kind == "on_call":
        model, declined = OnCall, OnCallStatus.DECLINED
    else:
        model, declined = CoNegotiatorRequest, CoNegotiatorStatus.DECLINED
    return (
        model.objects.filter(member=user, meeting__cancelled=False, meeting__ends_at__gt=timezone.now())
        .exclude(status=declined)
        .select_related("meeting", "meeting__deal", "meeting__deal__customer", "meeting__deal__owner")
        .order_by("meeting__starts_at", "pk")
    )


def cover_requests_for(*, user: User, limit: int | None = None) -> dict:
    """The on-call and co-negotiator requests (the first ``limit`` of each) and how many there are."""
    context = {}
    for kind in ("on_call", "co_negotiator"):
        requests = cover_requests(user=user, kind=kind)
        if limit is None:
            rows = list(requests)
            count = len(rows)
        else:
            rows, count = first_rows_and_count(requests, limit=limit)
        context[f"{kind}_requests"] = rows
        context[f"{kind}_requests_count"] = count
    return context


def overlapping_on_calls(
    *, starts_at, ends_at, member: User | None = None, team=None, exclude_meeting=None
) -> list[OnCall]:
    """Accepted or pending on-call commitments overlapping the window, of one member or a whole team."""
    overlapping = OnCall.objects.filter(
        available_from__lt=ends_at, available_to__gt=starts_at, meeting__cancelled=False
    ).exclude(status=OnCallStatus.DECLINED)
    if member is not None:
        overlapping = overlapping.filter(member=member)
    if team is not None:
        overlapping = overlapping.filter(meeting__deal__team=team)
    if exclude_meeting is not None:
        overlapping = overlapping.exclude(meeting=exclude_meeting)
    return list(overlapping.select_related("member", "meeting__deal"))


def colleague_choices(*, deal):
    """Active members of the deal's team other than its owner, labelled with their roles."""
    memberships = (
        Membership.objects.filter(team=deal.team, user__is_active=True)
        .exclude(user=deal.owner)
        .select_related("user")
        .order_by("user__first_name", "user__username")
    )
    roles: dict[int, list[str]] = {}
    users: dict[int, User] = {}
    for membership in memberships:
        users[membership.user_id] = membership.user
        roles.setdefault(membership.user_id, []).append(Role(membership.role).label)
    return users, {pk: f"{users[pk]} ({', '.join(labels)})" for pk, labels in roles.items()}
