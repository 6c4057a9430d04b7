"""Readiness written: the deal's status follows its checklist, with a timeline entry and a stored change."""

from django.db import transaction

from deals.domain.readiness import Readiness
from deals.models import (
    Deal,
    DealStatus,
    ReadinessChange,
)
from deals.selectors.readiness import readiness_for_deal, readiness_for_deals
from deals.services.activity import activity_record
from deals.services.webhooks import webhook_emit


def readiness_refresh(*, deal: Deal) -> Readiness:
    """Move the deal to ``ready`` when every item that applies is done, and back to ``preparing``
    when one is not any more.

    Deals already negotiating or closed keep their status.
    """
    readiness = readiness_for_deal(deal)
    if deal.status == DealStatus.PREPARING and readiness.is_ready:
        new_status = DealStatus.READY
    elif deal.status == DealStatus.READY and not readiness.is_ready:
        new_status = DealStatus.PREPARING
    else:
        return readiness
    with transaction.atomic():
        changed = Deal.objects.filter(pk=deal.pk, status=deal.status).update(status=new_status)
        if changed:
            old = deal.get_status_display()
            deal.status = new_status
            ReadinessChange.objects.create(deal=deal, ready=new_status == DealStatus.READY)
            summary = (
                f"is ready for the next meeting: all {readiness.total} checks that apply are done"
                if new_status == DealStatus.READY
                else "is no longer ready, missing: " + "; ".join(readiness.missing).lower()
            )
            activity_record(
                deal=deal,
                actor=None,
                verb="deal_readiness",
                summary=f"The deal {summary}",
                changes={"Status": {"old": old, "new": deal.get_status_display()}},
            )
            webhook_emit(
                type="deal.ready" if new_status == DealStatus.READY else "deal.not_ready",
                deal=deal,
                data={"status": new_status},
            )
    return readiness


RESYNC_BATCH = 500


def readiness_resync(*, batch: int = RESYNC_BATCH) -> int:
    """Bring the stored status of every deal preparing or ready in line with its checklist (after
    a change of the rules, say); returns how many deals changed. Each change is recorded like any
    other (``readiness_refresh``); the checklists are read a batch at a time."""
    ids = list(
        Deal.objects.filter(status__in=[DealStatus.PREPARING, DealStatus.READY])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    changed = 0
    for start in range(0, len(ids), batch):
        deals = list(Deal.objects.filter(pk__in=ids[start : start + batch]).order_by("pk"))
        readiness = readiness_for_deals(deals)
        for deal in deals:
            if (deal.status == DealStatus.READY) != readiness[deal.pk].is_ready:
                readiness_refresh(deal=deal)
                changed += 1
    return changed
