"""The rep changes a payment-term request while it waits for finance (``services.payments``
asks and decides)."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from deals.access import can_edit_deal
from deals.models import Deal, PaymentTermRequest, PaymentTermStatus, field_label
from deals.services.activity import activity_record
from deals.services.payments import (
    apply_to_briefing,
    as_decimal,
    ask_finance,
    check_bounds,
    check_policy,
    decided_by,
    terms_of,
)
from deals.services.readiness import readiness_refresh
from negprep.errors import Invalid, NotAllowed
from negprep.versioning import mark_saved, refuse_stale
from teams.models import User

REQUEST_FIELDS = (
    "net_days",
    "deposit_pct",
    "instalments",
    "early_payment_discount",
    "other_conditions",
    "customer_reason",
    "justification",
)


def _json_value(value):
    return str(value) if isinstance(value, Decimal) else value


def payment_request_update(
    *, request: PaymentTermRequest, by: User, revision: int | None = None, **terms
) -> PaymentTermRequest:
    """The owner changes a request while it waits for finance; the policy is checked again, so
    terms now within it are approved at once and the others go to finance again. ``Stale`` when
    the request was saved after ``revision`` was read; refused once finance decided."""
    unknown = set(terms) - set(REQUEST_FIELDS)
    if unknown:
        raise TypeError(f"payment_request_update cannot set: {', '.join(sorted(unknown))}")
    for name in ("other_conditions", "customer_reason", "justification"):
        terms[name] = (terms.get(name) or "").strip()
    terms["deposit_pct"] = as_decimal(terms["deposit_pct"])
    with transaction.atomic():
        # The deal, then the request, as finance's decision locks them.
        deal = Deal.objects.select_for_update(of=("self",)).select_related("team", "owner", "customer")
        deal = deal.get(pk=request.deal_id)
        if not can_edit_deal(user=by, deal=deal):
            raise NotAllowed("Only the deal's owner changes its payment-term requests.")
        current = (
            PaymentTermRequest.objects.select_for_update(of=("self",))
            .select_related("updated_by", "reviewer")
            .get(pk=request.pk)
        )
        if current.status != PaymentTermStatus.SUBMITTED:
            raise Invalid(f"{decided_by(current)}, so it can no longer be changed. Nothing was saved.")
        if not deal.is_open:
            raise Invalid(
                f"This deal is {deal.get_status_display().lower()}: payment terms can no longer be requested."
            )
        refuse_stale(current, revision, what="this payment-term request")
        check_bounds(
            net_days=terms["net_days"],
            deposit_pct=terms["deposit_pct"],
            instalments=terms["instalments"],
            customer_reason=terms["customer_reason"],
        )
        breaches, finance = check_policy(deal=deal, by=by, **terms)
        changes = {
            field_label(PaymentTermRequest, name): {
                "old": _json_value(getattr(current, name)),
                "new": _json_value(value),
            }
            for name, value in terms.items()
            if getattr(current, name) != value
        }
        if not changes:
            return current
        for name, value in terms.items():
            setattr(current, name, value)
        current.outside_policy = bool(breaches)
        current.policy_breaches = breaches
        if not breaches:
            current.auto_approved = True
            current.status = PaymentTermStatus.APPROVED
            current.decided_at = timezone.now()
        current.save(
            update_fields=[
                *terms,
                "outside_policy",
                "policy_breaches",
                "auto_approved",
                "status",
                "decided_at",
                *mark_saved(current, by=by),
            ]
        )
        terms_text = terms_of(current)
        if breaches:
            activity_record(
                deal=deal,
                actor=by,
                verb="payment_terms_changed",
                summary=f"changed the request to finance to {terms_text} "
                f"(outside policy: {'; '.join(breaches)})",
                changes=changes,
            )
            ask_finance(request=current, deal=deal, by=by, finance=finance, again=True)
        else:
            changes.update(apply_to_briefing(request=current, deal=deal, by=by))
            activity_record(
                deal=deal,
                actor=by,
                verb="payment_terms_approved",
                summary=f"changed the request to {terms_text}: within the finance policy, "
                "approved automatically",
                changes=changes,
            )
        readiness_refresh(deal=deal)
    return current
