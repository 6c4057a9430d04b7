"""Reads about consultations, always scoped to the user asking.

The gates (``consultation_for_user`` and the others) and ``can_answer_consultation``
live in ``deals.access``.
"""

import datetime
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Case, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from deals.access import among_deals, deals_for_user, memberships_of
from deals.domain.consultations import optional_departments
from deals.models import (
    DEPARTMENT_ROLES,
    OPEN_DEAL_STATUSES,
    Briefing,
    Consultation,
    ConsultationStatus,
    Deal,
    Department,
    Meeting,
)
from teams.models import User
from teams.selectors import members_with_role

# Departments in the order a deal page lists them.
DEPARTMENT_ORDER = Case(
    *[When(department=department, then=Value(index)) for index, department in enumerate(Department.values)],
    output_field=IntegerField(),
)
# When an answer is due on a deal without a planned meeting.
NO_MEETING_DUE = timedelta(hours=48)


def consultations_for_deal(*, deal: Deal) -> QuerySet[Consultation]:
    """The deal's consultations: required ones first, then by department and age."""
    return (
        deal.consultations.select_related("assignee", "requested_by", "answered_by", "waived_by")
        .annotate(department_order=DEPARTMENT_ORDER)
        .order_by("-required", "department_order", "created_at", "pk")
    )


def has_unasked_consultations(*, deal: Deal) -> bool:
    """Whether a consultation of the deal still waits to be asked."""
    return deal.consultations.filter(status=ConsultationStatus.OPEN).exists()


def consultations_to_ask(*, deal: Deal) -> list[Consultation]:
    """The rows of the form that asks every department at once: the deal's consultations not asked
    yet (required ones first), then an unsaved optional consultation per department the rep may add,
    leaving out the departments that are required or already have a question waiting."""
    waiting = list(consultations_for_deal(deal=deal).filter(status=ConsultationStatus.OPEN))
    taken = deal.consultations.filter(
        Q(required=True) | Q(status__in=[ConsultationStatus.OPEN, ConsultationStatus.REQUESTED])
    ).values_list("department", flat=True)
    extra = [
        Consultation(deal=deal, department=department, required=False)
        for department in optional_departments(taken=taken)
    ]
    return waiting + extra


def consultation_answerers(*, deal: Deal, department: str) -> QuerySet[User]:
    """Who may be asked: active members of the team holding the department's role."""
    members = members_with_role(team=deal.team, role=DEPARTMENT_ROLES[department])
    return members.order_by("first_name", "last_name", "username")


def consultation_holders(*, consultation: Consultation) -> list[User]:
    """Who holds the request now: the assignee, or the department's queue (nobody unless it was sent)."""
    if consultation.status != ConsultationStatus.REQUESTED:
        return []
    if consultation.assignee is not None:
        return [consultation.assignee]
    return list(consultation_answerers(deal=consultation.deal, department=consultation.department))


def consultation_default_due(*, deal: Deal, now: datetime.datetime | None = None) -> datetime.datetime:
    """The configured lead before the next meeting, or the meeting's start when that is
    already too close, or its end while it is under way (an answer still helps in the room);
    48 hours from now when no meeting is planned."""
    now = now or timezone.now()
    meeting = Meeting.objects.next_for_deal(deal, now=now)
    if meeting is None:
        due = now + NO_MEETING_DUE
    elif meeting.starts_at <= now:
        due = meeting.ends_at
    else:
        due = meeting.starts_at - timedelta(hours=settings.NEGPREP_CONSULTATION_LEAD_HOURS)
        if due <= now:
            due = meeting.starts_at
    return due.replace(second=0, microsecond=0)


@dataclass(frozen=True)
class AnswerWarning:
    """A department's answer the rep must act on before promising the deal."""

    consultation: Consultation
    falls_short: bool  # they cannot fulfil it, or only in part
    delivery_conflict: bool  # the briefing lets the rep promise delivery before the date they committed to
    promised_from: date | None


def answer_warnings(*, consultations: list[Consultation], briefing: Briefing | None) -> list[AnswerWarning]:
    """The answers that limit what the rep may promise, in the order of ``consultations``."""
    promised_from = briefing.earliest_delivery if briefing else None
    warnings = []
    for consultation in consultations:
        if not consultation.is_answered:
            continue
        falls_short = consultation.cannot_fulfil or consultation.can_fulfil_in_part
        committed = consultation.committed_date
        conflict = committed is not None and promised_from is not None and promised_from < committed
        if falls_short or conflict:
            warnings.append(AnswerWarning(consultation, falls_short, conflict, promised_from))
    return warnings


def _addressed_to(user: User) -> Q:
    """Consultations asked of the user or of a queue of theirs, on open deals of their teams.

    Team first: each department's arm lists the open deals of the teams where the user holds its
    role once, from their index, and looks their consultations up deal by deal."""
    memberships = memberships_of(user)
    addressed = Q(pk__in=[])
    for department in Department:
        teams = memberships.teams(DEPARTMENT_ROLES[department])
        if not teams:
            continue
        deals = Deal.objects.filter(team_id__in=teams, status__in=OPEN_DEAL_STATUSES)
        addressed |= Q(among_deals(deals), department=department) & (
            Q(assignee=user) | Q(assignee__isnull=True)
        )
    return addressed


def consultations_asked_of(*, user: User) -> QuerySet[Consultation]:
    """What waits for the user's answer: addressed to them or to a queue of a role they
    hold, on open deals of their teams, soonest due first (one query)."""
    if not user.is_authenticated:
        return Consultation.objects.none()
    return (
        Consultation.objects.filter(_addressed_to(user), status=ConsultationStatus.REQUESTED)
        .select_related("deal", "deal__customer", "deal__owner", "deal__team", "assignee", "requested_by")
        .order_by(F("due_at").asc(nulls_last=True), "pk")
    )


def consultations_answered_by(*, user: User) -> QuerySet[Consultation]:
    """The user's own answers on deals they still see, newest first."""
    if not user.is_authenticated:
        return Consultation.objects.none()
    return (
        Consultation.objects.filter(
            answered_by=user, status=ConsultationStatus.ANSWERED, deal__in=deals_for_user(user=user)
        )
        .select_related("deal", "deal__customer", "deal__owner", "deal__team", "requested_by")
        .order_by(F("answered_at").desc(nulls_last=True), "-pk")
    )


def answered_since(*, user: User, days: int = 14) -> QuerySet[Consultation]:
    since = timezone.now() - timedelta(days=days)
    return consultations_answered_by(user=user).filter(answered_at__gte=since)
