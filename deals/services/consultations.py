"""Writes about consultations: deriving the required ones, asking, answering, waiving.

Every write locks the deal row first, then the consultation, so that a
derivation (which may delete a consultation) and an answer never cross.
"""

import datetime
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import formats, timezone

from deals.access import can_answer_consultation, can_edit_deal, is_manager
from deals.domain.readiness import Readiness
from deals.models import (
    DEPARTMENT_ROLES,
    STRUCTURED_DEPARTMENTS,
    UNSETTLED_CONSULTATION_STATUSES,
    CanFulfil,
    Consultation,
    ConsultationStatus,
    Deal,
    Department,
    Meeting,
    PaymentTermRequest,
    PaymentTermStatus,
)
from deals.services.activity import activity_record
from deals.services.briefings import next_meeting_start
from deals.services.meetings import MEETING_HORIZON
from deals.services.readiness import readiness_refresh
from negprep.errors import Invalid, NotAllowed
from teams.models import Role, User
from teams.notifications import notify
from teams.selectors import members_with_role

# What each department is asked, as a phrase for subjects and pages.
DEPARTMENT_ASKS = {
    Department.BOSS: "for guidelines for the negotiation",
    Department.PRODUCTION: "whether we can make it",
    Department.SUPPLY_CHAIN: "whether we can deliver by the date",
    Department.FINANCE: "for guidance on the payment side",
}
# What the boss and finance must write when they answer.
ANSWER_PROMPTS = {
    Department.BOSS: "Write your guidelines for the negotiation.",
    Department.FINANCE: "Write your guidance on the payment side.",
}
ANSWER_FIELDS = (
    "answer",
    "can_fulfil",
    "missing",
    "extra_resources",
    "lead_time_days",
    "committed_date",
    "support",
)
_TEXT_LIMITS = {"answer": 6000, "missing": 2000, "extra_resources": 2000, "support": 2000}
QUESTIONS_MAX = 4000
REASON_MAX = 2000
NO_MEETING_DUE = timedelta(hours=48)


def _label(department: str) -> str:
    return Department(department).label


def _queue_label(department: str) -> str:
    return "the managers" if department == Department.BOSS else f"the {_label(department).lower()} queue"


def _answer_url(consultation: Consultation) -> str:
    return reverse("deals:consultation_answer", args=[consultation.pk])


def _deal_consultations_url(deal: Deal) -> str:
    return reverse("deals:detail", args=[deal.pk]) + "#consultations"


# Deriving the required consultations -----------------------------------------------


def required_departments(*, deal: Deal) -> set[str]:
    """The departments the deal needs an answer (or a waiver) from."""
    required = {Department.BOSS.value}
    if deal.involves_production:
        required.add(Department.PRODUCTION.value)
    if deal.involves_delivery:
        required.add(Department.SUPPLY_CHAIN.value)
    outside_policy = (
        PaymentTermRequest.objects.filter(deal_id=deal.pk, outside_policy=True)
        .exclude(status=PaymentTermStatus.REJECTED)
        .exists()
    )
    if deal.special_payment_terms or outside_policy:
        required.add(Department.FINANCE.value)
    return required


def _in_order(departments) -> list[str]:
    return [d for d in Department.values if d in departments]


def _names(departments) -> str | None:
    return ", ".join(_label(d) for d in _in_order(departments)) or None


def consultations_derive(*, deal: Deal, by: User | None = None) -> Readiness:
    """Bring the deal's required consultations in line with the deal; idempotent.

    A department that became required gets an open consultation (or the
    rep's unsettled optional one becomes the required one). One that stopped
    being required disappears if it was never answered; an answered or
    waived one stays on record as optional. Call it inside the transaction
    that changed the deal or its payment-term requests.

    The deal's first derivation (at creation) sets up its checklist quietly;
    every later change is an entry on the timeline.
    """
    with transaction.atomic():
        locked = Deal.objects.select_for_update().get(pk=deal.pk)
        required = required_departments(deal=locked)
        consultations = list(locked.consultations.select_for_update().order_by("created_at", "pk"))
        first_derivation = not consultations
        current = {c.department: c for c in consultations if c.required}

        added = []
        for department in _in_order(required - current.keys()):
            # The rep's unsettled optional one, or an answer given while it was not required
            # (say the flag was unticked and ticked again): either becomes the required one.
            # A waiver was for the earlier requirement, so a waived one does not count.
            waiting = next(
                (
                    c
                    for c in reversed(consultations)
                    if c.department == department
                    and not c.required
                    and (
                        c.status in UNSETTLED_CONSULTATION_STATUSES or c.status == ConsultationStatus.ANSWERED
                    )
                ),
                None,
            )
            if waiting is not None:
                waiting.required = True
                waiting.save(update_fields=["required", "updated_at"])
            else:
                try:
                    # The partial unique constraint backs the lock: a twin derivation loses here.
                    with transaction.atomic():
                        Consultation.objects.create(deal=locked, department=department, required=True)
                except IntegrityError:
                    continue
            added.append(department)

        withdrawn, kept, told = [], [], []
        for department, consultation in current.items():
            if department in required:
                continue
            if consultation.status in UNSETTLED_CONSULTATION_STATUSES:
                asked = _was_asked(consultation)
                if asked:
                    told.append((department, asked))
                consultation.delete()
                withdrawn.append(department)
            else:
                consultation.required = False
                consultation.save(update_fields=["required", "updated_at"])
                kept.append(department)

        if (added or withdrawn or kept) and not first_derivation:
            parts = []
            if added:
                parts.append(f"now required: {_names(added)}")
            if withdrawn:
                parts.append(f"no longer required and withdrawn: {_names(withdrawn)}")
            if kept:
                parts.append(f"no longer required, kept on record: {_names(kept)}")
            activity_record(
                deal=locked,
                actor=by,
                verb="consultations_derived",
                summary="changed the required consultations — " + "; ".join(parts),
                changes={
                    "Required consultations": {
                        "old": _names(current.keys()),
                        "new": _names((current.keys() - set(withdrawn) - set(kept)) | set(added)),
                    }
                },
            )
        # Whoever was asked stops working on it; the deal may no longer be theirs to open.
        for department, asked in told:
            notify(
                recipients=asked,
                kind="consultation_withdrawn",
                context={"deal": locked, "actor": by, "department": _label(department), "due": None},
                url=reverse("home"),
                team=locked.team,
                topic=locked.title,
            )
        return readiness_refresh(deal=deal)


# Optional consultations and requests ------------------------------------------------


def _lock(consultation: Consultation) -> Consultation:
    """Lock the deal, then the consultation (always in this order)."""
    Deal.objects.select_for_update().filter(pk=consultation.deal_id).first()
    try:
        return (
            Consultation.objects.select_for_update(of=("self",))
            .select_related("deal", "deal__team", "deal__owner", "deal__customer")
            .get(pk=consultation.pk)
        )
    except Consultation.DoesNotExist:
        raise Invalid(
            "This consultation is no longer needed: the deal changed and it was withdrawn."
        ) from None


def _refuse_closed(deal: Deal) -> None:
    if not deal.is_open:
        raise Invalid(
            f"This deal is {deal.get_status_display().lower()}: its consultations can no longer change."
        )


def consultation_add_optional(*, deal: Deal, by: User, department: str) -> Consultation:
    """An extra question to a department, beside the required ones."""
    if department not in Department.values:
        raise Invalid("Pick the department to consult.")
    with transaction.atomic():
        locked = Deal.objects.select_for_update().get(pk=deal.pk)
        if not can_edit_deal(user=by, deal=locked):
            raise NotAllowed("Only the deal's owner asks for consultations.")
        _refuse_closed(locked)
        if locked.consultations.filter(department=department, status=ConsultationStatus.OPEN).exists():
            raise Invalid(
                f"A {_label(department).lower()} consultation is already waiting to be sent: "
                "request that one."
            )
        consultation = Consultation.objects.create(deal=locked, department=department, required=False)
        activity_record(
            deal=locked,
            actor=by,
            verb="consultation_added",
            summary=f"added an optional {_label(department).lower()} consultation",
        )
    return consultation


def consultation_remove_optional(*, consultation: Consultation, by: User) -> None:
    """Take back an optional consultation that was never sent."""
    with transaction.atomic():
        current = _lock(consultation)
        deal = current.deal
        if not can_edit_deal(user=by, deal=deal):
            raise NotAllowed("Only the deal's owner removes its consultations.")
        if current.required:
            raise Invalid(
                "This consultation is required by the deal: a manager may waive it, but it cannot be removed."
            )
        if current.status != ConsultationStatus.OPEN:
            done = (
                "sent"
                if current.status == ConsultationStatus.REQUESTED
                else current.get_status_display().lower()
            )
            raise Invalid(f"This consultation was already {done}: it stays on record.")
        department = _label(current.department).lower()
        current.delete()
        activity_record(
            deal=deal,
            actor=by,
            verb="consultation_removed",
            summary=f"removed the optional {department} consultation",
        )


def consultation_answerers(*, deal: Deal, department: str) -> QuerySet[User]:
    """Who may be asked: active members of the team holding the department's role
    (for the boss: the team's managers except the deal's owner)."""
    members = members_with_role(team=deal.team, role=DEPARTMENT_ROLES[department])
    if department == Department.BOSS:
        members = members.exclude(pk=deal.owner_id)
    return members.order_by("first_name", "last_name", "username")


def _was_asked(consultation: Consultation) -> list[User]:
    """Who holds the request now: the assignee, or the department's queue."""
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


def consultation_request(
    *,
    consultation: Consultation,
    by: User,
    assignee: User | None = None,
    questions: str,
    due_at: datetime.datetime | None = None,
) -> Consultation:
    """Send the questions to a named member of the department, or (``assignee=None``)
    to the department's queue. Asking again updates the request and notifies again."""
    questions = (questions or "").strip()
    with transaction.atomic():
        current = _lock(consultation)
        deal = current.deal
        if not can_edit_deal(user=by, deal=deal):
            raise NotAllowed("Only the deal's owner requests its consultations.")
        _refuse_closed(deal)
        if current.is_settled:
            raise Invalid(
                f"This consultation was already {current.get_status_display().lower()}: it cannot be "
                "asked again. Add an optional consultation for a new question."
            )
        if not questions:
            raise Invalid("Write the questions you need answered.", field="questions")
        if len(questions) > QUESTIONS_MAX:
            raise Invalid(f"Keep the questions under {QUESTIONS_MAX:,} characters.", field="questions")
        department = current.department
        answerers = consultation_answerers(deal=deal, department=department)
        role_label = Role(DEPARTMENT_ROLES[department]).label.lower()
        if assignee is not None and not answerers.filter(pk=assignee.pk).exists():
            who = "another manager" if department == Department.BOSS else f"someone in {role_label}"
            raise Invalid(
                f"{assignee} cannot answer this consultation: pick {who} in {deal.team}.", field="assignee"
            )
        recipients = [assignee] if assignee is not None else list(answerers)
        if not recipients:
            raise Invalid(
                f"Nobody in {deal.team} can answer a {_label(department).lower()} consultation yet: "
                f"ask your administrator to give someone the {role_label} role."
            )
        now = timezone.now()
        if due_at is None:
            due_at = consultation_default_due(deal=deal, now=now)
        elif due_at <= now:
            raise Invalid("The due time is in the past: pick a time that is still ahead.", field="due_at")
        else:
            meeting_start = next_meeting_start(deal=deal)
            # Once the next meeting is under way, any time ahead will do: the answer is late already.
            if meeting_start is not None and now < meeting_start < due_at:
                when = formats.date_format(timezone.localtime(meeting_start), "D j M, H:i")
                raise Invalid(
                    f"The answer is needed before the next meeting ({when}): "
                    "pick a due time no later than that.",
                    field="due_at",
                )
            if due_at > now + MEETING_HORIZON:
                raise Invalid("Pick a due time within the next three years.", field="due_at")

        again = current.status == ConsultationStatus.REQUESTED
        before = {"Asked": None, "Due": None}
        if again:
            before["Asked"] = str(current.assignee) if current.assignee else _queue_label(department)
            before["Due"] = current.due_at.isoformat() if current.due_at else None
        current.assignee = assignee
        current.questions = questions
        current.due_at = due_at
        current.status = ConsultationStatus.REQUESTED
        current.requested_by = by
        current.requested_at = now
        current.save()

        asked = str(assignee) if assignee is not None else _queue_label(department)
        after = {"Asked": asked, "Due": due_at.isoformat()}
        what = _label(department).lower()
        activity_record(
            deal=deal,
            actor=by,
            verb="consultation_rerequested" if again else "consultation_requested",
            summary=f"changed the {what} consultation request"
            if again
            else f"asked {asked} {DEPARTMENT_ASKS[department]} ({what} consultation)",
            # The due time stays a timestamp here, so the timeline shows it in each reader's time zone.
            changes={k: {"old": before[k], "new": after[k]} for k in after if before[k] != after[k]},
        )
        notify(
            recipients=recipients,
            kind="consultation_requested",
            context={
                "deal": deal,
                "consultation": current,
                "actor": by,
                "department": _label(department),
                "ask": DEPARTMENT_ASKS[department],
                "to_queue": assignee is None,
                "audience": "you"
                if assignee is not None
                else "the managers"
                if department == Department.BOSS
                else "your department",
                "again": again,
                "due": due_at,
            },
            url=_answer_url(current),
            team=deal.team,
        )
    return current


# Answering and waiving ---------------------------------------------------------------


def _clean_text(values: dict, name: str) -> str:
    text = (values.get(name) or "").strip()
    limit = _TEXT_LIMITS[name]
    if len(text) > limit:
        label = Consultation._meta.get_field(name).verbose_name
        raise Invalid(f"Keep “{label}” under {limit:,} characters.")
    return text


def _clean_answer(department: str, values: dict) -> dict:
    """The answer's fields as they will be stored; raises Invalid on what is missing."""
    cleaned = {name: _clean_text(values, name) for name in _TEXT_LIMITS}
    if department not in STRUCTURED_DEPARTMENTS:
        if not cleaned["answer"]:
            raise Invalid(ANSWER_PROMPTS[department])
        return {
            **cleaned,
            "missing": "",
            "extra_resources": "",
            "support": "",
            "can_fulfil": "",
            "lead_time_days": None,
            "committed_date": None,
        }

    can_fulfil = values.get("can_fulfil") or ""
    if can_fulfil not in CanFulfil.values:
        raise Invalid("Say whether we can fulfil it: yes, partly or no.")
    lead_time = values.get("lead_time_days")
    if lead_time is None or lead_time == "":
        raise Invalid("Give the lead time to mobilise, in days.")
    try:
        lead_time = int(lead_time)
    except (TypeError, ValueError):
        raise Invalid("Give the lead time to mobilise as a whole number of days.") from None
    if lead_time < 0:
        raise Invalid("The lead time cannot be negative.")
    committed = values.get("committed_date")
    if committed is not None and not isinstance(committed, datetime.date):
        raise Invalid("Give the earliest date you commit to as a date.")
    if can_fulfil in (CanFulfil.YES, CanFulfil.PARTLY) and committed is None:
        raise Invalid("Give the earliest date you commit to.")
    if committed is not None and committed < timezone.localdate():
        raise Invalid("The date you commit to is in the past.")
    return {**cleaned, "can_fulfil": can_fulfil, "lead_time_days": lead_time, "committed_date": committed}


def _answer_summary(consultation: Consultation) -> str:
    if consultation.department not in STRUCTURED_DEPARTMENTS:
        return f"answered the {_label(consultation.department).lower()} consultation"
    parts = [f"can fulfil: {consultation.get_can_fulfil_display().lower()}"]
    parts.append(f"{consultation.lead_time_days} days to mobilise")
    if consultation.committed_date:
        parts.append(f"commits to {formats.date_format(consultation.committed_date, 'j M Y')}")
    return f"answered the {_label(consultation.department).lower()} consultation — " + ", ".join(parts)


def consultation_answer(*, consultation: Consultation, by: User, **answer_fields) -> Consultation:
    """Record the department's answer and tell the rep.

    Production and supply chain give ``can_fulfil``, ``lead_time_days`` and
    (unless they cannot fulfil it) ``committed_date``, plus ``missing``,
    ``extra_resources`` and ``support``; the boss and finance give ``answer``.
    """
    unknown = set(answer_fields) - set(ANSWER_FIELDS)
    if unknown:
        raise TypeError(f"consultation_answer cannot set: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        current = _lock(consultation)
        deal = current.deal
        if not can_answer_consultation(user=by, consultation=current):
            if current.department == Department.BOSS:
                raise NotAllowed("Only another manager of the team gives the boss's guidelines.")
            raise NotAllowed(
                f"Only {current.assignee or 'a member of ' + _label(current.department).lower()} "
                "answers this consultation."
            )
        if current.status == ConsultationStatus.OPEN:
            raise Invalid("This consultation has not been asked yet, so there is nothing to answer.")
        if current.status == ConsultationStatus.ANSWERED:
            raise Invalid(f"{current.answered_by or 'Someone'} already answered this consultation.")
        if current.status == ConsultationStatus.WAIVED:
            raise Invalid("This consultation was waived: no answer is needed any more.")
        _refuse_closed(deal)

        for name, value in _clean_answer(current.department, answer_fields).items():
            setattr(current, name, value)
        current.status = ConsultationStatus.ANSWERED
        current.answered_by = by
        current.answered_at = timezone.now()
        current.save()
        activity_record(deal=deal, actor=by, verb="consultation_answered", summary=_answer_summary(current))
        notify(
            recipients=[deal.owner],
            kind="consultation_answered",
            context={
                "deal": deal,
                "consultation": current,
                "actor": by,
                "department": _label(current.department),
                "structured": current.department in STRUCTURED_DEPARTMENTS,
                "due": next_meeting_start(deal=deal),
            },
            url=_deal_consultations_url(deal),
            team=deal.team,
        )
        readiness_refresh(deal=deal)
    return current


def consultation_waive(*, consultation: Consultation, by: User, reason: str) -> Consultation:
    """A manager decides the deal can do without this consultation, and says why."""
    reason = (reason or "").strip()
    with transaction.atomic():
        current = _lock(consultation)
        deal = current.deal
        if not is_manager(user=by, team_id=deal.team_id):
            raise NotAllowed("Only a manager of the team waives a consultation.")
        if deal.owner_id == by.pk:
            raise NotAllowed("You own this deal, so another manager must waive its consultations.")
        if current.status == ConsultationStatus.ANSWERED:
            raise Invalid("This consultation is already answered; an answer cannot be waived.")
        if current.status == ConsultationStatus.WAIVED:
            raise Invalid(f"{current.waived_by or 'A manager'} already waived this consultation.")
        if not reason:
            raise Invalid("Give the reason for waiving this consultation.")
        if len(reason) > REASON_MAX:
            raise Invalid(f"Keep the reason under {REASON_MAX:,} characters.")

        was_asked = _was_asked(current)
        current.status = ConsultationStatus.WAIVED
        current.waived_by = by
        current.waived_at = timezone.now()
        current.waive_reason = reason
        current.save()
        activity_record(
            deal=deal,
            actor=by,
            verb="consultation_waived",
            summary=f"waived the {_label(current.department).lower()} consultation: {reason}",
        )
        # The rep, and whoever was asked, so they stop working on it.
        notify(
            recipients=[deal.owner, *was_asked],
            kind="consultation_waived",
            context={
                "deal": deal,
                "consultation": current,
                "actor": by,
                "department": _label(current.department),
                "reason": reason,
                "due": None,
            },
            url=_deal_consultations_url(deal),
            team=deal.team,
        )
        readiness_refresh(deal=deal)
    return current
