"""Who sees a deal and who may change it: the visibility query, the deal gates and predicates."""

import operator
from functools import reduce

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Exists, F, Func, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from deals.access.memberships import is_manager, memberships_of
from deals.models import (
    DEPARTMENT_ROLES,
    CoNegotiatorRequest,
    CoNegotiatorStatus,
    Consultation,
    ConsultationStatus,
    Deal,
    Meeting,
    OnCall,
    OnCallStatus,
    PaymentTermRequest,
)
from teams.models import Role, User

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

    def as_sql(self, compiler, connection, **extra):
        if self.get_source_expressions()[1].query.is_empty():
            return "FALSE", []  # among no rows at all (a user in no team): nothing matches
        return super().as_sql(compiler, connection, **extra)

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


ARCHIVED_REFUSAL = "This deal is archived and read-only: restore it first."


def refusal(deal: Deal, reason: str) -> str:
    """Why a write gate refuses: the deal being archived, or else the gate's own ``reason``."""
    return ARCHIVED_REFUSAL if deal.archived_at is not None else reason


def can_edit_deal(*, user: User, deal: Deal) -> bool:
    """Only the owning rep changes a deal (and its briefing, contacts, meetings, cover, reports and
    requests), and only while they are a rep of its team and the deal is not archived."""
    return (
        deal.archived_at is None
        and deal.owner_id == user.pk
        and memberships_of(user).has(Role.REP, deal.team_id)
    )


def deal_for_owner(*, user: User, pk: int) -> Deal:
    """The deal for its owner to change; 404 for outsiders, 403 for the others who see it."""
    deal = deal_for_user(user=user, pk=pk)
    if not can_edit_deal(user=user, deal=deal):
        raise PermissionDenied(refusal(deal, "Only the deal's owner changes it."))
    return deal


def can_close_deal(*, user: User, deal: Deal) -> bool:
    """The owning rep or any manager of the team closes a deal, archives it and restores it: a
    manager tidies up after a rep who left. An archived deal is read-only even for them, restoring
    aside."""
    memberships = memberships_of(user)
    if memberships.has(Role.MANAGER, deal.team_id):
        return True
    return deal.owner_id == user.pk and memberships.has(Role.REP, deal.team_id)


def deal_for_closing(*, user: User, pk: int) -> Deal:
    """The deal for its owner or a manager of its team to close, archive or restore; 404 for
    outsiders, 403 for the others who see it."""
    deal = deal_for_user(user=user, pk=pk)
    if not can_close_deal(user=user, deal=deal):
        raise PermissionDenied("Only the deal's owner or a manager of its team closes or archives it.")
    return deal


def can_list_archived(*, user: User) -> bool:
    """Managers find the archived deals of their teams on the deal list (the others do not)."""
    return bool(memberships_of(user).teams(Role.MANAGER))


def listed_deals(*, user: User, archived: str = "") -> QuerySet[Deal]:
    """The deals the deal list shows: those the user sees, without the archived ones, which only
    the managers of their team list on request (``archived``: "include" or "only")."""
    deals = deals_for_user(user=user)
    managed = memberships_of(user).teams(Role.MANAGER)
    if managed and archived == "only":
        return deals.filter(archived_at__isnull=False, team_id__in=managed)
    if managed and archived == "include":
        return deals.filter(Q(archived_at__isnull=True) | Q(team_id__in=managed))
    return deals.filter(archived_at__isnull=True)


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
    return (
        deal.archived_at is None and deal.owner_id != user.pk and is_manager(user=user, team_id=deal.team_id)
    )


def can_decide_briefing(*, user: User, deal: Deal) -> bool:
    """Any manager of the team but the deal's owner approves or returns its briefing."""
    return _another_manager(user=user, deal=deal)


def can_waive_consultation(*, user: User, deal: Deal) -> bool:
    """Any manager of the team but the deal's owner waives its consultations."""
    return _another_manager(user=user, deal=deal)


def can_ask_guidelines(*, user: User, deal: Deal) -> bool:
    """The deal's owner asks the boss for guidelines (and changes the question while it waits)."""
    return can_edit_deal(user=user, deal=deal)


def can_give_guidelines(*, user: User, deal: Deal) -> bool:
    """Whoever decides on the briefing gives the boss's guidelines: any manager of the team but the
    deal's owner (a delegate decides on behalf of the manager away, as for approvals)."""
    return _another_manager(user=user, deal=deal)


def deal_for_guidelines(*, user: User, pk: int) -> Deal:
    """The deal for a manager to give its guidelines; 404 for outsiders, 403 for the others who see it."""
    deal = deal_for_user(user=user, pk=pk)
    if not can_give_guidelines(user=user, deal=deal):
        raise PermissionDenied("Only another manager of the team gives the boss's guidelines.")
    return deal
