"""Readiness written: the deal's status follows its checklist, with a timeline entry and a stored change."""

from django.db import transaction

from deals.domain.readiness import Readiness
from deals.models import (
    Deal,
    DealStatus,
    ReadinessChange,
)
from deals.selectors.readiness import readiness_for_deal
from deals.services.activity import activity_record


def readiness_refresh(*, deal: Deal) -> Readiness:
    """Move the deal to ``ready`` when every item applies, and back to ``preparing`` when one stops.

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
                "is ready for the next meeting: all 7 checks apply"
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
    return readiness
