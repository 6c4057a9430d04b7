"""The gates of what hangs off a deal: meetings, cover, consultations, payment terms, reports, delegations."""

from operator import attrgetter

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from deals.access.deals import can_edit_deal, can_waive_consultation, may_see_deal, refusal, sees_whole_deal
from deals.access.memberships import is_finance, memberships_of, roles_in_team
from deals.models import (
    DEPARTMENT_ROLES,
    ApprovalDelegation,
    CoNegotiatorRequest,
    Consultation,
    Meeting,
    NegotiationReport,
    OnCall,
    PaymentTermRequest,
)
from teams.models import Role, User


def _on_a_visible_deal(records: QuerySet, *, user: User, pk: int, deal: str, missing: str):
    """The record ``pk`` of ``records`` if the user may see its deal (the attribute path ``deal``
    reaches it); 404 with ``missing`` otherwise, whether it does not exist or is not theirs to see."""
    record = records.filter(pk=pk).first()
    if record is None or not may_see_deal(user=user, deal=attrgetter(deal)(record)):
        raise Http404(missing)
    return record


# Meetings ----------------------------------------------------------------------------------


# A meeting as its gates read it, with what the pages show of its deal.
MEETING_WITH_DEAL = Meeting.objects.select_related("deal", "deal__team", "deal__owner", "deal__customer")


def meeting_for_user(*, user: User, pk: int) -> Meeting:
    """A meeting of a deal the user may see; 404 otherwise."""
    return _on_a_visible_deal(
        MEETING_WITH_DEAL,
        user=user,
        pk=pk,
        deal="deal",
        missing="No such meeting.",
    )


def meeting_for_owner(*, user: User, pk: int) -> Meeting:
    """A meeting for the deal's owner to arrange (move, cancel, cover, report); 403 for the others."""
    meeting = meeting_for_user(user=user, pk=pk)
    if not can_edit_deal(user=user, deal=meeting.deal):
        raise PermissionDenied(refusal(meeting.deal, "Only the deal's owner arranges its meetings."))
    return meeting


def meeting_in_full(*, user: User, pk: int) -> Meeting:
    """A meeting for those who see the whole deal: its brief carries the limits and the plan."""
    meeting = meeting_for_user(user=user, pk=pk)
    if not sees_whole_deal(user=user, deal=meeting.deal):
        raise PermissionDenied("The meeting brief is shared with the people at the meeting and the managers.")
    return meeting


def _cover_request_for_user(model, *, user: User, pk: int):
    return _on_a_visible_deal(
        model.objects.select_related("meeting__deal"),
        user=user,
        pk=pk,
        deal="meeting.deal",
        missing="No such request.",
    )


def on_call_for_user(*, user: User, pk: int) -> OnCall:
    """On-call cover of a deal the user may see; 404 otherwise (who may answer is the service's rule)."""
    return _cover_request_for_user(OnCall, user=user, pk=pk)


def on_call_for_owner(*, user: User, pk: int) -> OnCall:
    """On-call cover for the deal's owner to change; 403 for the others who see it."""
    on_call = on_call_for_user(user=user, pk=pk)
    if not can_edit_deal(user=user, deal=on_call.meeting.deal):
        raise PermissionDenied(refusal(on_call.meeting.deal, "Only the deal's owner changes its cover."))
    return on_call


def co_negotiator_request_for_user(*, user: User, pk: int) -> CoNegotiatorRequest:
    """A co-negotiator request of a deal the user may see; 404 otherwise."""
    return _cover_request_for_user(CoNegotiatorRequest, user=user, pk=pk)


# Consultations -----------------------------------------------------------------------------


def consultation_for_user(*, user: User, pk: int) -> Consultation:
    """The consultation if the user may see its deal; 404 for everyone else."""
    return _on_a_visible_deal(
        Consultation.objects.select_related(
            "deal", "deal__team", "deal__owner", "deal__customer", "assignee", "requested_by"
        ),
        user=user,
        pk=pk,
        deal="deal",
        missing="No such consultation.",
    )


def consultation_for_owner(*, user: User, pk: int) -> Consultation:
    """A consultation for the deal's owner to ask; 403 for the others who see it."""
    consultation = consultation_for_user(user=user, pk=pk)
    if not can_edit_deal(user=user, deal=consultation.deal):
        raise PermissionDenied(
            refusal(consultation.deal, "Only the deal's owner requests its consultations.")
        )
    return consultation


def can_answer_consultation(*, user: User, consultation: Consultation, roles: set[str] | None = None) -> bool:
    """Whether the user may answer it (whatever its status).

    Production, supply chain and finance answer what is addressed to them or
    to their department's queue. ``roles`` are the user's roles in the
    deal's team, when the caller already has them.
    """
    if not user.is_authenticated:
        return False
    deal = consultation.deal
    if deal.archived_at is not None:
        return False
    if roles is None:
        roles = roles_in_team(user=user, team_id=deal.team_id)
    if DEPARTMENT_ROLES[consultation.department] not in roles:
        return False
    return consultation.assignee_id is None or consultation.assignee_id == user.pk


def consultation_for_answer(*, user: User, pk: int) -> Consultation:
    """A consultation for the one it is addressed to; 403 for the others who see it."""
    consultation = consultation_for_user(user=user, pk=pk)
    if not can_answer_consultation(user=user, consultation=consultation):
        raise PermissionDenied(refusal(consultation.deal, "This consultation is addressed to someone else."))
    return consultation


def consultation_for_waiver(*, user: User, pk: int) -> Consultation:
    """A consultation for another manager of the team to waive; 403 for the others who see it."""
    consultation = consultation_for_user(user=user, pk=pk)
    if not can_waive_consultation(user=user, deal=consultation.deal):
        raise PermissionDenied(
            refusal(consultation.deal, "Only another manager of the team waives a consultation.")
        )
    return consultation


# Payment terms -----------------------------------------------------------------------------


def payment_request_for_user(*, user: User, pk: int) -> PaymentTermRequest:
    """The request if the user may see its deal; 404 for everyone else."""
    return _on_a_visible_deal(
        PaymentTermRequest.objects.select_related(
            "deal", "deal__team", "deal__customer", "deal__owner", "requested_by", "reviewer"
        ),
        user=user,
        pk=pk,
        deal="deal",
        missing="No such payment-term request.",
    )


def payment_request_for_owner(*, user: User, pk: int) -> PaymentTermRequest:
    """The request for the deal's owner to change while finance has not decided; 403 for the others
    who see it."""
    request = payment_request_for_user(user=user, pk=pk)
    if not can_edit_deal(user=user, deal=request.deal):
        raise PermissionDenied(
            refusal(request.deal, "Only the deal's owner changes its payment-term requests.")
        )
    return request


def payment_request_for_finance(*, user: User, pk: int) -> PaymentTermRequest:
    """The request for finance of the deal's team to decide; 403 for the others who see it."""
    request = payment_request_for_user(user=user, pk=pk)
    if request.deal.archived_at is not None or not is_finance(user=user, team_id=request.deal.team_id):
        raise PermissionDenied(
            refusal(request.deal, "Only finance of the deal's team decides on payment terms.")
        )
    return request


# Reports -----------------------------------------------------------------------------------

_REPORT_RELATED = ["meeting", "meeting__deal", "meeting__deal__customer", "meeting__deal__owner", "filed_by"]


def report_for_user(*, user: User, pk: int) -> NegotiationReport:
    """The report if the user may see its deal; 404 for everyone else."""
    return _on_a_visible_deal(
        NegotiationReport.objects.select_related(*_REPORT_RELATED, "meeting__deal__team"),
        user=user,
        pk=pk,
        deal="meeting.deal",
        missing="No such report.",
    )


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
