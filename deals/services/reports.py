"""Writes about negotiation reports: filing what happened at a meeting, checked against what was approved.

A report is compared with the limits of the briefing's approved version, the
payment terms finance granted (or, when none were, the team's finance policy)
and the delivery dates production and supply chain committed to. Every breach
is stored on the report, written to the deal's timeline and sent to the
team's managers. The comparison itself is a pure rule (``deals.domain.report_check``);
what it compares with is read by ``deals.selectors.reports.report_references``.
"""

from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from deals import formatting
from deals.access import can_edit_deal
from deals.domain.report_check import (
    breach_labels,
    compare_with_references,
    decimal_or_none,
    discount_disagreement,
)
from deals.models import OPEN_DEAL_STATUSES, Deal, DealStatus, Meeting, NegotiationReport, ReportOutcome
from deals.selectors.readiness import ready_at
from deals.selectors.reports import report_references
from deals.services.activity import activity_record
from deals.services.webhooks import webhook_emit
from negprep.errors import Invalid, NotAllowed
from negprep.versioning import mark_saved, refuse_stale
from teams.models import Role, User
from teams.notifications import notify
from teams.selectors import members_with_role

REPORT_FIELDS = [
    "outcome",
    "agreed_price",
    "discount_pct",
    "discount_note",
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
TEXT_FIELDS = [
    "discount_note",
    "payment_terms",
    "concessions_given",
    "concessions_received",
    "next_steps",
    "lessons",
]
DISCOUNT_NOTE_MAX = NegotiationReport._meta.get_field("discount_note").max_length
# Where each deal status goes when a report with this outcome is filed.
OUTCOME_STATUS = {
    ReportOutcome.WON: DealStatus.WON,
    ReportOutcome.LOST: DealStatus.LOST,
    ReportOutcome.CONTINUE: DealStatus.NEGOTIATING,
    ReportOutcome.NO_DECISION: DealStatus.NEGOTIATING,
}
FINAL_OUTCOMES = [ReportOutcome.WON, ReportOutcome.LOST]


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
            value = decimal_or_none(data[name])
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
    if len(data["discount_note"]) > DISCOUNT_NOTE_MAX:
        raise Invalid(f"Keep the reason under {DISCOUNT_NOTE_MAX:,} characters.", field="discount_note")
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
    old, was_open = deal.get_status_display(), deal.is_open
    deal.status = new_status
    if was_open != deal.is_open:
        # A final outcome closes the deal; correcting it to talks going on opens it again.
        webhook_emit(
            type="deal.reopened" if deal.is_open else "deal.closed",
            deal=deal,
            data={"status": new_status, "by_report": report.pk},
        )
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


def _emit_report_events(report: NegotiationReport, *, deal, is_new: bool, new_breaches: list) -> None:
    data = {"id": report.pk, "meeting_id": report.meeting_id, "outcome": report.outcome}
    if is_new:
        webhook_emit(type="report.filed", deal=deal, data={"report": data})
    if new_breaches:
        codes = [b["code"] for b in new_breaches]
        webhook_emit(type="report.breach", deal=deal, data={"report": {**data, "breaches": codes}})


def report_file(
    *, meeting: Meeting, by: User, correction_note: str = "", revision: int | None = None, **fields
) -> NegotiationReport:
    """File (or correct) the report on a meeting that has started, and check it.

    Only the deal's owner files. Filing again updates the report and re-runs
    the check; managers are told only of breaches they were not told of yet.
    An agreed price and a discount that disagree off the approved list price
    are refused unless ``discount_note`` says why. ``Stale`` when the report was saved after
    ``revision`` was read (0: the form was loaded before any report was filed).
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
        # The meeting's lock serialises the filings of its report.
        report = NegotiationReport.objects.select_related("updated_by").filter(meeting=meeting).first()
        if report is not None:
            refuse_stale(report, revision, what="the report on this meeting")

        references = report_references(deal=deal)
        # A price and a discount that disagree off the list price are refused unless the rep says why.
        disagreement = discount_disagreement(references=references, data=data)
        if disagreement and not data["discount_note"]:
            raise Invalid(disagreement, field="discount_pct")
        breaches = compare_with_references(references=references, data=data)
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
            mark_saved(report, by=by)
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
        _emit_report_events(report, deal=deal, is_new=is_new, new_breaches=new_breaches)
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
