"""Reads about negotiation reports, scoped to the user asking (the gates are in ``deals.access``)."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from deals.models import (
    OPEN_DEAL_STATUSES,
    UNSETTLED_CONSULTATION_STATUSES,
    Consultation,
    Department,
    Meeting,
    NegotiationReport,
    ReportOutcome,
)
from deals.services.reports import target_discount_pct
from teams.models import Role, Team, User
from teams.selectors import team_ids_with_role

BREACH_REPORTS_ON_HOME = 10
_REPORT_RELATED = ["meeting", "meeting__deal", "meeting__deal__customer", "meeting__deal__owner", "filed_by"]


def reports_for_deal(*, deal) -> list[NegotiationReport]:
    """The deal's reports, latest meeting first."""
    return list(
        NegotiationReport.objects.filter(meeting__deal=deal)
        .select_related("meeting", "filed_by")
        .order_by("-meeting__starts_at", "-pk")
    )


def meetings_awaiting_report(*, deal, now: datetime.datetime | None = None) -> list[Meeting]:
    """Meetings of the deal that have started, were not cancelled and have no report yet, latest first."""
    now = now or timezone.now()
    return list(
        Meeting.objects.filter(deal=deal, cancelled=False, starts_at__lte=now, report__isnull=True).order_by(
            "-starts_at"
        )
    )


def managed_team_ids(*, user: User) -> list[int]:
    return team_ids_with_role(user=user, role=Role.MANAGER)


def breach_reports_for(*, user: User, limit: int = BREACH_REPORTS_ON_HOME) -> list[NegotiationReport]:
    """The latest reports with breaches (or breaches corrected since) in the teams the user
    manages, newest first."""
    return list(
        NegotiationReport.objects.filter(meeting__deal__team__in=managed_team_ids(user=user))
        .exclude(breaches=[], corrected_breaches=[])
        .select_related(*_REPORT_RELATED)
        .order_by("-updated_at", "-pk")[:limit]
    )


# The team results page ---------------------------------------------------------------------


@dataclass
class WinRate:
    won: int = 0
    lost: int = 0
    open: int = 0  # continue or no decision: not counted in the rate

    @property
    def decided(self) -> int:
        return self.won + self.lost

    @property
    def rate(self) -> Decimal | None:
        """Won out of won and lost, in percent; ``None`` while nothing was decided."""
        if not self.decided:
            return None
        return (Decimal(self.won) * 100 / self.decided).quantize(Decimal("0.1"))


@dataclass
class TeamResults:
    team: Team
    reports: int = 0
    ready: WinRate = field(default_factory=WinRate)
    not_ready: WinRate = field(default_factory=WinRate)
    discounts: list[Decimal] = field(default_factory=list)
    targets: list[Decimal] = field(default_factory=list)
    breach_reports: list[NegotiationReport] = field(default_factory=list)

    @property
    def rate_rows(self) -> list[tuple[str, WinRate, str]]:
        return [
            ("the deal was ready", self.ready, "ready"),
            ("the deal was not ready", self.not_ready, "not-ready"),
        ]

    @staticmethod
    def _average(values) -> Decimal | None:
        if not values:
            return None
        return (sum(values, Decimal("0")) / len(values)).quantize(Decimal("0.01"))

    @property
    def average_discount(self) -> Decimal | None:
        return self._average(self.discounts)

    @property
    def average_target_discount(self) -> Decimal | None:
        return self._average(self.targets)

    @property
    def discount_gap(self) -> Decimal | None:
        """Percentage points given away beyond the target (negative: better than the target)."""
        if self.average_discount is None or self.average_target_discount is None:
            return None
        return self.average_discount - self.average_target_discount


def _agreed_discount(report: NegotiationReport, limits: dict | None) -> Decimal | None:
    """The discount as reported, else the one the agreed price means against the approved list price."""
    if report.discount_pct is not None:
        return Decimal(report.discount_pct)
    list_price = (limits or {}).get("list_price")
    if report.agreed_price is None or not list_price or Decimal(list_price) == 0:
        return None
    return ((Decimal("1") - report.agreed_price / Decimal(list_price)) * 100).quantize(Decimal("0.01"))


def team_results(*, user: User, date_from: datetime.date, date_to: datetime.date) -> list[TeamResults]:
    """Per team the user manages, the results of the meetings held from ``date_from`` to ``date_to``
    (inclusive, in the current time zone); two queries however many reports there are."""
    teams = list(
        Team.objects.filter(memberships__user=user, memberships__role=Role.MANAGER)
        .distinct()
        .order_by("name")
    )
    if not teams:
        return []
    results = {team.pk: TeamResults(team=team) for team in teams}
    start = timezone.make_aware(datetime.datetime.combine(date_from, datetime.time.min))
    end = timezone.make_aware(
        datetime.datetime.combine(date_to + datetime.timedelta(days=1), datetime.time.min)
    )
    reports = (
        NegotiationReport.objects.filter(
            meeting__deal__team__in=teams, meeting__starts_at__gte=start, meeting__starts_at__lt=end
        )
        .select_related(*_REPORT_RELATED, "meeting__deal__briefing__approved_version")
        .order_by("-meeting__starts_at", "-pk")
    )
    for report in reports:
        deal = report.meeting.deal
        result = results[deal.team_id]
        result.reports += 1
        rate = result.ready if report.ready_at_meeting else result.not_ready
        if report.outcome == ReportOutcome.WON:
            rate.won += 1
        elif report.outcome == ReportOutcome.LOST:
            rate.lost += 1
        else:
            rate.open += 1
        briefing = getattr(deal, "briefing", None)
        approved = briefing.approved_version if briefing else None
        limits = approved.snapshot.get("limits") if approved else None
        discount, target = _agreed_discount(report, limits), target_discount_pct(limits)
        # Only reports with both numbers compare like with like.
        if discount is not None and target is not None:
            result.discounts.append(discount)
            result.targets.append(target)
        if report.ever_breached:
            result.breach_reports.append(report)
    return [results[team.pk] for team in teams]


# Escalations on the manager's home page ----------------------------------------------------


@dataclass
class Escalation:
    meeting: Meeting
    missing: list[str] = field(default_factory=list)  # departments still owing a required answer


def escalations_for(*, user: User, now: datetime.datetime | None = None) -> dict:
    """What the reminders escalate to a manager, read live from the deals of the teams they manage:
    meetings inside the escalation window that still miss required consultations, and meetings
    whose report is overdue. Three queries, however many deals the teams have."""
    now = now or timezone.now()
    team_ids = managed_team_ids(user=user)
    horizon = now + datetime.timedelta(hours=settings.NEGPREP_ESCALATION_FROM_HOURS)
    meetings = list(
        Meeting.objects.filter(
            deal__team_id__in=team_ids,
            deal__status__in=OPEN_DEAL_STATUSES,
            cancelled=False,
            starts_at__gt=now,
            starts_at__lte=horizon,
        )
        .select_related("deal", "deal__customer", "deal__owner")
        .order_by("starts_at")
    )
    missing: dict[int, set[str]] = {}
    for deal_id, department in Consultation.objects.filter(
        deal_id__in={meeting.deal_id for meeting in meetings},
        required=True,
        status__in=UNSETTLED_CONSULTATION_STATUSES,
    ).values_list("deal_id", "department"):
        missing.setdefault(deal_id, set()).add(department)
    # Each deal's next meeting only: a second meeting in the window is the same escalation.
    firsts = {}
    for meeting in meetings:
        firsts.setdefault(meeting.deal_id, meeting)
    meetings = list(firsts.values())
    consultations = [
        Escalation(
            meeting=meeting,
            missing=[Department(d).label for d in Department.values if d in missing[meeting.deal_id]],
        )
        for meeting in meetings
        if meeting.deal_id in missing
    ]
    report_hours = settings.NEGPREP_REPORT_REMINDER_HOURS
    lookback = now - datetime.timedelta(days=settings.NEGPREP_REPORT_LOOKBACK_DAYS)
    reports = (
        []
        if not report_hours
        else list(
            Meeting.objects.filter(
                deal__team_id__in=team_ids,
                deal__status__in=OPEN_DEAL_STATUSES,
                cancelled=False,
                ends_at__gt=lookback,
                ends_at__lte=now - datetime.timedelta(hours=max(report_hours)),
                report__isnull=True,
            )
            .select_related("deal", "deal__customer", "deal__owner")
            .order_by("ends_at")
        )
    )
    return {
        "escalated_meetings": consultations,
        "overdue_reports": reports,
        "escalation_count": len(consultations) + len(reports),
    }
