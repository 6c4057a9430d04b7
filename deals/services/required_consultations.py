"""Writes that keep a deal's required consultations in line with the deal.

Which departments a deal needs follows from the deal (production, delivery,
special payment terms) and its payment-term requests; the services that change
those call ``consultations_derive`` inside their transaction. Asking, answering
and waiving are in ``deals.services.consultations``.
"""

from django.db import IntegrityError, transaction
from django.urls import reverse

from deals.domain.consultations import department_label
from deals.domain.readiness import Readiness
from deals.models import (
    UNSETTLED_CONSULTATION_STATUSES,
    Consultation,
    ConsultationStatus,
    Deal,
    Department,
    PaymentTermRequest,
    PaymentTermStatus,
)
from deals.selectors.consultations import consultation_holders
from deals.services.activity import activity_record
from deals.services.readiness import readiness_refresh
from teams.models import User
from teams.notifications import notify


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
    return ", ".join(department_label(d) for d in _in_order(departments)) or None


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
                asked = consultation_holders(consultation=consultation)
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
                context={
                    "deal": locked,
                    "actor": by,
                    "department": department_label(department),
                    "due": None,
                },
                url=reverse("home"),
                team=locked.team,
                topic=locked.title,
            )
        return readiness_refresh(deal=deal)
