"""Values as the app writes them, in Python and in templates (the ``negprep_tags`` filters):
885,000.00 EUR, 12.5 %, 1,200 units and 1 Dec 2026."""

import datetime
from decimal import Decimal

from django.utils import formats


def money(value, currency: str = "") -> str:
    """An amount with two decimals and thousands separated: "885,000.00", or "885,000.00 EUR"."""
    text = f"{Decimal(str(value)).quantize(Decimal('0.01')):,}"
    return f"{text} {currency}" if currency else text


def pct(value) -> str:
    """A percentage as people write it: 20, 12.5 (never 20.00 or 2E+1); the caller adds the " %"."""
    return f"{Decimal(str(value)).normalize():f}"


def quantity(value) -> str:
    """A count with thousands separated: 1,200."""
    return f"{int(value):,}"


def day(value: datetime.date) -> str:
    """A date as the app writes it everywhere: 1 Dec 2026."""
    return formats.date_format(value, "j M Y")


def concession(give: str, get: str) -> str:
    """One trade of a concession plan: "Give 2 % discount only for 3-year term"."""
    return f"Give {give} only for {get}"
