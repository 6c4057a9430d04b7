"""The meeting brief: everything the rep needs in the room, approved content only.

The caller has already passed the access gate (``meeting_for_user``);
``brief_for_meeting`` only assembles, in a constant number of queries however
many people are on call or consultations the deal has.
"""

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils.dateparse import parse_date

from deals.models import (
    Briefing,
    BriefingStatus,
    CoNegotiatorRequest,
    CoNegotiatorStatus,
    Consultation,
    ConsultationStatus,
    Meeting,
    OnCall,
    OnCallStatus,
    field_label,
)
from deals.readiness import readiness_for_deal
from deals.selectors_consultations import consultations_for_deal
from deals.selectors_payments import approved_payment_terms
from deals.services.briefings import TEXT_FIELDS

# How a version that is not the approved one stands, in words for the warning box.
_VERSION_STATE = {
    BriefingStatus.DRAFT: "is a draft that has not been submitted",
    BriefingStatus.SUBMITTED: "is waiting for approval",
    BriefingStatus.CHANGES_REQUESTED: "was returned for changes",
    BriefingStatus.APPROVED: "is approved",
}
_MONEY = ("list_price", "target_price", "walk_away_price")


@dataclass
class BriefText:
    """One text section of the briefing and whether it is the approved wording."""

    label: str
    text: str
    approved: bool


@dataclass
class ApprovedLimits:
    currency: str
    list_price: Decimal | None
    target_price: Decimal | None
    walk_away_price: Decimal | None
    max_discount_pct: Decimal | None
    quantity_min: int | None
    quantity_max: int | None
    earliest_delivery: datetime.date | None
    payment_terms: str
    batna: str


def _decimal(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(value)


def approved_limits(snapshot_limits: dict) -> ApprovedLimits:
    """The limits of an approved snapshot, typed again (snapshots hold JSON strings)."""
    limits = dict(snapshot_limits)
    earliest = limits.get("earliest_delivery")
    return ApprovedLimits(
        currency=limits.get("currency") or "",
        **{name: _decimal(limits.get(name)) for name in _MONEY},
        max_discount_pct=_decimal(limits.get("max_discount_pct")),
        quantity_min=limits.get("quantity_min"),
        quantity_max=limits.get("quantity_max"),
        earliest_delivery=parse_date(earliest) if earliest else None,
        payment_terms=limits.get("payment_terms") or "",
        batna=limits.get("batna") or "",
    )


def _approval_warning(briefing: Briefing | None) -> str:
    """What the reader must know about approval, in one plain sentence; empty when all is approved."""
    if briefing is None:
        return "There is no briefing yet: nothing has been approved for this deal."
    approved = briefing.approved_version
    state = _VERSION_STATE[briefing.status]
    if approved is None:
        return (
            f"Nothing is approved yet: version {briefing.version} {state}. Limits, pitch points and the "
            "concession plan appear here once a manager approves the briefing."
        )
    if briefing.version != approved.number:
        return (
            f"Version {briefing.version} {state}: the limits below are those approved in "
            f"version {approved.number}."
        )
    return ""


def _texts(briefing: Briefing | None) -> list[BriefText]:
    if briefing is None:
        return []
    approved = briefing.approved_version
    approved_text = approved.snapshot.get("text", {}) if approved else {}
    return [
        BriefText(
            label=field_label(Briefing, name),
            text=getattr(briefing, name),
            approved=approved is not None and approved_text.get(name) == getattr(briefing, name),
        )
        for name in TEXT_FIELDS
        if getattr(briefing, name)
    ]


def _consultation_lines(consultations: list[Consultation]) -> tuple[list, list, list]:
    """Answered, waived, and still owed (required ones, or optional ones already asked)."""
    answered, waived, owed = [], [], []
    for consultation in consultations:
        if consultation.status == ConsultationStatus.ANSWERED:
            answered.append(consultation)
        elif consultation.status == ConsultationStatus.WAIVED:
            waived.append(consultation)
        elif consultation.required or consultation.status == ConsultationStatus.REQUESTED:
            owed.append(consultation)
    return answered, waived, owed


def _payment_terms(limits: ApprovedLimits | None, granted, readiness) -> dict:
    """Terms finance granted (or the policy approved) stand; otherwise the manager-approved limit."""
    return {
        "text": granted.briefing_text if granted else (limits.payment_terms if limits else ""),
        "by_finance": granted is not None,
        "pending": not readiness.checks["payment_terms"],
    }


def people_for_meeting(*, meeting: Meeting) -> dict:
    """Who is at the meeting: the contacts we meet, who is on call and who comes along (the part of
    the brief that its calendar file shows as well)."""
    on_calls = list(
        OnCall.objects.filter(meeting=meeting)
        .exclude(status=OnCallStatus.DECLINED)
        .select_related("member")
        .order_by("available_from", "pk")
    )
    for on_call in on_calls:
        on_call.meeting = meeting  # already read: ``covers_meeting`` asks it without a query
        # A tel: link holds digits only ("+49 30 1234567" → "tel:+49301234567").
        on_call.tel = re.sub(r"[^\d+]", "", on_call.phone)
    return {
        "meeting": meeting,
        "deal": meeting.deal,
        "contacts": list(meeting.contacts.order_by("name", "pk")),
        "on_calls_confirmed": [c for c in on_calls if c.status == OnCallStatus.ACCEPTED],
        "on_calls_unconfirmed": [c for c in on_calls if c.status != OnCallStatus.ACCEPTED],
        "co_negotiators": list(meeting.co_negotiators.order_by("first_name", "last_name", "username")),
        "co_negotiators_asked": list(
            CoNegotiatorRequest.objects.filter(meeting=meeting, status=CoNegotiatorStatus.REQUESTED)
            .select_related("member")
            .order_by("created_at", "pk")
        ),
    }


def brief_for_meeting(*, meeting: Meeting) -> dict:
    """Everything the brief of one meeting shows (the template's context)."""
    deal = meeting.deal
    briefing = (
        Briefing.objects.filter(deal=deal)
        .select_related(
            "approved_version",
            "approved_version__approval",
            "approved_version__approval__manager",
            "approved_version__approval__on_behalf_of",
        )
        # For the readiness check, which then does not read the briefing again.
        .prefetch_related("pitch_points")
        .first()
    )
    approved = briefing.approved_version if briefing else None
    snapshot = approved.snapshot if approved else {}
    limits = approved_limits(snapshot["limits"]) if approved else None

    consultations = list(consultations_for_deal(deal=deal))
    answered, waived, owed = _consultation_lines(consultations)
    granted = approved_payment_terms(deal=deal)
    readiness = readiness_for_deal(deal, briefing=briefing, consultations=consultations, granted=granted)
    next_meeting = readiness.next_meeting

    return {
        **people_for_meeting(meeting=meeting),
        "briefing": briefing,
        "approved_version": approved,
        "approval": getattr(approved, "approval", None) if approved else None,
        "approval_warning": _approval_warning(briefing),
        "texts": _texts(briefing),
        "limits": limits,
        "pitch_points": snapshot.get("pitch_points", []),
        "objections": snapshot.get("objections", []),
        "concessions": snapshot.get("concessions", []),
        "payment_terms": _payment_terms(limits, granted, readiness),
        "answered_consultations": answered,
        "waived_consultations": waived,
        "owed_consultations": owed,
        "readiness": readiness,
        "readiness_is_for_this_meeting": next_meeting is not None and next_meeting.pk == meeting.pk,
    }
