"""Panels of the deal page: what each section shows, read for the user asking (the views render them)."""

import re
from datetime import date, datetime

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import formats, timezone

from deals.access import (
    can_answer_consultation,
    can_ask_guidelines,
    can_decide_briefing,
    can_edit_deal,
    can_give_guidelines,
    can_waive_consultation,
    is_finance,
    roles_in_team,
)
from deals.domain.snapshot import Badge, LimitsSnapshot
from deals.models import (
    STRUCTURED_DEPARTMENTS,
    Briefing,
    BriefingStatus,
    CoNegotiatorRequest,
    ConsultationStatus,
    Deal,
    Department,
    Guideline,
    Meeting,
    NegotiationReport,
    OnCall,
    PaymentTermStatus,
)
from deals.selectors.briefings import GUIDELINE_PEOPLE, waiting_question
from deals.selectors.consultations import (
    consultations_for_deal,
)
from deals.selectors.cover import colleague_choices
from deals.selectors.payments import (
    payment_requests_for_deal,
)
from deals.selectors.reports import reports_for_deal
from deals.selectors.reports_due import meetings_awaiting_report, meetings_awaiting_report_count
from teams.models import Role, User

_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


PAST_MEETINGS_ON_DEAL_PAGE = 10


def _with_people(meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    return meetings.prefetch_related(
        "contacts",
        "co_negotiators",
        Prefetch("on_calls", queryset=OnCall.objects.select_related("member")),
        Prefetch("co_negotiator_requests", queryset=CoNegotiatorRequest.objects.select_related("member")),
    )


def meetings_context(*, deal: Deal, user: User, can_edit: bool | None = None) -> dict:
    """The deal's meetings: upcoming first (soonest on top), then the latest past ones (latest on top)
    with how many past meetings there are in all."""
    if can_edit is None:
        can_edit = can_edit_deal(user=user, deal=deal)
    now = timezone.now()
    # Not ended yet, soonest first: the upcoming ones (``MeetingQuerySet.upcoming``) and the cancelled.
    meetings = list(_with_people(deal.meetings.filter(ends_at__gt=now)).order_by("starts_at", "pk"))
    upcoming = [meeting for meeting in meetings if not meeting.cancelled]
    for meeting in upcoming:
        # Colleagues already asked to come along (and not declined) are not offered again.
        meeting.co_negotiator_requested_ids = [
            request.member_id for request in meeting.co_negotiator_requests.all() if not request.is_declined
        ]
    cancelled = [meeting for meeting in meetings if meeting.cancelled]
    past = deal.meetings.filter(ends_at__lte=now)
    return {
        "deal": deal,
        "upcoming_meetings": upcoming,
        "cancelled_meetings": cancelled,
        "past_meetings": list(_with_people(past).order_by("-starts_at", "-pk")[:PAST_MEETINGS_ON_DEAL_PAGE]),
        "past_meeting_count": past.count(),
        "can_edit": can_edit,
        "can_arrange_meetings": can_edit and deal.is_open,
        # Built once: every upcoming meeting offers the same colleagues.
        "colleague_choices": _colleague_options(deal) if can_edit and deal.is_open else None,
    }


def _colleague_options(deal: Deal) -> list[tuple]:
    """(user id, label) of the colleagues who may come along, after an empty choice; the same list
    the co-negotiator form offers."""
    users, labels = colleague_choices(deal=deal)
    return [("", "Choose a colleague…")] + [
        (user.pk, labels.get(user.pk, str(user))) for user in User.objects.filter(pk__in=users)
    ]


def _display(value):
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, str) and _ISO_DATETIME.match(value):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return formats.date_format(date.fromisoformat(value), "j M Y")
        except ValueError:
            return value
    return value


TIMELINE_ON_DEAL_PAGE = 20


def _with_change_rows(activities) -> list:
    activities = list(activities)
    for activity in activities:
        activity.change_rows = [
            {
                "label": label,
                "old": _display(change.get("old")),
                "new": _display(change.get("new")),
            }
            for label, change in (activity.changes or {}).items()
            if isinstance(change, dict)
        ]
    return activities


def _timeline(deal: Deal):
    return deal.activities.select_related("actor").order_by("-created_at", "-pk")


def timeline_context(*, deal: Deal) -> dict:
    """The deal page's timeline: the latest entries, and how many there are in all."""
    timeline = _timeline(deal)
    return {
        "deal": deal,
        "activities": _with_change_rows(timeline[:TIMELINE_ON_DEAL_PAGE]),
        "activity_count": timeline.count(),
    }


def briefing_for_panel(*, deal) -> Briefing:
    """The deal's briefing with what its panel shows, in one query and four prefetches."""
    briefing = (
        Briefing.objects.select_related(
            "approved_version__approval__manager", "approved_version__approval__on_behalf_of"
        )
        .prefetch_related(
            "pitch_points",
            "concessions",
            "objections",
            Prefetch("guidelines", queryset=Guideline.objects.select_related(*GUIDELINE_PEOPLE)),
        )
        .get(deal=deal)
    )
    deal.briefing = briefing
    return briefing


def briefing_panel_context(*, deal, user, consultations: list, granted) -> dict:
    """What the deal page needs to show the briefing panel, given rows the page has read already:
    the deal's ``consultations`` (``consultations_for_deal``) and the terms finance ``granted``
    (``approved_payment_terms``)."""
    briefing = deal.briefing
    owner_edits = can_edit_deal(user=user, deal=deal)
    approved = briefing.approved_version
    guidelines = list(briefing.guidelines.all())
    approved_limits = LimitsSnapshot.approved_of(briefing)
    limits = LimitsSnapshot.from_briefing(briefing)
    return {
        "briefing": briefing,
        "pitch_points": list(briefing.pitch_points.all()),
        "concessions": list(briefing.concessions.all()),
        "objections": list(briefing.objections.all()),
        "approved_version": approved,
        "approval": getattr(approved, "approval", None) if approved else None,
        "limit_rows": _limit_rows(limits, granted),
        "limits_differ_from_approved": approved_limits is not None and approved_limits != limits,
        "can_edit_briefing": owner_edits and not briefing.is_locked,
        "can_submit_briefing": owner_edits
        and briefing.status in (BriefingStatus.DRAFT, BriefingStatus.CHANGES_REQUESTED),
        "can_decide_briefing": briefing.status == BriefingStatus.SUBMITTED
        and can_decide_briefing(user=user, deal=deal),
        "last_return": _last_return(briefing),
        "guidelines": guidelines,
        "waiting_question": waiting_question(guidelines),
        "can_ask_guidelines": deal.is_open and can_ask_guidelines(user=user, deal=deal),
        "can_give_guidelines": deal.is_open and can_give_guidelines(user=user, deal=deal),
        "approved_payment_terms": granted,
        "consultation_answers": [c for c in consultations if c.status == ConsultationStatus.ANSWERED],
    }


def _limit_rows(limits: LimitsSnapshot, granted) -> list:
    """The briefing's limits, the payment terms marked with where they stand with finance."""
    rows = limits.rows()
    if granted is None:
        return rows
    for row in rows:
        if row.name != "payment_terms":
            continue
        if limits.payment_terms == granted.briefing_text:
            by_policy = granted.auto_approved
            row.badge = Badge(
                "within finance policy" if by_policy else "set by finance",
                title="Within the team's finance policy"
                if by_policy
                else f"{granted.get_status_display()} by {granted.reviewer}",
            )
        else:
            row.badge = Badge(
                "differs from what finance granted",
                title=f"Finance granted: {granted.briefing_text}",
                warning=True,
            )
    return rows


def _last_return(briefing):
    if briefing.status != BriefingStatus.CHANGES_REQUESTED:
        return None
    version = briefing.versions.select_related("approval__manager").order_by("-number").first()
    return getattr(version, "approval", None) if version else None


def _deal_consultations(deal: Deal):
    return redirect(reverse("deals:detail", args=[deal.pk]) + "#consultations")


def _when(value) -> str:
    return formats.date_format(timezone.localtime(value), "D j M, H:i")


def consultations_panel_context(*, deal: Deal, user: User) -> dict:
    """What the deal page needs to show the consultations panel."""
    consultations = list(consultations_for_deal(deal=deal))
    roles = roles_in_team(user=user, team_id=deal.team_id)
    owner = deal.owner_id == user.pk and Role.REP in roles and deal.is_open
    can_waive = can_waive_consultation(user=user, deal=deal)
    for consultation in consultations:
        unsettled = not consultation.is_settled
        consultation.structured = consultation.department in STRUCTURED_DEPARTMENTS
        consultation.viewer_can_request = owner and unsettled
        consultation.viewer_can_waive = can_waive and unsettled
        may_answer = deal.is_open and can_answer_consultation(
            user=user, consultation=consultation, roles=roles
        )
        consultation.viewer_can_answer = consultation.is_requested and may_answer
        consultation.viewer_can_correct = consultation.is_answered and may_answer
    return {
        "consultations": consultations,
        "can_add_consultation": owner,
        # The owner asks every one not asked yet with one form.
        "unasked_count": sum(1 for c in consultations if c.is_open) if owner else 0,
        # Payment terms are asked on their own request: a finance consultation is for anything else.
        "consultation_departments": [
            (value, "Finance — beyond payment terms" if value == Department.FINANCE else label)
            for value, label in Department.choices
        ],
    }


def _mark_for(user: User, consultations) -> list:
    consultations = list(consultations)
    for consultation in consultations:
        consultation.to_me = consultation.assignee_id == user.pk
    return consultations


PAYMENT_REQUESTS_ON_DEAL_PAGE = 10


def payments_panel_context(*, deal, user: User, pending: bool | None = None) -> dict:
    """What the deal page needs to show its payment-term requests; ``pending``, whether one waits
    for finance, when the caller knows it already."""
    requests = payment_requests_for_deal(deal=deal, limit=PAYMENT_REQUESTS_ON_DEAL_PAGE)
    if pending is None:
        pending = deal.payment_requests.filter(status=PaymentTermStatus.SUBMITTED).exists()
    return {
        "payment_requests": requests,
        "payment_request_count": deal.payment_requests.count(),
        "can_request_payment_terms": deal.is_open and not pending and can_edit_deal(user=user, deal=deal),
        "can_change_payment_request": deal.is_open and pending and can_edit_deal(user=user, deal=deal),
        "can_decide_payment_terms": pending and is_finance(user=user, team_id=deal.team_id),
    }


REPORTS_ON_DEAL_PAGE = 10


def reports_panel_context(*, deal, user: User) -> dict:
    """What the deal page needs to show the reports panel (the latest reports, and how many there are)
    and the report links of past meetings."""
    reports = reports_for_deal(deal=deal, limit=REPORTS_ON_DEAL_PAGE)
    counts = NegotiationReport.objects.filter(meeting__deal=deal).aggregate(
        total=Count("pk"), with_breaches=Count("pk", filter=~Q(breaches=[]))
    )
    can_file = can_edit_deal(user=user, deal=deal)
    awaiting = meetings_awaiting_report(deal=deal, limit=REPORTS_ON_DEAL_PAGE) if can_file else []
    # The first ones are listed; the count says how many there are (the past meetings page lists them all).
    awaiting_count = meetings_awaiting_report_count(deal=deal) if can_file else 0
    return {
        "deal_reports": reports,
        "deal_report_count": counts["total"],
        "reported_meeting_ids": {report.meeting_id for report in reports},
        "reports_with_breaches": counts["with_breaches"],
        "meetings_awaiting_report": awaiting,
        "meetings_awaiting_report_count": awaiting_count,
        "can_file_reports": can_file,
        "report_currency": report_currency(deal),
    }


def reports_for_meetings_context(*, deal, user: User, meetings) -> dict:
    """The reports of these meetings of the deal, for their report links."""
    reports = list(
        NegotiationReport.objects.filter(meeting__in=[meeting.pk for meeting in meetings]).select_related(
            "meeting", "filed_by"
        )
    )
    return {
        "deal_reports": reports,
        "reported_meeting_ids": {report.meeting_id for report in reports},
        "can_file_reports": can_edit_deal(user=user, deal=deal),
    }


def report_currency(deal) -> str:
    """The currency of the approved limits (the briefing is already loaded by its panel), else the deal's."""
    limits = LimitsSnapshot.approved_of(getattr(deal, "briefing", None))
    return (limits.currency if limits else "") or deal.currency
