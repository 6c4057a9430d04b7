"""Helpers every list and home panel uses: days in the user's time zone, first rows with a count."""

import datetime

from django.db.models import Count, QuerySet, Window
from django.utils import timezone


def start_of_day(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of the day in the current time zone (the user's, set by the middleware):
    list filters by date and the results period count days as the user does."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def first_rows_and_count(rows: QuerySet, *, limit: int) -> tuple[list, int]:
    """The first ``limit`` rows of a sorted queryset and the exact number of all of them, in one
    query: the count is a window over the whole result, read from any row shown (no row, none)."""
    if limit < 1:
        return [], rows.count()
    query = rows.query
    ordering = query.order_by or (query.get_meta().ordering if query.default_ordering else ())
    # Sorting first by the count (the same on every row) changes no order, but it keeps
    # PostgreSQL 15 from planning as if the LIMIT could stop the window early: without it the
    # planner may walk a whole index in order (fiona's on-call panel read 60,000 meetings at
    # 100 k deals, 160 ms) where reading the user's few rows and sorting them takes 2 ms.
    counted = rows.annotate(rows_in_all=Window(Count("*"))).order_by("rows_in_all", *ordering)
    first = list(counted[:limit])
    return first, first[0].rows_in_all if first else 0
