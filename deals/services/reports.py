"""Writes about negotiation reports: filing what happened at a meeting, checked against what was approved.

A report is compared with the limits of the briefing's approved version, the
payment terms finance granted (or, when none were, the team's finance policy)
and the delivery dates production and supply chain committed to. Every breach
is stored on the report, written to the deal's timeline and sent to the
team's managers.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from deals import formatting
from deals.access import can_edit_deal
from deals.domain.payment_policy import granted_terms
from deals.domain.snapshot import FIGURE_KINDS, LimitRow, LimitsSnapshot, limit_breach_labels, limited_terms
from deals.models import (
    OPEN_DEAL_STATUSES,
    Briefing,
    Consultation,
    ConsultationStatus,
    Deal,
    DealStatus,
    Department,
    FinancePolicy,
    Meeting,
    NegotiationReport,
    ReportOutcome,
)
from deals.selectors.payments import approved_payment_terms, policy_for_team
from deals.selectors.readiness import ready_at
from deals.services.activity import activity_record
from negprep.errors import Invalid, NotAllowed
from teams.models import Role, User
from teams.notifications import notify
from teams.selectors import members_with_role

REPORT_FIELDS = [
    "outcome",
    "agreed_price",
    "discount_pct",
    "quantity",
    "delivery_date",
    "net_days",
    "deposit_pct",
    "instalments",
    "payment_terms",
    "concessions_given",
    "concessions_received",
    "next_steps",
    "lessons",
]
TEXT_FIELDS = ["payment_terms", "concessions_given", "concessions_received", "next_steps", "lessons"]
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
# Where each deal status goes when a report with this outcome is filed.
OUTCOME_STATUS = {
    ReportOutcome.WON: DealStatus.WON,
    ReportOutcome.LOST: DealStatus.LOST,
    ReportOutcome.CONTINUE: DealStatus.NEGOTIATING,
    ReportOutcome.NO_DECISION: DealStatus.NEGOTIATING,
}
FINAL_OUTCOMES = [ReportOutcome.WON, ReportOutcome.LOST]


# What a report is compared with -----------------------------------------------------------


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


def _decimal(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _policy_terms(policy: FinancePolicy) -> dict:
    return {
        "net_days": policy.standard_net_days,
        "deposit_pct": policy.min_deposit_pct,
        "instalments": policy.max_instalments,
    }


def report_references(*, deal: Deal) -> ReportReferences:
    """What a report on this deal is checked against, in a few queries and without writing anything."""
    briefing = Briefing.objects.filter(deal=deal).select_related("approved_version").first()
    approved = briefing.approved_version if briefing else None
    limits = LimitsSnapshot.approved_of(briefing)
    granted = approved_payment_terms(deal=deal)
    if granted is not None:
        terms = granted_terms(granted)
        terms = {
            "net_days": terms["net_days"],
            "deposit_pct": terms["deposit_pct"],
            "instalments": terms["instalments"],
        }
        source = "finance approved"
    else:
        terms = _policy_terms(policy_for_team(team=deal.team))
        source = "the finance policy allows"
    commitments = {}
    answered = (
        Consultation.objects.filter(
            deal=deal,
            department__in=COMMITTING_DEPARTMENTS,
            status=ConsultationStatus.ANSWERED,
            committed_date__isnull=False,
        )
        .order_by("department", "committed_date")
        .values_list("department", "committed_date")
    )
    for department, committed in answered:
        # Ordered by date: the last one seen is the latest the department committed to.
        commitments[department] = committed
    return ReportReferences(
        currency=(limits.currency if limits else "") or deal.currency,
        limits=limits,
        approved_version_number=approved.number if approved else None,
        terms=terms,
        terms_source=source,
        terms_granted=granted is not None,
        commitments={d: commitments[d] for d in COMMITTING_DEPARTMENTS if d in commitments},
    )


# The comparison ----------------------------------------------------------------------------


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
    deposit = _decimal(data.get("deposit_pct"))
    minimum = _decimal(terms.get("deposit_pct"))
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


def report_breaches(*, meeting: Meeting, data: dict) -> list[dict]:
    """Each breach of the reported terms, as ``{"code", "message"}``; reads, never writes."""
    return compare_with_references(references=report_references(deal=meeting.deal), data=data)


def breach_labels(breaches: list[dict]) -> list[str]:
    labels = {**BREACH_LABELS, **limit_breach_labels()}
    return [labels.get(b.get("code"), b.get("code", "")) for b in breaches]


# Filing -----------------------------------------------------------------------------------


def _clean(fields: dict) -> dict:
    unknown = set(fields) - set(REPORT_FIELDS)
    if unknown:
        raise TypeError(f"report_file cannot set: {', '.join(sorted(unknown))}")
    data = {name: fields.get(name) for name in REPORT_FIELDS}
    for name in TEXT_FIELDS:
        data[name] = (data[name] or "").strip()
    for name in ("agreed_price", "discount_pct", "deposit_pct"):
        if data[name] is not None and not isinstance(data[name], Decimal):
            value = _decimal(data[name])
            if value is None:
                raise Invalid(f"{name.replace('_', ' ').capitalize()} must be a number.")
            data[name] = value
    if data["outcome"] not in ReportOutcome.values:
        raise Invalid("Choose the outcome of the meeting.")
    if data["agreed_price"] is not None and data["agreed_price"] < 0:
        raise Invalid("The agreed price must not be negative.")
    for name, label in (("discount_pct", "discount"), ("deposit_pct", "deposit")):
        if data[name] is not None and not Decimal("0") <= data[name] <= Decimal("100"):
            raise Invalid(f"The {label} must be between 0 and 100 %.")
    if data["quantity"] is not None and data["quantity"] < 0:
        raise Invalid("The quantity must not be negative.")
    if data["net_days"] is not None and data["net_days"] < 0:
        raise Invalid("Net days must be zero or more.")
    if data["instalments"] is not None and data["instalments"] < 1:
        raise Invalid("There is at least one instalment.")
    if data["outcome"] == ReportOutcome.WON and data["agreed_price"] is None:
        raise Invalid("A won deal has an agreed price: enter it.")
    return data


def report_url(report: NegotiationReport) -> str:
    return reverse("deals:report_detail", args=[report.pk])


def report_summary(report: NegotiationReport, currency: str) -> str:
    """The outcome and the agreed terms in one line: "Won — 205.00 EUR per unit, 8 % discount, 500 units"."""
    parts = []
    if report.agreed_price is not None:
        parts.append(f"{formatting.money(report.agreed_price, currency)} per unit")
    if report.discount_pct is not None:
        parts.append(f"{formatting.pct(report.discount_pct)} % discount")
    if report.quantity is not None:
        parts.append(f"{report.quantity:,} units")
    if report.delivery_date is not None:
        parts.append(f"delivery {formatting.day(report.delivery_date)}")
    text = report.get_outcome_display()
    return f"{text} — {', '.join(parts)}" if parts else text


def _move_deal(*, deal: Deal, report: NegotiationReport, previous_outcome: str | None) -> dict:
    """Move the deal's status after the outcome; returns the change for the timeline.

    Open deals move; a deal this very report closed moves again when the
    report's outcome is corrected. Other closed deals keep their status.
    """
    new_status = OUTCOME_STATUS[report.outcome]
    closed_by_this_report = previous_outcome in FINAL_OUTCOMES and deal.status == previous_outcome
    if deal.status == new_status or not (deal.status in OPEN_DEAL_STATUSES or closed_by_this_report):
        return {}
    changed = Deal.objects.filter(pk=deal.pk, status=deal.status).update(
        status=new_status, updated_at=timezone.now()
    )
    if not changed:
        return {}
    old = deal.get_status_display()
    deal.status = new_status
    return {"Status": {"old": old, "new": deal.get_status_display()}}


# The agreed terms; changing one after a breach was flagged needs a reason.
FIGURES = [
    "agreed_price",
    "discount_pct",
    "quantity",
    "delivery_date",
    "net_days",
    "deposit_pct",
    "instalments",
]
CORRECTION_NOTE_MAX = NegotiationReport._meta.get_field("correction_note").max_length


def report_file(*, meeting: Meeting, by: User, correction_note: str = "", **fields) -> NegotiationReport:
    """File (or correct) the report on a meeting that has started, and check it.

    Only the deal's owner files. Filing again updates the report and re-runs
    the check; managers are told only of breaches they were not told of yet.
    """
    data = _clean(fields)
    with transaction.atomic():
        # Locking the meeting serialises two filings of the same report.
        meeting = (
            Meeting.objects.select_for_update()
            .select_related("deal", "deal__team", "deal__owner", "deal__customer")
            .get(pk=meeting.pk)
        )
        deal = meeting.deal
        if not can_edit_deal(user=by, deal=deal):
            raise NotAllowed("Only the deal's owner files the report on its meetings.")
        if meeting.cancelled:
            raise Invalid("This meeting was cancelled: there is nothing to report.")
        if meeting.starts_at > timezone.now():
            raise Invalid("This meeting has not started yet: file the report after it.")

        references = report_references(deal=deal)
        breaches = compare_with_references(references=references, data=data)
        report = NegotiationReport.objects.filter(meeting=meeting).first()
        is_new = report is None
        if is_new:
            report = NegotiationReport(
                meeting=meeting, filed_by=by, ready_at_meeting=ready_at(deal=deal, moment=meeting.starts_at)
            )
            previous = {}
            previous_outcome = None
            old_codes = set()
            old_breaches = []
        else:
            previous = {name: getattr(report, name) for name in REPORT_FIELDS}
            previous_outcome = report.outcome
            old_breaches = list(report.breaches or [])
            old_codes = {b.get("code") for b in old_breaches}
        correction_note = (correction_note or "").strip()
        # Changing the figures of a report that breached the limits needs a reason.
        corrects_figures = bool(old_breaches) and any(previous.get(name) != data[name] for name in FIGURES)
        if corrects_figures:
            if not correction_note:
                raise Invalid(
                    "This report breached what was approved: say why the figures changed "
                    "(a typo, or a renegotiation?) so that your manager can judge the correction.",
                    field="correction_note",
                )
            if len(correction_note) > CORRECTION_NOTE_MAX:
                raise Invalid(
                    f"Keep the reason under {CORRECTION_NOTE_MAX:,} characters.", field="correction_note"
                )
            report.correction_note = correction_note
        for name, value in data.items():
            setattr(report, name, value)
        report.breaches = breaches
        # Breaches flagged once stay on record: a correction that removes them
        # moves them here, where the managers still see them.
        still = {b["code"] for b in breaches}
        flagged_before = [*report.corrected_breaches, *old_breaches]
        cleared = {b["code"]: b for b in flagged_before if b["code"] not in still}
        newly_corrected = [b for code, b in cleared.items() if code in old_codes]
        report.corrected_breaches = list(cleared.values())
        if is_new or previous != data or old_breaches != breaches:
            report.save()
        why = f" — why: {correction_note}" if corrects_figures else ""

        status_change = _move_deal(deal=deal, report=report, previous_outcome=previous_outcome)
        summary = report_summary(report, references.currency)
        day = formatting.day(timezone.localtime(meeting.starts_at).date())
        when = f"{meeting.get_stage_display().lower()} meeting of {day}"
        if is_new or previous != data or status_change:
            activity_record(
                deal=deal,
                actor=by,
                verb="report_filed" if is_new else "report_updated",
                summary=f"{'filed' if is_new else 'updated'} the report on the {when}: {summary}{why}",
                changes=status_change,
            )
        if breaches and old_breaches != breaches:
            activity_record(
                deal=deal,
                actor=by,
                verb="report_breaches",
                summary="agreed beyond what was approved: " + "; ".join(b["message"] for b in breaches),
            )
        elif old_breaches and not breaches:
            activity_record(
                deal=deal,
                actor=by,
                verb="report_breaches",
                summary="corrected the report: it no longer breaches what was approved",
            )

        new_breaches = [b for b in breaches if b["code"] not in old_codes]
        # For the view's message: whether this filing told the managers of a correction.
        report.correction_told = bool(newly_corrected)
        if not new_breaches and not is_new and not newly_corrected:
            return report
        managers = [m for m in members_with_role(team=deal.team, role=Role.MANAGER) if m.pk != deal.owner_id]
        context = {
            "deal": deal,
            "meeting": meeting,
            "report": report,
            "actor": by,
            "summary": summary,
            "breaches": breaches,
            "new_breaches": new_breaches,
            "labels": breach_labels(new_breaches),
            "updated": not is_new,
            "corrected": newly_corrected,
            "correction_note": correction_note if corrects_figures else "",
        }
        if new_breaches:
            kind = "report_breach"
        elif newly_corrected:
            kind = "report_corrected"  # the managers judge the correction
        else:
            kind = "report_filed"  # good news needs no e-mail: the inbox entry is enough
        notify(
            recipients=managers,
            kind=kind,
            context=context,
            url=report_url(report),
            team=deal.team,
            topic=deal.title,
            email=kind != "report_filed",
        )
    return report
