"""The template side of ``deals.formatting``: ``{% load formatting %}``.

An empty value gives an empty string, so ``|money|default:"—"`` shows a dash.
"""

from django import template

from deals import formatting

register = template.Library()


def _empty(value) -> bool:
    return value is None or value == ""


@register.filter
def money(value, places=2) -> str:
    """{{ deal.estimated_value|money }} → 125,000.00; {{ total|money:0 }} → 125,000."""
    return "" if _empty(value) else formatting.money(value, places=int(places))


@register.filter
def pct(value) -> str:
    """{{ policy.min_deposit_pct|pct }} % → 20 %."""
    return "" if _empty(value) else formatting.pct(value)


@register.filter
def quantity(value) -> str:
    """{{ report.quantity|quantity }} → 1,200."""
    return "" if _empty(value) else formatting.quantity(value)


@register.filter
def concession(trade) -> str:
    """{{ trade|concession }} for a Concession or a snapshot row ({"give": …, "get": …})."""
    give, get = (trade["give"], trade["get"]) if isinstance(trade, dict) else (trade.give, trade.get)
    return formatting.concession_html(give, get)
