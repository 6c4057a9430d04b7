"""The meeting brief: everything the rep needs in the room, approved content only.

The caller has already passed the access gate (``meeting_for_user``);
``brief_for_meeting`` only assembles, in a constant number of queries however
many people are on call or consultations the deal has.
"""

import re
from dataclasses import dataclass

from django.db.models import Prefetch

from deals.domain.snapshot import TEXT_FIELDS, Badge, BriefingSnapshot, LimitRow, LimitsSnapshot
from deals.models import (
    Briefing,
    BriefingStatus,
    CoNegotiatorRequest,
    CoNegotiatorStatus,
    Consultation,
    ConsultationStatus,
    Guideline,
    GuidelineStatus,
    Meeting,
    OnCall,
    OnCallStatus,
    field_label,
)
from deals.selectors.consultations import consultations_for_deal
from deals.selectors.payments import approved_payment_terms
from deals.selectors.readiness import readiness_for_deal

# How a version that is not the approved one stands, in words for the warning box.
_VERSION_STATE = {
    BriefingStatus.DRAFT: "is a draft that has not been submitted",
    BriefingStatus.SUBMITTED: "is waiting for approval",
    BriefingStatus.CHANGES_REQUESTED: "was returned for changes",
    BriefingStatus.APPROVED: "is approved",
}


@dataclass
class BriefText:
    """One text section of the briefing and whether it is the approved wording."""

    label: str
    text: str
    approved: bool


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


def _texts(briefing: Briefing | None, snapshot: BriefingSnapshot | None) -> list[BriefText]:
    if briefing is None:
        return []
    approved_text = snapshot.text if snapshot else {}
    return [
        BriefText(
            label=field_label(Briefing, name),
            text=getattr(briefing, name),
            approved=snapshot is not None and approved_text.get(name) == getattr(briefing, name),
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


def _payment_terms(limits: LimitsSnapshot | None, granted, readiness) -> dict:
    """Terms finance granted (or the policy approved) stand; otherwise the manager-approved limit."""
    return {
        "text": granted.briefing_text if granted else ((limits.payment_terms if limits else None) or ""),
        "by_finance": granted is not None,
        "pending": readiness.payment_terms_pending,
    }


def _limit_rows(limits: LimitsSnapshot, payment_terms: dict) -> list[LimitRow]:
    """The approved limits as the brief lists them, with the payment terms in force."""
    rows = limits.rows()
    for row in rows:
        if row.name == "payment_terms":
            row.text = payment_terms["text"]
            row.badge = Badge("finance") if payment_terms["by_finance"] else None
            if payment_terms["pending"]:
                row.warning = "A payment-term request is waiting for finance: offer nothing beyond this."
    return rows


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
        # For the readiness check, which then does not read the briefing again; and the guidelines given.
        .prefetch_related(
            "pitch_points",
            Prefetch(
                "guidelines",
                queryset=Guideline.objects.filter(status=GuidelineStatus.GIVEN).select_related(
                    "given_by", "on_behalf_of"
                ),
                to_attr="guidelines_given",
            ),
        )
        .first()
    )
    approved = briefing.approved_version if briefing else None
    snapshot = BriefingSnapshot.from_json(approved.snapshot) if approved else None
    limits = snapshot.limits if snapshot else None

    consultations = list(consultations_for_deal(deal=deal))
    answered, waived, owed = _consultation_lines(consultations)
    granted = approved_payment_terms(deal=deal)
    readiness = readiness_for_deal(deal, briefing=briefing, consultations=consultations, granted=granted)
    next_meeting = readiness.next_meeting
    payment_terms = _payment_terms(limits, granted, readiness)

    return {
        **people_for_meeting(meeting=meeting),
        "briefing": briefing,
        "approved_version": approved,
        "approval": getattr(approved, "approval", None) if approved else None,
        "approval_warning": _approval_warning(briefing),
        "texts": _texts(briefing, snapshot),
        "limits": limits,
        "limit_rows": _limit_rows(limits, payment_terms) if limits else [],
        "pitch_points": snapshot.pitch_points if snapshot else [],
        "objections": snapshot.objections if snapshot else [],
        "concessions": snapshot.concessions if snapshot else [],
        "payment_terms": payment_terms,
        "guidelines": briefing.guidelines_given if briefing else [],
        "answered_consultations": answered,
        "waived_consultations": waived,
        "owed_consultations": owed,
        "readiness": readiness,
        "readiness_is_for_this_meeting": next_meeting is not None and next_meeting.pk == meeting.pk,
    }
