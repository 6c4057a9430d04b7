"""Meeting mode's pure rules: when a meeting is live, when an answer goes beyond the approved limits,
and what of the notes the report can start from. No queries, no writes.

Figures are read conservatively: a percentage needs "%", a price needs the deal's currency next to
it, a date needs to be written as 2026-03-31 or 31.03.2026. What is not read that way is not
guessed: the answerer ticks "beyond the approved limits" themselves.
"""

import datetime
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from deals import formatting

# Meeting mode opens this long before the meeting starts and closes this long after it ends.
OPENS_BEFORE = datetime.timedelta(minutes=30)
CLOSES_AFTER = datetime.timedelta(hours=2)

_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "CNY": "¥"}
_NUMBER = r"(\d{1,3}(?:[,\u202f ]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_PERCENT = re.compile(_NUMBER + r"\s?%")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_EU_DATE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b")


def live_window(*, starts_at: datetime.datetime, ends_at: datetime.datetime):
    """From when until when meeting mode is open for a meeting."""
    return starts_at - OPENS_BEFORE, ends_at + CLOSES_AFTER


def is_live(*, starts_at, ends_at, cancelled: bool, now: datetime.datetime) -> bool:
    opens, closes = live_window(starts_at=starts_at, ends_at=ends_at)
    return not cancelled and opens <= now <= closes


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(re.sub(r"[,\u202f ]", "", text))
    except InvalidOperation:
        return None


def percentages(text: str) -> list[Decimal]:
    """Every figure written with a "%" after it."""
    return [value for match in _PERCENT.finditer(text) if (value := _decimal(match.group(1))) is not None]


def amounts(text: str, currency: str) -> list[Decimal]:
    """Every figure written with the currency's code or symbol right before or after it."""
    if not currency:
        return []
    marks = [re.escape(currency)] + ([re.escape(_SYMBOLS[currency])] if currency in _SYMBOLS else [])
    mark = "(?:" + "|".join(marks) + ")"
    pattern = re.compile(rf"{mark}\s?{_NUMBER}|{_NUMBER}\s?{mark}", re.IGNORECASE)
    found = []
    for match in pattern.finditer(text):
        value = _decimal(match.group(1) or match.group(2))
        if value is not None:
            found.append(value)
    return found


def dates(text: str) -> list[datetime.date]:
    """Every date written as 2026-03-31 or 31.03.2026."""
    found = []
    for match in _ISO_DATE.finditer(text):
        year, month, day = (int(part) for part in match.groups())
        found += _date(year, month, day)
    for match in _EU_DATE.finditer(text):
        day, month, year = (int(part) for part in match.groups())
        found += _date(year, month, day)
    return found


def _date(year: int, month: int, day: int) -> list[datetime.date]:
    try:
        return [datetime.date(year, month, day)]
    except ValueError:
        return []


def beyond_limits(*, limits, question: str, reply: str, answer: str) -> str:
    """Why an answer goes beyond the approved limits, in a sentence; empty when it does not.

    ``limits`` is the approved ``LimitsSnapshot`` (None: nothing approved, nothing to compare).
    A "yes" agrees to the figures of the question; what the answer says counts in any case.
    A "no" or "call me now" agrees to nothing of the question.
    """
    if limits is None:
        return ""
    agreed = answer + (" " + question if reply == "yes" else "")
    currency = limits.currency or ""
    reasons = []
    max_discount = limits.max_discount_pct
    if max_discount is not None and (over := [p for p in percentages(agreed) if p > max_discount]):
        reasons.append(
            f"{formatting.pct(max(over))} is over the maximum discount of {formatting.pct(max_discount)}"
        )
    walk_away = limits.walk_away_price
    if walk_away is not None and (under := [a for a in amounts(agreed, currency) if a < walk_away]):
        reasons.append(
            f"{formatting.money(min(under), currency)} is under the walk-away price of "
            f"{formatting.money(walk_away, currency)}"
        )
    earliest = limits.earliest_delivery
    if earliest is not None and (early := [d for d in dates(agreed) if d < earliest]):
        reasons.append(
            f"delivery on {formatting.day(min(early))} is earlier than the earliest we may promise "
            f"({formatting.day(earliest)})"
        )
    sentence = "; ".join(reasons)
    return sentence[:1].upper() + sentence[1:]


# The report, from the notes ----------------------------------------------------------------

_NEXT = re.compile(r"^\s*(?:[-*•]\s*)?(?:next(?: steps?)?|todo|follow[- ]up)\s*[:\-–]\s*(.+)$", re.I)
_GAVE = re.compile(r"^\s*(?:[-*•]\s*)?(?:gave|we gave|given)\s*[:\-–]\s*(.+)$", re.I)
_GOT = re.compile(r"^\s*(?:[-*•]\s*)?(?:got|we got|received)\s*[:\-–]\s*(.+)$", re.I)
_QUANTITY = re.compile(r"\b(\d{1,3}(?:[, ]\d{3})+|\d+)\s*(?:units|pcs|pieces)\b", re.I)


@dataclass
class NotesDigest:
    """What the report can start from: the figures the notes mention and the lines marked for it."""

    next_steps: list[str] = field(default_factory=list)
    given: list[str] = field(default_factory=list)
    received: list[str] = field(default_factory=list)
    discount_pct: Decimal | None = None
    agreed_price: Decimal | None = None
    quantity: int | None = None
    delivery_date: datetime.date | None = None


def _only(values: list):
    """The one distinct value mentioned; None when none or several (a guess would be typed twice)."""
    distinct = list(dict.fromkeys(values))
    return distinct[0] if len(distinct) == 1 else None


def digest_notes(text: str, *, currency: str = "") -> NotesDigest:
    """Read the notes for the report: lines starting "Next:", "Gave:", "Got:", and figures that are
    mentioned exactly once (one discount, one price in the deal's currency, one quantity in units,
    one date)."""
    digest = NotesDigest()
    for line in text.splitlines():
        for pattern, bucket in ((_NEXT, digest.next_steps), (_GAVE, digest.given), (_GOT, digest.received)):
            if match := pattern.match(line):
                bucket.append(match.group(1).strip())
    discount = _only(percentages(text))
    if discount is not None and discount <= 100:
        digest.discount_pct = discount
    digest.agreed_price = _only(amounts(text, currency))
    quantities = [int(re.sub(r"[, ]", "", match.group(1))) for match in _QUANTITY.finditer(text)]
    digest.quantity = _only(quantities)
    digest.delivery_date = _only(dates(text))
    return digest
