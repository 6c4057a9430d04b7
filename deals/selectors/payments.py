"""Reads about payment terms, scoped to the user asking (the gates are in ``deals.access``)."""

from dataclasses import dataclass, field

from django.db.models import QuerySet

from deals.access import in_teams, memberships_of
from deals.domain.payment_policy import (
    breached_fields,
    briefing_payment_terms,
    exceeds_grant,
    granted_terms,
    policy_breaches,
    terms_summary,
)
from deals.models import Deal, FinancePolicy, Meeting, PaymentTermRequest, PaymentTermStatus
from teams.models import Role, Team, User

GRANTED_STATUSES = [PaymentTermStatus.APPROVED, PaymentTermStatus.COUNTERED]


def finance_team_ids(*, user: User) -> list[int]:
    """The teams where the user is finance, from the memberships read once per request."""
    return memberships_of(user).teams(Role.FINANCE)


def policies_by_team(team_ids) -> dict[int, FinancePolicy]:
    """Each team's policy in one query; a team without one shows the defaults it would get."""
    policies = {p.team_id: p for p in FinancePolicy.objects.filter(team_id__in=team_ids)}
    for team_id in team_ids:
        policies.setdefault(team_id, FinancePolicy(team_id=team_id))
    return policies


def policy_for_team(*, team: Team) -> FinancePolicy:
    return policies_by_team([team.pk])[team.pk]


def finance_policies_for(*, user: User) -> list[FinancePolicy]:
    """The policies of the teams where the user is finance, by team name, in two queries."""
    teams = Team.objects.filter(pk__in=finance_team_ids(user=user)).order_by("name")
    teams = list(teams)
    policies = policies_by_team([team.pk for team in teams])
    for team in teams:
        policies[team.pk].team = team
    return [policies[team.pk] for team in teams]


def with_terms_text(requests):
    """Give each request its terms in words: ``requested_text`` and, once countered, ``counter_text``."""
    for request in requests:
        request.requested_text = terms_summary(
            net_days=request.net_days,
            deposit_pct=request.deposit_pct,
            instalments=request.instalments,
            early_payment_discount=request.early_payment_discount,
            conditions=request.other_conditions,
        )
        request.counter_text = (
            terms_summary(**granted_terms(request)) if request.status == PaymentTermStatus.COUNTERED else ""
        )
    return requests


@dataclass
class PolicyComparison:
    """A request set beside its team's policy: what exceeds it, and whether finance may grant it as is."""

    request: PaymentTermRequest
    policy: FinancePolicy
    breached: set[str] = field(default_factory=set)
    breaches: list[str] = field(default_factory=list)
    due: object = None

    @property
    def deal(self) -> Deal:
        return self.request.deal

    @property
    def beyond_max(self) -> bool:
        """More net days than finance may grant at all: only a counter-offer or a rejection is possible."""
        return exceeds_grant(policy=self.policy, net_days=self.request.net_days)


def compare_with_policy(request: PaymentTermRequest, policy: FinancePolicy, due=None) -> PolicyComparison:
    terms = {
        "policy": policy,
        "net_days": request.net_days,
        "deposit_pct": request.deposit_pct,
        "instalments": request.instalments,
        "early_payment_discount": request.early_payment_discount,
    }
    return PolicyComparison(
        request=request,
        policy=policy,
        breached=breached_fields(**terms),
        breaches=policy_breaches(**terms),
        due=due,
    )


def _next_meeting_starts(deal_ids) -> dict[int, object]:
    """When each deal's next meeting starts: what finance's decision is needed by."""
    meetings = Meeting.objects.only("deal_id", "starts_at").next_for_deals(deal_ids)
    return {deal_id: meeting.starts_at for deal_id, meeting in meetings.items()}


QUEUE_RELATED = ["deal", "deal__customer", "deal__owner", "deal__team", "requested_by"]


def payment_requests_waiting_for(*, user: User, team_id: int | None = None) -> QuerySet[PaymentTermRequest]:
    """Requests waiting for finance in the user's finance teams, oldest first.

    Team first: the teams' deals come from their index and their requests deal by deal, so the
    cost follows the teams' size, not the database's.
    """
    teams = finance_team_ids(user=user)
    if team_id is not None:
        teams = [team for team in teams if team == team_id]
    if not teams:
        return PaymentTermRequest.objects.none()
    requests = PaymentTermRequest.objects.filter(
        in_teams(teams), status=PaymentTermStatus.SUBMITTED, deal__archived_at__isnull=True
    )
    return requests.exclude(requested_by=user).order_by("created_at", "pk")


def payment_queue_items(*, requests) -> list[PolicyComparison]:
    """The requests (a page of ``payment_requests_waiting_for``) each beside its team's policy and
    with the next meeting it is needed by; three queries however long the queue."""
    requests = list(requests)
    if not requests:
        return []
    with_terms_text(requests)
    policies = policies_by_team({r.deal.team_id for r in requests})
    due = _next_meeting_starts({r.deal_id for r in requests})
    return [compare_with_policy(r, policies[r.deal.team_id], due.get(r.deal_id)) for r in requests]


def payment_queue_for(*, user: User) -> list[PolicyComparison]:
    """Every request waiting for finance, oldest first."""
    return payment_queue_items(
        requests=payment_requests_waiting_for(user=user).select_related(*QUEUE_RELATED)
    )


def deal_payment_requests(*, deal: Deal) -> QuerySet[PaymentTermRequest]:
    """The deal's requests, newest first."""
    return deal.payment_requests.select_related("requested_by", "reviewer").order_by("-created_at", "-pk")


def payment_requests_for_deal(*, deal: Deal, limit: int | None = None) -> list[PaymentTermRequest]:
    """The deal's requests newest first (the first ``limit`` when given), with their terms in words."""
    requests = deal_payment_requests(deal=deal)
    return with_terms_text(list(requests if limit is None else requests[:limit]))


def approved_payment_terms(*, deal: Deal) -> PaymentTermRequest | None:
    """The latest request finance approved or countered (or the policy approved): the terms in force.

    ``briefing_text`` is what the decision wrote into the briefing's payment-terms limit.
    """
    granted = (
        deal.payment_requests.filter(status__in=GRANTED_STATUSES)
        .select_related("reviewer")
        .order_by("-decided_at", "-pk")
        .first()
    )
    if granted is not None:
        granted.briefing_text = briefing_payment_terms(granted)
    return granted
