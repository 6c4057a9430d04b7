"""Who may see and who may change what: every access rule of NegPrep, in one place.

Each resource has a read gate (``*_for_user``: the object, or 404 for whoever may not see
its deal) and, where it can be changed, a write gate (``*_for_owner`` and the like: 404 for
outsiders, 403 for those who see it but may not change it). The ``can_*`` and ``is_*``
predicates answer the same questions for templates and services. Views and services import
from here and copy nothing.

The rules (DESIGN.md, "Who sees what"), always within the user's own teams:

- managers see every deal of the teams they manage;
- reps see the deals they own in the teams where they are a rep;
- production, supply chain and finance see a deal once a consultation of their department is
  asked of their team's queue, and anyone sees a deal once a consultation is asked of them;
- finance also sees the deals with payment-term requests;
- colleagues co-negotiating, on call or asked to come along see the deals of those meetings.

The user's memberships are read once per user object (that is, once per request) and the
visibility query is built with their team ids: every branch starts from an index (the teams,
the owner, or the user's own consultations, meetings and cover requests), so its cost follows
what the user may see, not the size of the database.
"""

import operator
from dataclasses import dataclass, field
from functools import reduce

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from deals.models import (
    DEPARTMENT_ROLES,
    ApprovalDelegation,
    CoNegotiatorRequest,
    CoNegotiatorStatus,
    Consultation,
    ConsultationStatus,
    Deal,
    Department,
    Meeting,
    NegotiationReport,
    OnCall,
    OnCallStatus,
    PaymentTermRequest,
)
from teams.models import Role, User
from teams.selectors import team_roles_for_user

# Memberships ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Memberships:
    """The teams a user belongs to, by role."""

    teams_by_role: dict[str, frozenset[int]] = field(default_factory=dict)

    def teams(self, role: str) -> list[int]:
        return sorted(self.teams_by_role.get(role, ()))

    @property
    def all_teams(self) -> list[int]:
        return sorted(set().union(*self.teams_by_role.values()))

    def roles_in(self, team_id: int) -> set[str]:
        return {role for role, teams in self.teams_by_role.items() if team_id in teams}

    def has(self, role: str, team_id: int) -> bool:
        return team_id in self.teams_by_role.get(role, ())


_CACHE = "_negprep_memberships"


def memberships_of(user: User) -> Memberships:
    """The user's memberships, read once and kept on the user object for the rest of the request
    (from the same query as the navigation bar's teams)."""
    if not user.is_authenticated:
        return Memberships()
    cached = getattr(user, _CACHE, None)
    if cached is None:
        by_role: dict[str, set[int]] = {}
        for entry in team_roles_for_user(user=user):
            for role in entry.roles:
                by_role.setdefault(role, set()).add(entry.team.pk)
        cached = Memberships({role: frozenset(teams) for role, teams in by_role.items()})
        setattr(user, _CACHE, cached)
    return cached


# Role predicates -----------------------------------------------------------------------


def roles_in_team(*, user: User, team_id: int) -> set[str]:
    """The roles the user holds in one team."""
    return memberships_of(user).roles_in(team_id)


def has_role_anywhere(*, user: User, role: str) -> bool:
    return bool(memberships_of(user).teams(role))


def is_manager(*, user: User, team_id: int) -> bool:
    return memberships_of(user).has(Role.MANAGER, team_id)


def is_finance(*, user: User, team_id: int) -> bool:
    return memberships_of(user).has(Role.FINANCE, team_id)


def require_manager(*, user: User) -> None:
    """403 unless the user manages some team: the approval queue and delegations."""
    if not has_role_anywhere(user=user, role=Role.MANAGER):
        raise PermissionDenied("Only managers have an approval queue.")


def require_finance(*, user: User) -> None:
    """403 unless the user is finance in some team: the payment-term queue and policies."""
    if not has_role_anywhere(user=user, role=Role.FINANCE):
        raise PermissionDenied("Only finance members have a payment-term queue.")


# Deals: who sees them ---------------------------------------------------------------------


class InSubquery(Func):
    """``field IN (subquery)``; on PostgreSQL ``field = ANY(ARRAY(subquery))``.

    The array is computed once, before the outer scan, and its ids are then looked up in the
    field's index, also inside an ``OR`` (where ``IN (subquery)`` would force a full scan).
    """

    arg_joiner = " IN "
    template = "%(expressions)s"
    output_field = BooleanField()

    def __init__(self, field_name: str, queryset: QuerySet):
        super().__init__(F(field_name), Subquery(queryset))

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, arg_joiner=" = ANY(ARRAY", template="%(expressions)s)", **extra
        )


def among_deals(deals: QuerySet[Deal], *, deal_id: str = "deal_id") -> InSubquery:
    """Rows whose deal (at ``deal_id``) is one of these deals, found deal first: the deals are
    listed once from their index and the rows looked up deal by deal, so the cost follows how many
    deals there are rather than the size of the rows' table."""
    return InSubquery(deal_id, deals.order_by().values("pk"))


def in_teams(team_ids: list[int], *, deal_id: str = "deal_id") -> InSubquery:
    """Rows whose deal (at ``deal_id``) is in one of these teams, found team first."""
    return among_deals(Deal.objects.filter(team_id__in=team_ids), deal_id=deal_id)


def _queues(user: User) -> list[tuple[QuerySet, list[int]]]:
    """What opens a deal to a department of the user's: rows with a ``deal_id`` (payment-term
    requests for finance, consultations asked of a department's queue), each with the teams
    where the user holds that department's role."""
    memberships = memberships_of(user)
    queues = [(PaymentTermRequest.objects.all(), memberships.teams(Role.FINANCE))]
    for department, role in DEPARTMENT_ROLES.items():
        if department != Department.BOSS:
            queued = Consultation.objects.filter(department=department, assignee__isnull=True)
            queues.append((queued.exclude(status=ConsultationStatus.OPEN), memberships.teams(role)))
    return [(rows, teams) for rows, teams in queues if teams]


def _participation(user: User) -> list[tuple[QuerySet, str]]:
    """What opens a deal to the user personally, each keyed by the user, with the path to the deal."""
    return [
        (Consultation.objects.filter(assignee=user).exclude(status=ConsultationStatus.OPEN), "deal_id"),
        (Meeting.co_negotiators.through.objects.filter(user=user), "meeting__deal_id"),
        (OnCall.objects.filter(member=user), "meeting__deal_id"),
        (CoNegotiatorRequest.objects.filter(member=user), "meeting__deal_id"),
    ]


def _visibility(user: User) -> Q | None:
    """The condition on deals that the user may see; None when they see none.

    The consultations and payment requests of the user's teams are gathered once, team first.
    """
    memberships = memberships_of(user)
    member_teams = memberships.all_teams
    if not member_teams:
        return None
    arms = []
    if managed := memberships.teams(Role.MANAGER):
        arms.append(Q(team_id__in=managed))
    if rep_teams := memberships.teams(Role.REP):
        arms.append(Q(owner=user, team_id__in=rep_teams))
    for rows, teams in _queues(user):
        arms.append(InSubquery("pk", rows.filter(in_teams(teams)).order_by().values("deal_id")))
    personal = [InSubquery("pk", rows.order_by().values(path)) for rows, path in _participation(user)]
    arms.append(Q(reduce(operator.or_, personal), team_id__in=member_teams))
    return reduce(operator.or_, arms)


def deals_for_user(*, user: User) -> QuerySet[Deal]:
    """Every deal the user may see (the rules are in this module's docstring)."""
    visible = _visibility(user)
    return Deal.objects.none() if visible is None else Deal.objects.filter(visible)


def _takes_part(user: User, deal: Deal) -> bool:
    """Whether the user sees the deal through a queue of their team or personally (one query).

    Only the branches the user's roles in the deal's team can open are asked, each keyed by the
    deal or the user; the caller has already answered the teams' managers and the owning rep.
    """
    arms = [rows.filter(deal=OuterRef("pk")) for rows, teams in _queues(user) if deal.team_id in teams]
    arms += [rows.filter(**{path: OuterRef("pk")}) for rows, path in _participation(user)]
    condition = reduce(operator.or_, (Q(Exists(rows.order_by())) for rows in arms))
    return Deal.objects.filter(condition, pk=deal.pk).exists()


def may_see_deal(*, user: User, deal: Deal) -> bool:
    """Whether the deal is among ``deals_for_user``: decided from the memberships for the team's
    managers and the owning rep, with one small query for everyone else."""
    memberships = memberships_of(user)
    team_id = deal.team_id
    if not memberships.roles_in(team_id):
        return False
    if memberships.has(Role.MANAGER, team_id):
        return True
    if deal.owner_id == user.pk and memberships.has(Role.REP, team_id):
        return True
    return _takes_part(user, deal)


def deal_for_user(*, user: User, pk: int) -> Deal:
    """The deal if the user may see it; 404 for everyone else."""
    deal = Deal.objects.select_related("team", "owner", "customer").filter(pk=pk).first()
    if deal is None or not may_see_deal(user=user, deal=deal):
        raise Http404("No such deal.")
    return deal


def can_edit_deal(*, user: User, deal: Deal) -> bool:
    """Only the owning rep changes a deal (and its briefing, contacts, meetings, cover, reports and
    requests), and only while they are a rep of its team."""
    return deal.owner_id == user.pk and memberships_of(user).has(Role.REP, deal.team_id)


def deal_for_owner(*, user: User, pk: int) -> Deal:
    """The deal for its owner to change; 404 for outsiders, 403 for the others who see it."""
    deal = deal_for_user(user=user, pk=pk)
    if not can_edit_deal(user=user, deal=deal):
        raise PermissionDenied("Only the deal's owner changes it.")
    return deal


def sees_whole_deal(*, user: User, deal: Deal) -> bool:
    """Owner, the team's managers and colleagues at the meeting (co-negotiators, on call) see
    everything; departments that only answer a consultation or a payment request see a summary."""
    if deal.owner_id == user.pk or is_manager(user=user, team_id=deal.team_id):
        return True
    if not user.is_authenticated:
        return False
    # Who declined keeps the summary only: they are not at the meeting.
    at_the_meeting = [
        OnCall.objects.filter(meeting__deal=OuterRef("pk"), member=user).exclude(
            status=OnCallStatus.DECLINED
        ),
        CoNegotiatorRequest.objects.filter(meeting__deal=OuterRef("pk"), member=user).exclude(
            status=CoNegotiatorStatus.DECLINED
        ),
        Meeting.co_negotiators.through.objects.filter(meeting__deal=OuterRef("pk"), user=user),
    ]
    condition = reduce(operator.or_, (Q(Exists(rows.order_by())) for rows in at_the_meeting))
    return Deal.objects.filter(condition, pk=deal.pk).exists()


def deal_in_full(*, user: User, pk: int) -> Deal:
    """The deal for those who see all of it (its briefing, meetings and timeline); 403 for departments."""
    deal = deal_for_user(user=user, pk=pk)
    if not sees_whole_deal(user=user, deal=deal):
        raise PermissionDenied("The whole deal is shared with the people at the meeting and the managers.")
    return deal


def _another_manager(*, user: User, deal: Deal) -> bool:
    return deal.owner_id != user.pk and is_manager(user=user, team_id=deal.team_id)


def can_decide_briefing(*, user: User, deal: Deal) -> bool:
    """Any manager of the team but the deal's owner approves or returns its briefing."""
    return _another_manager(user=user, deal=deal)


def can_waive_consultation(*, user: User, deal: Deal) -> bool:
    """Any manager of the team but the deal's owner waives its consultations."""
    return _another_manager(user=user, deal=deal)


# Meetings ----------------------------------------------------------------------------------


def meeting_for_user(*, user: User, pk: int) -> Meeting:
    """A meeting of a deal the user may see; 404 otherwise."""
    meeting = (
        Meeting.objects.filter(pk=pk)
        .select_related("deal", "deal__team", "deal__owner", "deal__customer")
        .first()
    )
    if meeting is None or not may_see_deal(user=user, deal=meeting.deal):
        raise Http404("No such meeting.")
    return meeting


def meeting_for_owner(*, user: User, pk: int) -> Meeting:
    """A meeting for the deal's owner to arrange (move, cancel, cover, report); 403 for the others."""
    meeting = meeting_for_user(user=user, pk=pk)
    if not can_edit_deal(user=user, deal=meeting.deal):
        raise PermissionDenied("Only the deal's owner arranges its meetings.")
    return meeting


def meeting_in_full(*, user: User, pk: int) -> Meeting:
    """A meeting for those who see the whole deal: its brief carries the limits and the plan."""
    meeting = meeting_for_user(user=user, pk=pk)
    if not sees_whole_deal(user=user, deal=meeting.deal):
        raise PermissionDenied("The meeting brief is shared with the people at the meeting and the managers.")
    return meeting


def _cover_request_for_user(model, *, user: User, pk: int):
    cover_request = model.objects.filter(pk=pk).select_related("meeting__deal").first()
    if cover_request is None or not may_see_deal(user=user, deal=cover_request.meeting.deal):
        raise Http404("No such request.")
    return cover_request


def on_call_for_user(*, user: User, pk: int) -> OnCall:
    """On-call cover of a deal the user may see; 404 otherwise (who may answer is the service's rule)."""
    return _cover_request_for_user(OnCall, user=user, pk=pk)


def co_negotiator_request_for_user(*, user: User, pk: int) -> CoNegotiatorRequest:
    """A co-negotiator request of a deal the user may see; 404 otherwise."""
    return _cover_request_for_user(CoNegotiatorRequest, user=user, pk=pk)


# Consultations -----------------------------------------------------------------------------


def consultation_for_user(*, user: User, pk: int) -> Consultation:
    """The consultation if the user may see its deal; 404 for everyone else."""
    consultation = (
        Consultation.objects.filter(pk=pk)
        .select_related("deal", "deal__team", "deal__owner", "deal__customer", "assignee", "requested_by")
        .first()
    )
    if consultation is None or not may_see_deal(user=user, deal=consultation.deal):
        raise Http404("No such consultation.")
    return consultation


def consultation_for_owner(*, user: User, pk: int) -> Consultation:
    """A consultation for the deal's owner to ask; 403 for the others who see it."""
    consultation = consultation_for_user(user=user, pk=pk)
    if not can_edit_deal(user=user, deal=consultation.deal):
        raise PermissionDenied("Only the deal's owner requests its consultations.")
    return consultation


def can_answer_consultation(*, user: User, consultation: Consultation, roles: set[str] | None = None) -> bool:
    """Whether the user may answer it (whatever its status).

    Production, supply chain and finance answer what is addressed to them or
    to their department's queue; any manager of the team but the deal's
    owner gives the boss's guidelines. ``roles`` are the user's roles in the
    deal's team, when the caller already has them.
    """
    if not user.is_authenticated:
        return False
    deal = consultation.deal
    if roles is None:
        roles = roles_in_team(user=user, team_id=deal.team_id)
    if DEPARTMENT_ROLES[consultation.department] not in roles:
        return False
    if consultation.department == Department.BOSS:
        return deal.owner_id != user.pk
    return consultation.assignee_id is None or consultation.assignee_id == user.pk


def consultation_for_answer(*, user: User, pk: int) -> Consultation:
    """A consultation for the one it is addressed to; 403 for the others who see it."""
    consultation = consultation_for_user(user=user, pk=pk)
    if not can_answer_consultation(user=user, consultation=consultation):
        raise PermissionDenied("This consultation is addressed to someone else.")
    return consultation


def consultation_for_waiver(*, user: User, pk: int) -> Consultation:
    """A consultation for another manager of the team to waive; 403 for the others who see it."""
    consultation = consultation_for_user(user=user, pk=pk)
    if not can_waive_consultation(user=user, deal=consultation.deal):
        raise PermissionDenied("Only another manager of the team waives a consultation.")
    return consultation


# Payment terms -----------------------------------------------------------------------------


def payment_request_for_user(*, user: User, pk: int) -> PaymentTermRequest:
    """The request if the user may see its deal; 404 for everyone else."""
    request = (
        PaymentTermRequest.objects.filter(pk=pk)
        .select_related("deal", "deal__team", "deal__customer", "deal__owner", "requested_by", "reviewer")
        .first()
    )
    if request is None or not may_see_deal(user=user, deal=request.deal):
        raise Http404("No such payment-term request.")
    return request


def payment_request_for_finance(*, user: User, pk: int) -> PaymentTermRequest:
    """The request for finance of the deal's team to decide; 403 for the others who see it."""
    request = payment_request_for_user(user=user, pk=pk)
    if not is_finance(user=user, team_id=request.deal.team_id):
        raise PermissionDenied("Only finance of the deal's team decides on payment terms.")
    return request


# Reports -----------------------------------------------------------------------------------

_REPORT_RELATED = ["meeting", "meeting__deal", "meeting__deal__customer", "meeting__deal__owner", "filed_by"]


def report_for_user(*, user: User, pk: int) -> NegotiationReport:
    """The report if the user may see its deal; 404 for everyone else."""
    report = (
        NegotiationReport.objects.filter(pk=pk)
        .select_related(*_REPORT_RELATED, "meeting__deal__team")
        .first()
    )
    if report is None or not may_see_deal(user=user, deal=report.meeting.deal):
        raise Http404("No such report.")
    return report


def report_in_full(*, user: User, pk: int) -> NegotiationReport:
    """A report for those who see the whole deal: its breaches name the limits; 403 for departments."""
    report = report_for_user(user=user, pk=pk)
    if not sees_whole_deal(user=user, deal=report.meeting.deal):
        raise PermissionDenied("Departments see a summary of this deal, not its reports.")
    return report


# Delegations -------------------------------------------------------------------------------


def delegations_for(*, user: User) -> QuerySet[ApprovalDelegation]:
    """Delegations the user gave or received, in teams where they are a manager."""
    return (
        ApprovalDelegation.objects.filter(team_id__in=memberships_of(user).teams(Role.MANAGER))
        .filter(Q(manager=user) | Q(delegate=user))
        .select_related("team", "manager", "delegate")
        .order_by("-ends_on")
    )


def delegation_for_manager(*, user: User, pk: int) -> ApprovalDelegation:
    """A delegation the manager gave or received; 404 otherwise (who may end it is the service's rule)."""
    delegation = delegations_for(user=user).filter(pk=pk).first()
    if delegation is None:
        raise Http404("No such delegation.")
    return delegation
