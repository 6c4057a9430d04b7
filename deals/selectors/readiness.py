"""Readiness read from the database: each deal's checklist against its next meeting, and
whether a deal was ready at a given moment."""

import datetime
from collections import defaultdict

from django.db.models import Count, Exists, OuterRef, Prefetch

from deals.domain.payment_policy import briefing_payment_terms
from deals.domain.readiness import DealFacts, Readiness, readiness_of
from deals.domain.snapshot import BriefingSnapshot, LimitsSnapshot, pitch_points_of
from deals.models import (
    UNSETTLED_CONSULTATION_STATUSES,
    Briefing,
    BriefingStatus,
    CoNegotiatorRequest,
    CoNegotiatorStatus,
    Consultation,
    Deal,
    Meeting,
    OnCall,
    OnCallStatus,
    PaymentTermRequest,
    PaymentTermStatus,
    PitchPoint,
    ReadinessChange,
)


def _granted_text(granted) -> str | None:
    """What the terms finance granted wrote into the briefing's payment-terms limit."""
    if granted is None:
        return None
    return briefing_payment_terms(granted)


def readiness_for_deals(deals) -> dict[int, Readiness]:
    """Readiness of each deal's next meeting, in a fixed number of queries (five)."""
    return _readiness(list(deals))


_READ = object()


def readiness_for_deal(
    deal: Deal, *, briefing=_READ, consultations=None, granted=_READ, upcoming=None
) -> Readiness:
    """Readiness of one deal's next meeting.

    A page that has already read the deal's briefing (with its pitch points), its consultations,
    the payment terms in force (``approved_payment_terms``) or its upcoming meetings (not
    cancelled, soonest first, with their contacts, co-negotiators and on-call cover prefetched)
    passes them in, and they are not read again.
    """
    next_meetings = None
    if upcoming is not None:
        next_meetings = {deal.pk: _counted(upcoming[0])} if upcoming else {}
    return _readiness(
        [deal],
        next_meetings=next_meetings,
        briefings=None if briefing is _READ else {deal.pk: briefing},
        consultations=None if consultations is None else {deal.pk: consultations},
        granted_terms=None if granted is _READ else {deal.pk: granted},
    )[deal.pk]


def _counted(meeting: Meeting) -> Meeting:
    """The figures the readiness query annotates, from the meeting's prefetched people."""
    meeting.contact_count = len(meeting.contacts.all())
    meeting.co_negotiator_count = len(meeting.co_negotiators.all())
    meeting.covered = any(
        on_call.status == OnCallStatus.ACCEPTED and on_call.covers(meeting)
        for on_call in meeting.on_calls.all()
    )
    meeting.cover_asked = any(
        on_call.status == OnCallStatus.REQUESTED and on_call.covers(meeting)
        for on_call in meeting.on_calls.all()
    )
    meeting.co_negotiator_asked = any(
        request.status == CoNegotiatorStatus.REQUESTED for request in meeting.co_negotiator_requests.all()
    )
    return meeting


def _next_meetings(ids: list[int]) -> dict[int, Meeting]:
    """Each deal's next meeting (``MeetingQuerySet.upcoming``: one under way counts), with what the
    checks need to know of it."""
    covering = OnCall.objects.filter(
        meeting=OuterRef("pk"),
        available_from__lte=OuterRef("starts_at"),
        available_to__gte=OuterRef("ends_at"),
    )
    return Meeting.objects.annotate(
        contact_count=Count("contacts", distinct=True),
        co_negotiator_count=Count("co_negotiators", distinct=True),
        covered=Exists(covering.filter(status=OnCallStatus.ACCEPTED)),
        cover_asked=Exists(covering.filter(status=OnCallStatus.REQUESTED)),
        co_negotiator_asked=Exists(
            CoNegotiatorRequest.objects.filter(meeting=OuterRef("pk"), status=CoNegotiatorStatus.REQUESTED)
        ),
    ).next_for_deals(ids)


def _readiness(
    deals, *, briefings=None, consultations=None, granted_terms=None, next_meetings=None
) -> dict[int, Readiness]:
    ids = [deal.pk for deal in deals]
    if not ids:
        return {}
    if next_meetings is None:
        next_meetings = _next_meetings(ids)

    if briefings is None:
        briefings = {
            b.deal_id: b
            for b in Briefing.objects.filter(deal_id__in=ids)
            .select_related("approved_version")
            .prefetch_related(Prefetch("pitch_points", queryset=PitchPoint.objects.order_by("order", "pk")))
        }
    unsettled = defaultdict(dict)
    if consultations is None:
        for deal_id, department, status in Consultation.objects.filter(
            deal_id__in=ids, required=True, status__in=UNSETTLED_CONSULTATION_STATUSES
        ).values_list("deal_id", "department", "status"):
            unsettled[deal_id][department] = status
    else:
        for deal_id, rows in consultations.items():
            unsettled[deal_id] = {
                c.department: c.status
                for c in rows
                if c.required and c.status in UNSETTLED_CONSULTATION_STATUSES
            }
    # The terms in force (the latest granted), the requests still waiting and those rejected, in one
    # query: a request decided either way settles the payment terms.
    statuses = [PaymentTermStatus.SUBMITTED, PaymentTermStatus.REJECTED]
    if granted_terms is None:
        granted_terms = {}
        statuses += [PaymentTermStatus.APPROVED, PaymentTermStatus.COUNTERED]
    pending_terms, rejected_terms = set(), set()
    for request in (
        PaymentTermRequest.objects.filter(deal_id__in=ids, status__in=statuses)
        .select_related("reviewer")
        .order_by("deal_id", "-decided_at", "-pk")
    ):
        if request.status == PaymentTermStatus.SUBMITTED:
            pending_terms.add(request.deal_id)
        elif request.status == PaymentTermStatus.REJECTED:
            rejected_terms.add(request.deal_id)
        else:
            granted_terms.setdefault(request.deal_id, request)

    result = {}
    for deal in deals:
        briefing = briefings.get(deal.pk)
        approved = briefing.approved_version if briefing else None
        snapshot = BriefingSnapshot.from_json(approved.snapshot) if approved else None
        limits_ok = snapshot is not None and snapshot.limits.approves(
            LimitsSnapshot.from_briefing(briefing),
            granted_payment_terms=_granted_text(granted_terms.get(deal.pk)),
        )
        pitch_ok = (
            snapshot is not None
            and bool(snapshot.pitch_points)
            and snapshot.pitch_points == pitch_points_of(briefing.pitch_points.all())
        )
        result[deal.pk] = readiness_of(
            DealFacts(
                meeting=next_meetings.get(deal.pk),
                limits_approved=limits_ok,
                pitch_approved=pitch_ok,
                briefing_submitted=briefing is not None and briefing.status == BriefingStatus.SUBMITTED,
                needs_consultations=deal.involves_production or deal.involves_delivery,
                unsettled=unsettled[deal.pk],
                payment_terms_wanted=deal.special_payment_terms,
                payment_terms_pending=deal.pk in pending_terms,
                payment_terms_decided=granted_terms.get(deal.pk) is not None or deal.pk in rejected_terms,
            )
        )
    return result


def ready_at(*, deal: Deal, moment: datetime.datetime) -> bool:
    """Whether the deal was ready at ``moment``: the last readiness change before it said so."""
    last = (
        ReadinessChange.objects.filter(deal=deal, at__lt=moment)
        .order_by("-at", "-pk")
        .values_list("ready", flat=True)
        .first()
    )
    return bool(last)
