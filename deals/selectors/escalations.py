"""What the reminders escalate to a manager, read live for their home page and the escalations
list: meetings soon whose deal still owes something, and meetings whose report is overdue.

The meetings are those the reminder sweep escalates (``deals.selectors.reminders``): each deal's
next meeting inside the escalation window while the deal still owes a required consultation,
finance's decision on payment terms or the managers' decision (or guidelines) on its briefing.
What is open is said by the readiness checklist itself, as on the deal page.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from deals.access import among_deals
from deals.domain.readiness import Check, Readiness
from deals.models import (
    OPEN_DEAL_STATUSES,
    UNSETTLED_CONSULTATION_STATUSES,
    Briefing,
    BriefingStatus,
    Consultation,
    Deal,
    Meeting,
    PaymentTermRequest,
    PaymentTermStatus,
)
from deals.selectors.lists import first_rows_and_count
from deals.selectors.readiness import readiness_for_deals
from deals.selectors.reports import managed_team_ids
from teams.models import User


@dataclass
class Escalation:
    meeting: Meeting
    readiness: Readiness | None = None
    missing: list[Check] = field(default_factory=list)  # what is open, each said once


def _owes_something() -> Q:
    """The meeting's deal still owes a required consultation, payment terms or the boss's part."""
    consultation = Consultation.objects.filter(
        deal=OuterRef("deal"), required=True, status__in=UNSETTLED_CONSULTATION_STATUSES
    )
    payment = PaymentTermRequest.objects.filter(deal=OuterRef("deal"), status=PaymentTermStatus.SUBMITTED)
    briefing = Briefing.objects.filter(deal=OuterRef("deal")).exclude(status=BriefingStatus.APPROVED)
    return Q(Exists(consultation)) | Q(Exists(payment)) | Q(Exists(briefing))


def escalated_meetings(
    *, user: User, team_id: int | None = None, now: datetime.datetime | None = None
) -> QuerySet[Meeting]:
    """Each deal's next meeting inside the escalation window, when the deal still owes something,
    soonest first (sorted and bounded in SQL). The reminder sweep escalates the same meetings: a
    deal whose meeting is under way has no meeting ahead to escalate yet."""
    now = now or timezone.now()
    horizon = now + datetime.timedelta(hours=settings.NEGPREP_ESCALATION_FROM_HOURS)
    # Only each deal's next meeting: a second meeting in the window is the same escalation.
    return (
        Meeting.objects.filter(
            _open_deals_of(_teams(user=user, team_id=team_id)),
            cancelled=False,
            starts_at__gt=now,
            starts_at__lte=horizon,
        )
        .filter(_owes_something())
        .next_of_each_deal(now=now)
        .select_related("deal", "deal__customer", "deal__owner", "deal__team")
        .order_by("starts_at", "pk")
    )


def overdue_report_meetings(
    *, user: User, team_id: int | None = None, now: datetime.datetime | None = None
) -> QuerySet[Meeting]:
    """Meetings of the teams the user manages whose report is overdue, longest overdue first."""
    now = now or timezone.now()
    report_hours = settings.NEGPREP_REPORT_REMINDER_HOURS
    if not report_hours:
        return Meeting.objects.none()
    lookback = now - datetime.timedelta(days=settings.NEGPREP_REPORT_LOOKBACK_DAYS)
    return (
        Meeting.objects.filter(
            _open_deals_of(_teams(user=user, team_id=team_id)),
            cancelled=False,
            ends_at__gt=lookback,
            ends_at__lte=now - datetime.timedelta(hours=max(report_hours)),
            report__isnull=True,
        )
        .select_related("deal", "deal__customer", "deal__owner", "deal__team")
        .order_by("ends_at", "pk")
    )


def _open_deals_of(team_ids: list[int]):
    """Meetings of the open deals of these teams, team first (the teams' deals, then their meetings)."""
    return among_deals(Deal.objects.filter(team_id__in=team_ids, status__in=OPEN_DEAL_STATUSES))


def _teams(*, user: User, team_id: int | None) -> list[int]:
    team_ids = managed_team_ids(user=user)
    if team_id is not None:
        team_ids = [pk for pk in team_ids if pk == team_id]
    return team_ids


def with_missing(meetings) -> list[Escalation]:
    """Each meeting with its deal's readiness and what is open on it (the checklist's five queries)."""
    meetings = list(meetings)
    readiness = readiness_for_deals([meeting.deal for meeting in meetings])
    return [
        Escalation(
            meeting=meeting,
            readiness=readiness[meeting.deal_id],
            missing=readiness[meeting.deal_id].open_summaries,
        )
        for meeting in meetings
    ]


def escalations_for(*, user: User, limit: int, now: datetime.datetime | None = None) -> dict:
    """What the reminders escalate to a manager, read live from the deals of the teams they manage:
    meetings inside the escalation window whose deal still owes something, and meetings whose
    report is overdue; the first ``limit`` of each with exact counts, in a fixed number of queries
    however many deals the teams have."""
    meetings, meetings_count = first_rows_and_count(escalated_meetings(user=user, now=now), limit=limit)
    shown_meetings = with_missing(meetings) if meetings else []
    overdue = overdue_report_meetings(user=user, now=now)
    shown_reports, reports_count = first_rows_and_count(overdue, limit=limit)
    return {
        "escalated_meetings": shown_meetings,
        "escalated_meetings_count": meetings_count,
        "overdue_reports": shown_reports,
        "overdue_reports_count": reports_count,
        "escalation_count": meetings_count + reports_count,
        "escalations_shown": len(shown_meetings) + len(shown_reports),
    }
