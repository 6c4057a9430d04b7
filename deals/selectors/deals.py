"""Reads of deals for lists: the next meeting of each, for sorting and filtering in SQL; the
meetings a closing cancels."""

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from deals.models import (
    Deal,
    Meeting,
)


def with_next_meeting(deals: QuerySet[Deal], *, stage: bool = False) -> QuerySet[Deal]:
    """The deals with the start (and, with ``stage``, the stage) of their next meeting
    (``MeetingQuerySet.upcoming``), for sorting and filtering in SQL."""
    upcoming = Meeting.objects.upcoming().filter(deal=OuterRef("pk"))
    deals = deals.annotate(next_meeting_at=Subquery(upcoming.values("starts_at")[:1]))
    if stage:
        deals = deals.annotate(next_meeting_stage=Subquery(upcoming.values("stage")[:1]))
    return deals


def meetings_not_started(*, deal: Deal) -> QuerySet[Meeting]:
    """The deal's meetings that are not cancelled and have not started, soonest first: closing the
    deal cancels them (one under way is left to end)."""
    return deal.meetings.filter(cancelled=False, starts_at__gt=timezone.now()).order_by("starts_at", "pk")
