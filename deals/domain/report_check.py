"""The report check: a report's terms compared with what was approved, as a function of values.

The references (``ReportReferences``) are read once per deal by
``deals.selectors.reports.report_references``; ``compare_with_references``
turns them and the reported terms into breaches, which the report service
stores and the scale seeding reproduces without a query.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from deals import formatting
from deals.domain.snapshot import FIGURE_KINDS, LimitRow, LimitsSnapshot, limit_breach_labels, limited_terms
from deals.models import Department

# The departments whose committed delivery dates a report must not undercut.
COMMITTING_DEPARTMENTS = [Department.PRODUCTION, Department.SUPPLY_CHAIN]

# Short names of the breaches, for e-mail subjects and lists (a limit's own: ``deals.domain.snapshot``).
BREACH_LABELS = {
    "no_approved_limits": "no approved limits",
    "delivery_before_production": "delivery earlier than production committed",
    "delivery_before_supply_chain": "delivery earlier than supply chain committed",
    "net_days_over": "net days beyond what finance approved",
    "deposit_under": "deposit below what finance approved",
    "instalments_over": "instalments beyond what finance approved",
}


@dataclass
class ReportReferences:
    """Everything a report is checked against, read once per deal.

    ``limits`` are the approved version's limits (``None`` without one);
    ``terms`` are the payment terms in force, with ``terms_source`` saying
    whether finance granted them or they are the policy's standard;
    ``commitments`` maps a department to the latest date it committed to.
    """

    currency: str
    limits: LimitsSnapshot | None
    approved_version_number: int | None
    terms: dict
    terms_source: str
    terms_granted: bool
    commitments: dict[str, datetime.date] = field(default_factory=dict)

    @property
    def limit_rows(self) -> list[LimitRow]:
        """The approved figures, the target price with the discount it means."""
        if self.limits is None:
            return []
        rows = self.limits.rows(kinds=FIGURE_KINDS)
        target = self.limits.target_discount_pct()
        for row in rows:
            if row.name == "target_price" and target is not None:
                row.note = f"({formatting.pct(target)} % off)"
        return rows

    @property
    def commitment_rows(self) -> list[tuple[str, datetime.date]]:
        return [(Department(d).label, day) for d, day in self.commitments.items()]


def decimal_or_none(value) -> Decimal | None:
    """The value as a Decimal; ``None`` when it is empty or not a number."""
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


# A stated discount may be rounded: within half a percentage point of the discount the agreed price
# means off the list price (11.5 % written as 11 or 12), the two agree.
DISCOUNT_ROUNDING = Decimal("0.5")


def discount_disagreement(*, references: ReportReferences, data: dict) -> str | None:
    """Why the stated discount and the agreed price disagree off the approved list price, in words
    for the discount field; None when they agree within rounding or one of the three is missing."""
    price, stated = decimal_or_none(data.get("agreed_price")), decimal_or_none(data.get("discount_pct"))
    limits = references.limits
    meant = limits.discount_at(price) if limits is not None else None
    if meant is None or stated is None or abs(meant - stated) <= DISCOUNT_ROUNDING:
        return None
    list_price = formatting.money(limits.list_price, references.currency)
    stated_text = f"{formatting.pct(stated)} %"
    if meant < 0:
        means = f"{formatting.pct(-meant)} % above the list price of {list_price}, not {stated_text} off it"
    else:
        means = f"{formatting.pct(meant)} % off the list price of {list_price}, not {stated_text}"
    return (
        f"An agreed price of {formatting.money(price)} is {means}: "
        "correct the price or the discount, or say why they differ."
    )


def _breach(code: str, message: str) -> dict:
    return {"code": code, "message": message}


def compare_with_references(*, references: ReportReferences, data: dict) -> list[dict]:
    """The breaches of the reported terms against the references; exactly at a limit is within."""
    breaches = []
    refs = references
    delivery = data.get("delivery_date")

    if refs.limits is None:
        if any(data.get(name) not in (None, "") for name in limited_terms()):
            breaches.append(
                _breach(
                    "no_approved_limits",
                    "Negotiated without approved limits: the briefing had no approved version",
                )
            )
    else:
        breaches += refs.limits.breaches(data)

    if delivery is not None:
        for department, committed in refs.commitments.items():
            if delivery < committed:
                label = Department(department).label
                breaches.append(
                    _breach(
                        f"delivery_before_{department}",
                        f"Delivery on {formatting.day(delivery)} is earlier than {label.lower()} "
                        f"committed to ({formatting.day(committed)})",
                    )
                )

    terms, source = refs.terms, refs.terms_source
    net_days = data.get("net_days")
    if net_days is not None and terms.get("net_days") is not None and net_days > terms["net_days"]:
        breaches.append(
            _breach("net_days_over", f"{net_days} net days exceed the {terms['net_days']} {source}")
        )
    deposit = decimal_or_none(data.get("deposit_pct"))
    minimum = decimal_or_none(terms.get("deposit_pct"))
    if deposit is not None and minimum is not None and deposit < minimum:
        breaches.append(
            _breach(
                "deposit_under",
                f"Deposit {formatting.pct(deposit)} % is below the {formatting.pct(minimum)} % {source}",
            )
        )
    instalments = data.get("instalments")
    if (
        instalments is not None
        and terms.get("instalments") is not None
        and instalments > terms["instalments"]
    ):
        breaches.append(
            _breach(
                "instalments_over",
                f"{instalments} instalments exceed the {terms['instalments']} {source}",
            )
        )
    return breaches


def breach_labels(breaches: list[dict]) -> list[str]:
    labels = {**BREACH_LABELS, **limit_breach_labels()}
    return [labels.get(b.get("code"), b.get("code", "")) for b in breaches]
