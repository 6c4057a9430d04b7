"""How NegPrep writes money, percentages and the concession plan.

Pages (through the ``formatting`` template filters), e-mails, activity
summaries and error messages all call these, so a figure reads the same
wherever it appears. Pure functions of values: no database, no request.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.utils.html import format_html

CONCESSION = "Give {give} only for {get}"


def money(value, places: int = 2) -> str:
    """An amount with thousands separators: 870,000.00 (or 870,000 with ``places=0``)."""
    exponent = Decimal(1).scaleb(-places)
    return f"{Decimal(str(value)).quantize(exponent, rounding=ROUND_HALF_UP):,}"


def pct(value) -> str:
    """A percentage as people write it: 20, 12.5, 12.01 (never 20.00 or 2E+1)."""
    return f"{Decimal(str(value)).normalize():f}"


def concession(give: str, get: str) -> str:
    """One trade of the concession plan: Give 2 % discount only for a 3-year term."""
    return CONCESSION.format(give=give, get=get)


def concession_html(give: str, get: str) -> str:
    """The same trade with both sides in bold, for the pages."""
    bold = "<strong>{}</strong>"
    return format_html(CONCESSION, give=format_html(bold, give), get=format_html(bold, get))
