from datetime import timedelta

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from negprep import readable

register = template.Library()


@register.filter
def timedelta_minutes(value) -> int | str:
    """A duration in whole minutes: timedelta(minutes=15) → 15."""
    if isinstance(value, timedelta):
        return int(value.total_seconds() // 60)
    return ""


@register.filter
def money(value, currency="") -> str:
    """An amount as the app writes it (``readable.money``): 885,000.00 EUR; empty for none."""
    return "" if value in (None, "") else readable.money(value, currency or "")


@register.filter
def pct(value) -> str:
    """A percentage as the app writes it (``readable.pct``): 12.5; empty for none."""
    return "" if value in (None, "") else readable.pct(value)


@register.filter
def concession(trade) -> str:
    """A trade of a concession plan (a row, or a snapshot's dict) with both sides in bold."""

    def side(name):
        value = trade.get(name) if isinstance(trade, dict) else getattr(trade, name)
        return format_html("<strong>{}</strong>", value)

    return mark_safe(readable.concession(side("give"), side("get")))  # noqa: S308 - both sides escaped
