"""Which meetings wait for their report: the one rule the deal page and the rep's home share.

A meeting waits for its report once it has started (the rep may file on the way out), unless it was
cancelled or its report is filed.
"""

import datetime

from django.db.models import QuerySet
from django.utils import timezone

from deals.access import among_deals, deals_for_user
from deals.models import OPEN_DEAL_STATUSES, Meeting
from deals.selectors.lists import first_rows_and_count
from teams.models import User


def _awaiting_report(
    meetings: QuerySet[Meeting], *, now: datetime.datetime | None = None
) -> QuerySet[Meeting]:
    now = now or timezone.now()
    return meetings.filter(cancelled=False, starts_at__lte=now, report__isnull=True)


def meetings_awaiting_report(
    *, deal, now: datetime.datetime | None = None, limit: int | None = None
) -> list[Meeting]:
    """Meetings of the deal that have started, were not cancelled and have no report yet, latest first
    (the first ``limit`` of them when given)."""
    meetings = _awaiting_report(Meeting.objects.filter(deal=deal), now=now).order_by("-starts_at", "-pk")
    return list(meetings if limit is None else meetings[:limit])


def meetings_awaiting_report_count(*, deal) -> int:
    return _awaiting_report(Meeting.objects.filter(deal=deal)).count()


def reports_to_file(*, user: User, now: datetime.datetime | None = None) -> QuerySet[Meeting]:
    """The meetings of the user's own open deals that wait for their report, the longest waiting
    first: what the rep's home asks them to file."""
    deals = deals_for_user(user=user).filter(owner=user, status__in=OPEN_DEAL_STATUSES)
    if deals.query.is_empty():  # in no team: no deal to look the meetings up by
        return Meeting.objects.none()
    return (
        _awaiting_report(Meeting.objects.filter(among_deals(deals)), now=now)
        .select_related("deal", "deal__customer")
        .order_by("starts_at", "pk")
    )


def reports_to_file_panel(*, user: User, limit: int) -> dict:
    """The rep's home panel: the first few meetings to report on and how many there are (one query)."""
    meetings, count = first_rows_and_count(reports_to_file(user=user), limit=limit)
    return {"reports_to_file": meetings, "reports_to_file_count": count}
