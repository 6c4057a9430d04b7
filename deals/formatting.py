"""How NegPrep writes money, percentages, quantities, dates and the concession plan.

Pages (through the ``formatting`` template filters), e-mails, activity
summaries and error messages all call these, so a figure reads the same
wherever it appears. Pure functions of values: no database, no request.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.utils import formats
from django.utils.html import format_html

CONCESSION = "Give {give} only for {get}"


def money(value, currency: str = "", *, places: int = 2) -> str:
    """An amount with thousands separators: 870,000.00, or 870,000.00 EUR with a currency
    (870,000 with ``places=0``)."""
    exponent = Decimal(1).scaleb(-places)
    text = f"{Decimal(str(value)).quantize(exponent, rounding=ROUND_HALF_UP):,}"
    return f"{text} {currency}" if currency else text


def pct(value) -> str:
    """A percentage as people write it: 20, 12.5, 12.01 (never 20.00 or 2E+1)."""
    return f"{Decimal(str(value)).normalize():f}"


def quantity(value) -> str:
    """A count with thousands separators: 1,200."""
    return f"{int(value):,}"


def day(value: datetime.date) -> str:
    """A date as NegPrep writes it everywhere: 1 Dec 2026."""
    return formats.date_format(value, "j M Y")


def concession(give: str, get: str) -> str:
    """One trade of the concession plan: Give 2 % discount only for a 3-year term."""
    return CONCESSION.format(give=give, get=get)


def concession_html(give: str, get: str) -> str:
    """The same trade with both sides in bold, for the pages."""
    bold = "<strong>{}</strong>"
    return format_html(CONCESSION, give=format_html(bold, give), get=format_html(bold, get))


# A cell a spreadsheet would take for a formula (or a command, for "@" in old versions).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value):
    """A value for a CSV or XLSX export: text that a spreadsheet would run as a formula gets a
    leading apostrophe, so it is shown as typed (CSV injection). Numbers, dates and None pass as
    they are; a negative number is a number, not a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
