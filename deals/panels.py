"""What every bounded panel needs: its first few rows and the exact count of all of them."""

from django.db.models import Count, QuerySet, Window


def first_rows_and_count(rows: QuerySet, *, limit: int) -> tuple[list, int]:
    """The first ``limit`` rows and how many rows there are in all, in one query.

    The count is a window over every row that matches, computed before the limit, so the
    filter (often the costly part) is evaluated once instead of once for the rows and once more
    for the count.
    """
    if limit < 1:
        return [], rows.count()
    first = list(rows.annotate(panel_total=Window(Count("pk")))[:limit])
    return first, first[0].panel_total if first else 0
