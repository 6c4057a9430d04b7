from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def timedelta_minutes(value) -> int | str:
    """A duration in whole minutes: timedelta(minutes=15) → 15."""
    if isinstance(value, timedelta):
        return int(value.total_seconds() // 60)
    return ""
