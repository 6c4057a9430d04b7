"""Asking every department at once: one submit sends each department the deal has not asked yet
its questions, and the optional departments the rep ticked theirs, or sends nothing.

Each department is asked, recorded and notified exactly as by ``consultation_request``; the
difference is that every ask runs in one transaction, so a refusal of one row (or a list the rep
saw that has changed since) leaves the deal as it was.
"""

import datetime
from collections.abc import Collection
from dataclasses import dataclass

from django.db import transaction

from deals.access import can_edit_deal
from deals.domain.consultations import department_label
from deals.models import Consultation, ConsultationStatus, Deal
from deals.services.consultations import consultation_add_optional, consultation_request
from negprep.errors import Invalid, NotAllowed, Stale
from teams.models import User


@dataclass(frozen=True)
class Ask:
    """One department's row: what to ask, of whom (``None``: the department's queue), by when
    (``None``: the default due time)."""

    department: str
    questions: str
    assignee: User | None = None
    due_at: datetime.datetime | None = None


def _what(consultation: Consultation) -> str:
    return f"the {department_label(consultation.department).lower()} consultation"


def _changes_since(*, deal: Deal, seen: set[int]) -> list[str]:
    """What changed among the consultations waiting to be asked since the rep saw ``seen``."""
    waiting = {c.pk: c for c in deal.consultations.filter(status=ConsultationStatus.OPEN)}
    changes = []
    others = deal.consultations.filter(pk__in=seen - waiting.keys()).select_related(
        "requested_by", "waived_by", "answered_by"
    )
    for consultation in others:
        if consultation.is_requested:
            who = f" by {consultation.requested_by}" if consultation.requested_by else ""
            changes.append(f"{_what(consultation)} was asked{who}")
        elif consultation.is_answered:
            changes.append(f"{_what(consultation)} was answered")
        else:
            who = f" by {consultation.waived_by}" if consultation.waived_by else ""
            changes.append(f"{_what(consultation)} was waived{who}")
    if len(others) < len(seen - waiting.keys()):
        changes.append("a consultation on your list is no longer needed: the deal changed")
    for pk in sorted(waiting.keys() - seen):
        changes.append(f"{_what(waiting[pk])} now waits to be asked too")
    return changes


def consultations_ask_all(
    *, deal: Deal, by: User, asks: list[Ask], seen: Collection[int]
) -> list[Consultation]:
    """Ask every department in ``asks`` at once; returns the consultations asked.

    ``seen`` are the ids of the consultations the rep saw waiting to be asked. When one of them was
    asked, answered, waived or withdrawn since, or another one now waits, nothing is sent
    (``Stale``). A refusal of a row is keyed ``"<department>-<field>"`` (``"<department>"`` for the
    row as a whole), and all rows are checked before anything is refused; then nothing is sent.
    """
    departments = [ask.department for ask in asks]
    if len(set(departments)) < len(departments):
        raise Invalid("Each department is asked once: the form listed one twice.")
    with transaction.atomic():
        # The same lock every consultation write takes first: nobody asks or derives meanwhile.
        locked = Deal.objects.select_for_update().get(pk=deal.pk)
        if not can_edit_deal(user=by, deal=locked):
            raise NotAllowed("Only the deal's owner asks for consultations.")
        if not locked.is_open:
            raise Invalid(
                f"This deal is {locked.get_status_display().lower()}: its consultations can no longer change."
            )
        if changes := _changes_since(deal=locked, seen=set(seen)):
            raise Stale(
                "Nothing was sent: since you opened this form, "
                + "; ".join(changes)
                + ". The form now shows what is still to ask: check it and send again."
            )
        if not asks:
            raise Invalid("Tick at least one department to ask.")

        waiting = {c.department: c for c in locked.consultations.filter(status=ConsultationStatus.OPEN)}
        refusals: dict[str, list[str]] = {}
        asked = []
        for ask in asks:
            try:
                consultation = waiting.get(ask.department) or consultation_add_optional(
                    deal=locked, by=by, department=ask.department
                )
                asked.append(
                    consultation_request(
                        consultation=consultation,
                        by=by,
                        assignee=ask.assignee,
                        questions=ask.questions,
                        due_at=ask.due_at,
                    )
                )
            except Invalid as error:
                for field, texts in error.field_messages.items():
                    key = f"{ask.department}-{field}" if field else ask.department
                    refusals.setdefault(key, []).extend(texts)
        if refusals:
            # Leaving the block with the error rolls back every row asked before the refused one.
            raise Invalid(refusals)
    return asked
