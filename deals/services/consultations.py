"""Writes about consultations: optional ones, asking, answering, waiving.

Every write locks the deal row first, then the consultation, so that a
derivation (``deals.services.required_consultations``, which may delete a
consultation) and an answer never cross.
"""

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone

from deals.access import can_answer_consultation, can_edit_deal, is_manager
from deals.domain.consultations import (
    ANSWER_FIELDS,
    DEPARTMENT_ASKS,
    QUESTIONS_MAX,
    REASON_MAX,
    answer_summary,
    clean_answer,
    department_label,
    queue_label,
)
from deals.models import (
    DEPARTMENT_ROLES,
    STRUCTURED_DEPARTMENTS,
    Consultation,
    ConsultationStatus,
    Deal,
    Department,
    field_label,
)
from deals.selectors.consultations import (
    consultation_answerers,
    consultation_default_due,
    consultation_holders,
)
from deals.services.activity import activity_record
from deals.services.briefings import next_meeting_start
from deals.services.meetings import MEETING_HORIZON
from deals.services.readiness import readiness_refresh
from deals.services.webhooks import webhook_emit
from negprep.errors import Invalid, NotAllowed, Stale
from negprep.versioning import mark_saved, refuse_stale
from teams.models import Role, User
from teams.notifications import notify


def _answer_url(consultation: Consultation) -> str:
    return reverse("deals:consultation_answer", args=[consultation.pk])


def _deal_consultations_url(deal: Deal) -> str:
    return reverse("deals:detail", args=[deal.pk]) + "#consultations"


# Optional consultations and requests ------------------------------------------------


_LOCKED_RELATED = ("deal__team", "deal__owner", "deal__customer", "updated_by", "answered_by", "requested_by")


def _lock(consultation: Consultation) -> Consultation:
    """Lock the deal, then the consultation (always in this order)."""
    Deal.objects.select_for_update().filter(pk=consultation.deal_id).first()
    try:
        return (
            Consultation.objects.select_for_update(of=("self",))
            .select_related(*_LOCKED_RELATED)
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
                f"A {department_label(department).lower()} consultation is already waiting to be sent: "
                "request that one."
            )
        consultation = Consultation.objects.create(deal=locked, department=department, required=False)
        activity_record(
            deal=locked,
            actor=by,
            verb="consultation_added",
            summary=f"added an optional {department_label(department).lower()} consultation",
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
        department = department_label(current.department).lower()
        current.delete()
        activity_record(
            deal=deal,
            actor=by,
            verb="consultation_removed",
            summary=f"removed the optional {department} consultation",
        )


def consultation_request(
    *,
    consultation: Consultation,
    by: User,
    assignee: User | None = None,
    questions: str,
    due_at: datetime.datetime | None = None,
    revision: int | None = None,
) -> Consultation:
    """Send the questions to a named member of the department, or (``assignee=None``)
    to the department's queue. Asking again updates the request and notifies again; ``Stale``
    when the consultation was saved after ``revision`` was read."""
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
        refuse_stale(current, revision, what="this consultation")
        if not questions:
            raise Invalid("Write the questions you need answered.", field="questions")
        if len(questions) > QUESTIONS_MAX:
            raise Invalid(f"Keep the questions under {QUESTIONS_MAX:,} characters.", field="questions")
        department = current.department
        what = department_label(department).lower()
        answerers = consultation_answerers(deal=deal, department=department)
        role_label = Role(DEPARTMENT_ROLES[department]).label.lower()
        if assignee is not None and not answerers.filter(pk=assignee.pk).exists():
            raise Invalid(
                f"{assignee} cannot answer this consultation: pick someone in {role_label} in {deal.team}.",
                field="assignee",
            )
        recipients = [assignee] if assignee is not None else list(answerers)
        if not recipients:
            raise Invalid(
                f"Nobody in {deal.team} can answer a {what} consultation yet: "
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
            before["Asked"] = str(current.assignee) if current.assignee else queue_label(department)
            before["Due"] = current.due_at.isoformat() if current.due_at else None
        current.assignee = assignee
        current.questions = questions
        current.due_at = due_at
        current.status = ConsultationStatus.REQUESTED
        current.requested_by = by
        current.requested_at = now
        mark_saved(current, by=by)
        current.save()

        asked = str(assignee) if assignee is not None else queue_label(department)
        after = {"Asked": asked, "Due": due_at.isoformat()}
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
                "department": department_label(department),
                "ask": DEPARTMENT_ASKS[department],
                "to_queue": assignee is None,
                "audience": "you" if assignee is not None else "your department",
                "again": again,
                "due": due_at,
            },
            url=_answer_url(current),
            team=deal.team,
        )
    return current


# Answering and waiving ---------------------------------------------------------------


def _refuse_stale_answer(current: Consultation, revision: int | None) -> None:
    """An answer is given on the questions as they were read, and corrects the answer as it was read."""
    if revision is None or current.revision == revision:
        return
    if current.status == ConsultationStatus.ANSWERED:
        refuse_stale(current, revision, what="an answer to this consultation")
    who = current.updated_by or current.requested_by or current.deal.owner
    raise Stale(
        f"{who} changed the questions after you opened them: read them again above. Your answer was "
        "not sent; it is kept below, to send when it still fits.",
        current=current,
    )


def consultation_answer(
    *, consultation: Consultation, by: User, revision: int | None = None, **answer_fields
) -> Consultation:
    """Record the department's answer and tell the rep; with the ``revision`` read, also correct
    an answer given before (``Stale`` when the consultation was saved after it was read).

    Production and supply chain give ``can_fulfil``, ``lead_time_days`` and
    (unless they cannot fulfil it) ``committed_date``, plus ``missing``,
    ``extra_resources`` and ``support``; finance gives ``answer``.
    """
    unknown = set(answer_fields) - set(ANSWER_FIELDS)
    if unknown:
        raise TypeError(f"consultation_answer cannot set: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        current = _lock(consultation)
        deal = current.deal
        if not can_answer_consultation(user=by, consultation=current):
            raise NotAllowed(
                f"Only {current.assignee or 'a member of ' + department_label(current.department).lower()} "
                "answers this consultation."
            )
        if current.status == ConsultationStatus.OPEN:
            raise Invalid("This consultation has not been asked yet, so there is nothing to answer.")
        # Without the revision read, the caller cannot know what it would correct.
        if current.status == ConsultationStatus.ANSWERED and revision is None:
            raise Invalid(f"{current.answered_by or 'Someone'} already answered this consultation.")
        if current.status == ConsultationStatus.WAIVED:
            raise Invalid("This consultation was waived: no answer is needed any more.")
        _refuse_closed(deal)
        _refuse_stale_answer(current, revision)

        correcting = current.status == ConsultationStatus.ANSWERED
        answer = clean_answer(current.department, answer_fields)
        changes = {
            field_label(Consultation, name): {
                "old": _json_value(getattr(current, name)),
                "new": _json_value(value),
            }
            for name, value in answer.items()
            if getattr(current, name) != value
        }
        if correcting and not changes:
            return current
        for name, value in answer.items():
            setattr(current, name, value)
        current.status = ConsultationStatus.ANSWERED
        current.answered_by = by
        current.answered_at = timezone.now()
        mark_saved(current, by=by)
        current.save()
        if correcting:
            what = department_label(current.department).lower()
            activity_record(
                deal=deal,
                actor=by,
                verb="consultation_answer_corrected",
                summary=f"corrected the {what} answer: {answer_summary(current)}",
                changes=changes,
            )
        else:
            summary = answer_summary(current)
            activity_record(deal=deal, actor=by, verb="consultation_answered", summary=summary)
        notify(
            recipients=[deal.owner],
            kind="consultation_answered",
            context={
                "deal": deal,
                "consultation": current,
                "actor": by,
                "department": department_label(current.department),
                "structured": current.department in STRUCTURED_DEPARTMENTS,
                "corrected": correcting,
                "due": next_meeting_start(deal=deal),
            },
            url=_deal_consultations_url(deal),
            team=deal.team,
        )
        webhook_emit(
            type="consultation.answered",
            deal=deal,
            data={
                "consultation": {
                    "id": current.pk,
                    "department": current.department,
                    "status": current.status,
                    "corrected": correcting,
                }
            },
        )
        readiness_refresh(deal=deal)
    return current


def _json_value(value):
    return value.isoformat() if isinstance(value, datetime.date) else value


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

        was_asked = consultation_holders(consultation=current)
        current.status = ConsultationStatus.WAIVED
        current.waived_by = by
        current.waived_at = timezone.now()
        current.waive_reason = reason
        mark_saved(current, by=by)
        current.save()
        activity_record(
            deal=deal,
            actor=by,
            verb="consultation_waived",
            summary=f"waived the {department_label(current.department).lower()} consultation: {reason}",
        )
        # The rep, and whoever was asked, so they stop working on it.
        notify(
            recipients=[deal.owner, *was_asked],
            kind="consultation_waived",
            context={
                "deal": deal,
                "consultation": current,
                "actor": by,
                "department": department_label(current.department),
                "reason": reason,
                "due": None,
            },
            url=_deal_consultations_url(deal),
            team=deal.team,
        )
        readiness_refresh(deal=deal)
    return current
