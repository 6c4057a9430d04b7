"""Writes about the end of a deal: close it (won, lost or withdrawn, with a reason), reopen it, archive
it, restore it.

Nothing here deletes. A closed deal keeps everything that happened; an archived one leaves the
lists, home panels and queues and is read-only until it is restored. Each write happens under the
deal's row lock or as a conditional update, so of two people doing the same at once exactly one does
it and the other is told.
"""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from deals.access import can_close_deal
from deals.models import CLOSED_DEAL_STATUSES, Deal, DealStatus, NegotiationReport
from deals.services.activity import activity_record
from deals.services.meetings import meetings_cancel_for_closed_deal
from deals.services.readiness import readiness_refresh
from deals.services.webhooks import webhook_emit
from negprep.errors import Invalid, NotAllowed, Stale
from negprep.versioning import mark_saved
from teams.models import User
from teams.notifications import notify

CLOSE_REASON_MAX = Deal._meta.get_field("close_reason").max_length
RESTORE_FIRST = "Restore the deal to the lists first: an archived deal is read-only."


def _checked_reason(reason: str, *, missing: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise Invalid({"reason": missing})
    if len(reason) > CLOSE_REASON_MAX:
        raise Invalid({"reason": f"Keep the reason to {CLOSE_REASON_MAX:,} characters or fewer."})
    return reason


def _check_closer(*, deal: Deal, by: User) -> None:
    if not can_close_deal(user=by, deal=deal):
        raise NotAllowed("Only the deal's owner or a manager of its team closes or archives it.")


def _who(user: User | None) -> str:
    return (user.get_full_name() or user.username) if user is not None else "Someone"


def _tell_owner(*, deal: Deal, by: User, kind: str, **context) -> None:
    """A manager closed or archived a rep's deal: the rep hears it from NegPrep, not in the corridor."""
    if deal.owner_id == by.pk or not deal.owner.is_active:
        return
    notify(
        recipients=[deal.owner],
        kind=kind,
        context={"deal": deal, "actor": by, **context},
        url=reverse("deals:detail", args=[deal.pk]),
        team=deal.team,
        topic=deal.title,
    )


CLOSING_FIELDS = ("status", "closed_at", "closed_by", "close_reason")
SUMMARIES = {
    "deal_closed": "closed the deal as {status}: {reason}",
    "deal_reopened": "reopened the deal: {reason}",
}


def _saved(current: Deal, deal: Deal, *, by: User, old: str, reason: str, verb: str) -> None:
    """Save the locked deal's new status and closing fields as one more revision, copy them onto the
    caller's deal, and put the change, with its reason, on the timeline."""
    fields = [*CLOSING_FIELDS, *mark_saved(current, by=by)]
    current.save(update_fields=fields)
    for name in fields:
        setattr(deal, name, getattr(current, name))
    status = current.get_status_display()
    activity_record(
        deal=deal,
        actor=by,
        verb=verb,
        summary=SUMMARIES[verb].format(status=status.lower(), reason=reason),
        changes={"Status": {"old": old, "new": status}, "Reason": {"old": None, "new": reason}},
    )


def deal_close(*, deal: Deal, by: User, outcome: str, reason: str) -> Deal:
    """Close an open deal as won, lost or withdrawn, with the reason on the deal and its timeline.

    The meetings that have not started are cancelled (their colleagues are told). ``Stale`` when
    the deal was closed meanwhile, by someone else or by a report's outcome.
    """
    _check_closer(deal=deal, by=by)
    if outcome not in CLOSED_DEAL_STATUSES:
        raise Invalid({"outcome": "Choose won, lost or withdrawn."})
    reason = _checked_reason(reason, missing="Say why the deal ends: your team reads it on the timeline.")
    label = DealStatus(outcome).label
    with transaction.atomic():
        # Under the row's lock: of two closings (or a closing and a report's outcome), the later
        # sees the deal closed and changes nothing.
        current = Deal.objects.select_for_update(of=("self",)).select_related("closed_by").get(pk=deal.pk)
        if not current.is_open:
            by_whom = f" by {_who(current.closed_by)}" if current.closed_by_id else ""
            raise Stale(
                f"This deal was already closed as {current.get_status_display().lower()}{by_whom}: "
                "nothing changed."
            )
        old = current.get_status_display()
        current.status, current.closed_at, current.closed_by = outcome, timezone.now(), by
        current.close_reason = reason
        _saved(current, deal, by=by, old=old, reason=reason, verb="deal_closed")
        webhook_emit(type="deal.closed", deal=deal, data={"status": outcome, "by_report": None})
        meetings_cancel_for_closed_deal(deal=deal, by=by, reason=f"The deal was closed as {label.lower()}.")
        _tell_owner(deal=deal, by=by, kind="deal_closed", outcome=label.lower(), reason=reason)
    return deal


def deal_reopen(*, deal: Deal, by: User, reason: str) -> Deal:
    """Open a closed deal again (the customer came back, or it was closed by mistake), with the reason
    on its timeline. It goes back to negotiating when a meeting of it was reported, else to preparing
    (then ready, if its checklist is complete); its cancelled meetings stay cancelled.

    ``Invalid`` while it is archived (restore it first); ``Stale`` when someone reopened it meanwhile.
    """
    _check_closer(deal=deal, by=by)
    reason = _checked_reason(
        reason, missing="Say why the deal is open again: your team reads it on the timeline."
    )
    with transaction.atomic():
        current = Deal.objects.select_for_update(of=("self",)).get(pk=deal.pk)
        if current.archived_at is not None:
            raise Invalid(RESTORE_FIRST)
        if current.is_open:
            raise Stale(
                f"This deal is open already ({current.get_status_display().lower()}): nothing changed."
            )
        old = current.get_status_display()
        reported = NegotiationReport.objects.filter(meeting__deal=current).exists()
        current.status = DealStatus.NEGOTIATING if reported else DealStatus.PREPARING
        current.closed_at, current.closed_by, current.close_reason = None, None, ""
        _saved(current, deal, by=by, old=old, reason=reason, verb="deal_reopened")
        webhook_emit(type="deal.reopened", deal=deal, data={"status": current.status, "by_report": None})
        readiness_refresh(deal=deal)
        _tell_owner(deal=deal, by=by, kind="deal_reopened", reason=reason)
    return deal


def deal_archive(*, deal: Deal, by: User) -> bool:
    """Archive a closed deal: it leaves the lists, home panels and queues and becomes read-only.

    Meetings still ahead (a report's outcome closes a deal without cancelling them) are cancelled,
    so nobody keeps a slot free for them. False (nothing changes) when it is archived already.
    """
    _check_closer(deal=deal, by=by)
    with transaction.atomic():
        current = Deal.objects.select_for_update().get(pk=deal.pk)
        if current.is_open:
            raise Invalid("Close the deal first: only won, lost or withdrawn deals are archived.")
        if current.archived_at is not None:
            return False
        current.archived_at = timezone.now()
        current.archived_by = by
        current.save(update_fields=["archived_at", "archived_by", "updated_at"])
        activity_record(
            deal=current,
            actor=by,
            verb="deal_archived",
            summary="archived the deal: it is read-only and left the lists",
        )
        meetings_cancel_for_closed_deal(deal=current, by=by, reason="The deal was archived.")
        _tell_owner(deal=current, by=by, kind="deal_archived")
    deal.archived_at, deal.archived_by = current.archived_at, by
    return True


def deal_restore(*, deal: Deal, by: User) -> bool:
    """Bring an archived deal back to the lists (still closed). False when it is not archived."""
    _check_closer(deal=deal, by=by)
    with transaction.atomic():
        restored = Deal.objects.filter(pk=deal.pk, archived_at__isnull=False).update(
            archived_at=None, archived_by=None, updated_at=timezone.now()
        )
        if not restored:
            return False
        activity_record(
            deal=deal, actor=by, verb="deal_restored", summary="restored the deal from the archive"
        )
    deal.archived_at = deal.archived_by = None
    return True
