"""Reads about negotiation reports, scoped to the user asking (the gates are in ``deals.access``)."""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.db.models.fields.json import KeyTransform

from deals.access import in_teams, memberships_of
from deals.domain.payment_policy import granted_terms
from deals.domain.report_check import COMMITTING_DEPARTMENTS, ReportReferences, compare_with_references
from deals.domain.snapshot import LimitsSnapshot
from deals.models import (
    Briefing,
    Consultation,
    ConsultationStatus,
    Deal,
    FinancePolicy,
    Meeting,
    NegotiationReport,
    ReportOutcome,
)
from deals.selectors.lists import start_of_day
from deals.selectors.payments import approved_payment_terms, policy_for_team
from teams.models import Role, Team, User

BREACH_REPORTS_ON_HOME = 10
BREACH_REPORTS_ON_RESULTS = 5
_REPORT_RELATED = ["meeting", "meeting__deal", "meeting__deal__customer", "meeting__deal__owner", "filed_by"]


def reports_for_deal(*, deal, limit: int | None = None) -> list[NegotiationReport]:
    """The deal's reports, latest meeting first (the first ``limit`` of them when given)."""
    reports = (
        NegotiationReport.objects.filter(meeting__deal=deal)
        .select_related("meeting", "filed_by")
        .order_by("-meeting__starts_at", "-pk")
    )
    return list(reports if limit is None else reports[:limit])


# What a report is compared with -----------------------------------------------------------


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


def report_breaches(*, meeting: Meeting, data: dict) -> list[dict]:
    """Each breach of the reported terms, as ``{"code", "message"}``; reads, never writes."""
    return compare_with_references(references=report_references(deal=meeting.deal), data=data)


# The reports of the teams a manager leads -------------------------------------------------


def managed_team_ids(*, user: User) -> list[int]:
    """The teams the user manages (their memberships are read once per request)."""
    return memberships_of(user).teams(Role.MANAGER)


def team_reports(*, user: User) -> QuerySet[NegotiationReport]:
    """The reports of the teams the user manages, latest meeting first; those of archived deals
    only on their deal's page (and in the team results). None for who manages no team."""
    managed = managed_team_ids(user=user)
    if not managed:
        return NegotiationReport.objects.none()
    return (
        NegotiationReport.objects.filter(in_teams(managed, deal_id="meeting__deal_id"))
        .filter(meeting__deal__archived_at__isnull=True)
        .select_related(*_REPORT_RELATED, "meeting__deal__team")
        .order_by("-meeting__starts_at", "-pk")
    )


def with_breaches(reports: QuerySet[NegotiationReport]) -> QuerySet[NegotiationReport]:
    """Reports that breach what was approved, or did before a correction."""
    return reports.exclude(breaches=[], corrected_breaches=[])


def breach_reports(*, user: User) -> QuerySet[NegotiationReport]:
    """The reports with breaches (or breaches corrected since) in the teams the user manages, latest
    filed or corrected first."""
    return with_breaches(team_reports(user=user)).order_by("-updated_at", "-pk")


def breach_reports_for(*, user: User, limit: int = BREACH_REPORTS_ON_HOME) -> list[NegotiationReport]:
    """The latest ``limit`` reports with breaches in the teams the user manages, newest first."""
    return list(breach_reports(user=user)[:limit])


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
    breach_reports: list[NegotiationReport] = field(default_factory=list)  # the latest few
    breach_count: int = 0

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


def team_results(*, user: User, date_from: datetime.date, date_to: datetime.date) -> list[TeamResults]:
    """Per team the user manages, the results of the meetings held from ``date_from`` to ``date_to``
    (inclusive, in the current time zone); three queries however many reports there are.

    The figures are read as plain values (no report objects); only the latest few reports with
    breaches per team are loaded in full, for the page to list them.
    """
    teams = list(Team.objects.filter(pk__in=managed_team_ids(user=user)).order_by("name"))
    if not teams:
        return []
    results = {team.pk: TeamResults(team=team) for team in teams}
    start, end = start_of_day(date_from), start_of_day(date_to + datetime.timedelta(days=1))
    rows = (
        NegotiationReport.objects.filter(
            in_teams([team.pk for team in teams], deal_id="meeting__deal_id"),
            meeting__starts_at__gte=start,
            meeting__starts_at__lt=end,
        )
        .annotate(
            limits=KeyTransform("limits", "meeting__deal__briefing__approved_version__snapshot"),
            breached=ExpressionWrapper(~Q(breaches=[], corrected_breaches=[]), output_field=BooleanField()),
        )
        .order_by("-meeting__starts_at", "-pk")
        .values_list(
            "pk",
            "meeting__deal__team_id",
            "ready_at_meeting",
            "outcome",
            "discount_pct",
            "agreed_price",
            "limits",
            "breached",
        )
    )
    shown: dict[int, list[int]] = {}
    for pk, team_id, ready, outcome, discount_pct, agreed_price, limits, breached in rows:
        result = results[team_id]
        result.reports += 1
        rate = result.ready if ready else result.not_ready
        if outcome == ReportOutcome.WON:
            rate.won += 1
        elif outcome == ReportOutcome.LOST:
            rate.lost += 1
        else:
            rate.open += 1
        approved = LimitsSnapshot.from_json(limits)
        # The discount as reported, else the one the agreed price means off the approved list price.
        discount = Decimal(discount_pct) if discount_pct is not None else approved.discount_at(agreed_price)
        target = approved.target_discount_pct()
        # Only reports with both numbers compare like with like.
        if discount is not None and target is not None:
            result.discounts.append(discount)
            result.targets.append(target)
        if breached:
            result.breach_count += 1
            # The page lists the latest few; the reports list holds them all.
            if len(team_shown := shown.setdefault(team_id, [])) < BREACH_REPORTS_ON_RESULTS:
                team_shown.append(pk)
    if shown:
        latest = NegotiationReport.objects.select_related(*_REPORT_RELATED).in_bulk(
            [pk for pks in shown.values() for pk in pks]
        )
        for team_id, pks in shown.items():
            results[team_id].breach_reports = [latest[pk] for pk in pks]
    return [results[team.pk] for team in teams]
