"""Writes about payment terms: requests checked against the team's finance policy, and finance's decisions.

Within-policy requests are approved on the spot; the others wait for a
finance member of the deal's team. Approved or countered terms become the
payment-terms limit of the deal's briefing.
"""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from deals.access import can_edit_deal, is_finance
from deals.models import Briefing, Deal, FinancePolicy, PaymentTermRequest, PaymentTermStatus, field_label
from deals.readiness import readiness_refresh
from deals.services.activity import activity_record
from deals.services.briefings import BriefingError, NotAllowed, next_meeting_start
from negprep.readable import pct
from teams.models import Role, Team, User
from teams.notifications import notify
from teams.selectors import members_with_role

DECISIONS = {
    "approve": PaymentTermStatus.APPROVED,
    "counter": PaymentTermStatus.COUNTERED,
    "reject": PaymentTermStatus.REJECTED,
}
_PAYMENT_TERMS_MAX = Briefing._meta.get_field("payment_terms").max_length

# Bounds on any terms whatever the team's policy says: beyond them a number is a
# typo, not a negotiating position, and must never reach finance.
MAX_NET_DAYS = 365
MAX_INSTALMENTS = 60


def _checks(*, policy: FinancePolicy, net_days, deposit_pct, instalments, early_payment_discount):
    """(field, reason) for every term outside the policy; exactly at a limit is within."""
    if net_days > policy.max_net_days:
        yield (
            "net_days",
            f"{net_days} net days exceed the standard {policy.standard_net_days} "
            f"and the most finance may grant ({policy.max_net_days})",
        )
    elif net_days > policy.standard_net_days:
        yield "net_days", f"{net_days} net days exceed the standard {policy.standard_net_days}"
    if deposit_pct < policy.min_deposit_pct:
        yield (
            "deposit_pct",
            f"deposit {pct(deposit_pct)} % is below the minimum {pct(policy.min_deposit_pct)} %",
        )
    if instalments > policy.max_instalments:
        yield "instalments", f"{instalments} instalments exceed the maximum {policy.max_instalments}"
    if early_payment_discount and not policy.early_payment_discount_allowed:
        yield "early_payment_discount", "early-payment discount is not allowed"


def policy_breaches(
    *,
    policy: FinancePolicy,
    net_days: int,
    deposit_pct: Decimal,
    instalments: int,
    early_payment_discount: bool,
) -> list[str]:
    """Why the terms are outside the policy, one reason per term; empty when they are within."""
    return [
        reason
        for _, reason in _checks(
            policy=policy,
            net_days=net_days,
            deposit_pct=deposit_pct,
            instalments=instalments,
            early_payment_discount=early_payment_discount,
        )
    ]


def breached_fields(
    *,
    policy: FinancePolicy,
    net_days: int,
    deposit_pct: Decimal,
    instalments: int,
    early_payment_discount: bool,
) -> set[str]:
    """The names of the terms outside the policy, for highlighting them."""
    return {
        name
        for name, _ in _checks(
            policy=policy,
            net_days=net_days,
            deposit_pct=deposit_pct,
            instalments=instalments,
            early_payment_discount=early_payment_discount,
        )
    }


def finance_policy_for(*, team: Team) -> FinancePolicy:
    """The team's policy; a team without one gets the default policy, created on first use."""
    policy, _ = FinancePolicy.objects.get_or_create(team=team)
    return policy


def terms_summary(
    *, net_days: int, deposit_pct, instalments: int, early_payment_discount: bool, conditions: str = ""
) -> str:
    """The terms in one line: "60 days net, 20 % deposit, 2 instalments; early-payment discount"."""
    parts = [f"{net_days} days net"]
    parts.append(f"{pct(deposit_pct)} % deposit" if deposit_pct else "no deposit")
    if instalments > 1:
        parts.append(f"{instalments} instalments")
    text = ", ".join(parts)
    if early_payment_discount:
        text += "; early-payment discount"
    if conditions := " ".join((conditions or "").split()):
        text += f"; {conditions}"
    return text


def granted_terms(request: PaymentTermRequest) -> dict:
    """The terms finance granted: the counter terms of a counter-offer, else the requested ones."""
    countered = request.status == PaymentTermStatus.COUNTERED
    return {
        "net_days": request.counter_net_days if countered else request.net_days,
        "deposit_pct": request.counter_deposit_pct if countered else request.deposit_pct,
        "instalments": request.counter_instalments if countered else request.instalments,
        "early_payment_discount": request.counter_early_payment_discount
        if countered and request.counter_early_payment_discount is not None
        else request.early_payment_discount,
        "conditions": request.counter_conditions if countered else request.other_conditions,
    }


def briefing_payment_terms(request: PaymentTermRequest) -> str:
    """What the briefing's payment-terms limit says once finance's decision (or the policy) granted terms."""
    if request.auto_approved:
        source = "within the finance policy (approved automatically)"
    else:
        verb = "countered" if request.status == PaymentTermStatus.COUNTERED else "approved"
        source = f"{verb} by finance ({request.reviewer})"
    suffix = f" — {source}"
    terms = terms_summary(**granted_terms(request))
    room = _PAYMENT_TERMS_MAX - len(suffix)
    if len(terms) > room:
        terms = terms[: room - 1].rstrip() + "…"
    return terms + suffix


def _apply_to_briefing(*, request: PaymentTermRequest, deal: Deal, by: User) -> dict:
    """Write the granted terms into the briefing's limits; returns the change for the timeline.

    A direct UPDATE that bumps the revision: whoever has the briefing open
    gets the stale-save message instead of overwriting finance's terms. It
    does not go through ``briefing_save``, which only the owner may call.
    """
    briefing = Briefing.objects.select_for_update().filter(deal=deal).first()
    if briefing is None:
        return {}
    new = briefing_payment_terms(request)
    Briefing.objects.filter(pk=briefing.pk).update(
        payment_terms=new, revision=F("revision") + 1, updated_by=by, updated_at=timezone.now()
    )
    if briefing.payment_terms == new:
        return {}
    label = field_label(Briefing, "payment_terms")
    return {label: {"old": briefing.payment_terms or None, "new": new}}


def _derive_consultations(*, deal: Deal, by: User) -> None:
    try:
        from deals.services.consultations import consultations_derive
    except ImportError:  # consultations are built in parallel; payment terms work without them
        consultations_derive = None
    if consultations_derive is not None:
        consultations_derive(deal=deal, by=by)


def payment_request_url(request: PaymentTermRequest) -> str:
    return reverse("deals:payment_request", args=[request.pk])


def _deal_payments_url(deal: Deal) -> str:
    return reverse("deals:detail", args=[deal.pk]) + "#payment-terms"


def _check_terms(*, net_days, deposit_pct, instalments) -> None:
    if net_days is None or not 0 <= net_days <= MAX_NET_DAYS:
        raise BriefingError(f"Net days must be between 0 and {MAX_NET_DAYS}.")
    if (
        deposit_pct is None
        or not deposit_pct.is_finite()
        or not Decimal("0") <= deposit_pct <= Decimal("100")
        or deposit_pct != deposit_pct.quantize(Decimal("0.01"))
    ):
        raise BriefingError("The deposit must be between 0 and 100 %, with at most two decimals.")
    if instalments is None or not 1 <= instalments <= MAX_INSTALMENTS:
        raise BriefingError(f"Instalments must be between 1 and {MAX_INSTALMENTS}.")


def _check_counter(
    *,
    policy: FinancePolicy,
    net_days,
    deposit_pct,
    instalments,
    deposit_as_requested,
    instalments_as_requested,
) -> None:
    """Finance's own offer keeps to the policy's limits on net days, deposit and instalments."""
    if net_days > policy.max_net_days:
        raise BriefingError(f"{net_days} net days exceed the most finance may grant ({policy.max_net_days}).")
    if deposit_pct < policy.min_deposit_pct:
        as_requested = " (as requested)" if deposit_as_requested else ""
        minimum = pct(policy.min_deposit_pct)
        raise BriefingError(
            f"A deposit of {pct(deposit_pct)} %{as_requested} is below the policy's minimum deposit of "
            f"{minimum} %. Counter with a deposit of at least {minimum} %."
        )
    if instalments > policy.max_instalments:
        as_requested = " (as requested)" if instalments_as_requested else ""
        maximum = policy.max_instalments
        raise BriefingError(
            f"{instalments} instalments{as_requested} exceed the policy's maximum of {maximum} instalments. "
            f"Counter with {maximum} or fewer."
        )


def _decimal_or_none(value) -> Decimal | None:
    """The value as a Decimal; ``None`` when it is missing or no number, which the checks then refuse."""
    if value is None:
        return None
    try:
        return Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return None


def payment_request_submit(
    *,
    deal: Deal,
    by: User,
    net_days: int,
    deposit_pct: Decimal,
    instalments: int,
    early_payment_discount: bool,
    other_conditions: str,
    customer_reason: str,
    justification: str,
) -> PaymentTermRequest:
    """Ask for payment terms: approved at once when within the team's policy, else sent to finance."""
    other_conditions = (other_conditions or "").strip()
    customer_reason = (customer_reason or "").strip()
    justification = (justification or "").strip()
    deposit_pct = _decimal_or_none(deposit_pct)
    with transaction.atomic():
        # Locking the deal serialises requests, so there is never a second pending one.
        deal = Deal.objects.select_for_update().select_related("team", "owner", "customer").get(pk=deal.pk)
        if not can_edit_deal(user=by, deal=deal):
            raise NotAllowed("Only the deal's owner requests payment terms.")
        if not deal.is_open:
            raise BriefingError(
                f"This deal is {deal.get_status_display().lower()}: payment terms can no longer be requested."
            )
        _check_terms(net_days=net_days, deposit_pct=deposit_pct, instalments=instalments)
        if not customer_reason:
            raise BriefingError("Say why the customer asks for these terms.")
        if PaymentTermRequest.objects.filter(deal=deal, status=PaymentTermStatus.SUBMITTED).exists():
            raise BriefingError(
                "A payment-term request for this deal is already waiting for finance. "
                "Wait for its decision before asking again."
            )
        policy = finance_policy_for(team=deal.team)
        breaches = policy_breaches(
            policy=policy,
            net_days=net_days,
            deposit_pct=deposit_pct,
            instalments=instalments,
            early_payment_discount=early_payment_discount,
        )
        if breaches and not justification:
            raise BriefingError(
                "These terms are outside the finance policy ("
                + "; ".join(breaches)
                + "): add a justification for finance."
            )
        finance = [member for member in members_with_role(team=deal.team, role=Role.FINANCE) if member != by]
        if breaches and not finance:
            raise BriefingError(
                "These terms are outside the finance policy and your team has no finance member who "
                "could decide on them. Ask your administrator to add one."
            )
        now = timezone.now()
        request = PaymentTermRequest.objects.create(
            deal=deal,
            requested_by=by,
            net_days=net_days,
            deposit_pct=deposit_pct,
            instalments=instalments,
            early_payment_discount=early_payment_discount,
            other_conditions=other_conditions,
            customer_reason=customer_reason,
            justification=justification,
            outside_policy=bool(breaches),
            policy_breaches=breaches,
            auto_approved=not breaches,
            status=PaymentTermStatus.SUBMITTED if breaches else PaymentTermStatus.APPROVED,
            decided_at=None if breaches else now,
        )
        terms = terms_summary(
            net_days=net_days,
            deposit_pct=deposit_pct,
            instalments=instalments,
            early_payment_discount=early_payment_discount,
            conditions=other_conditions,
        )
        if breaches:
            activity_record(
                deal=deal,
                actor=by,
                verb="payment_terms_requested",
                summary=f"asked finance for {terms} (outside policy: {'; '.join(breaches)})",
            )
            notify(
                recipients=finance,
                kind="payment_request_submitted",
                context={
                    "deal": deal,
                    "request": request,
                    "actor": by,
                    "terms": terms,
                    "breaches": breaches,
                    "due": next_meeting_start(deal=deal),
                },
                url=payment_request_url(request),
                team=deal.team,
            )
        else:
            changes = _apply_to_briefing(request=request, deal=deal, by=by)
            activity_record(
                deal=deal,
                actor=by,
                verb="payment_terms_approved",
                summary=f"requested {terms}: within the finance policy, approved automatically",
                changes=changes,
            )
        _derive_consultations(deal=deal, by=by)
        readiness_refresh(deal=deal)
    return request


def payment_request_decide(
    *,
    request: PaymentTermRequest,
    by: User,
    decision: str,
    note: str,
    counter_net_days: int | None = None,
    counter_deposit_pct: Decimal | None = None,
    counter_instalments: int | None = None,
    counter_early_payment_discount: bool | None = None,
    counter_conditions: str = "",
) -> PaymentTermRequest:
    """Finance approves, counters or rejects a pending request, always with a note for the rep.

    A counter-offer names at least the net days; deposit and instalments left
    out keep the requested values. Finance never grants more net days than
    the policy's maximum, and a counter-offer also keeps to the policy's
    minimum deposit and maximum instalments. Approving is finance's review of
    the rep's case, so it may grant a deposit or instalments outside the
    policy (that is why such requests go to finance), but never more net days
    than the most finance may grant.
    """
    note = (note or "").strip()
    counter_conditions = (counter_conditions or "").strip()
    with transaction.atomic():
        current = (
            PaymentTermRequest.objects.select_for_update()
            .select_related("deal", "deal__team", "deal__owner", "deal__customer", "requested_by")
            .get(pk=request.pk)
        )
        deal = current.deal
        if not is_finance(user=by, team_id=deal.team_id):
            raise NotAllowed("Only finance of the deal's team decides on payment terms.")
        if current.requested_by_id == by.pk:
            raise NotAllowed("You asked for these terms, so another finance member must decide on them.")
        if decision not in DECISIONS:
            raise BriefingError("Choose whether to approve, counter or reject the request.")
        if current.status != PaymentTermStatus.SUBMITTED:
            raise BriefingError(
                f"This request was already {current.get_status_display().lower()}; "
                "there is nothing to decide."
            )
        if not note:
            raise BriefingError("Add a note for the rep: every decision on payment terms needs one.")
        policy = finance_policy_for(team=deal.team)
        if decision == "approve":
            if current.net_days > policy.max_net_days:
                raise BriefingError(
                    f"{current.net_days} net days exceed the most finance may grant ({policy.max_net_days}). "
                    f"Counter with {policy.max_net_days} days or fewer, or reject the request."
                )
            # Requests from before the bounds existed may hold absurd numbers: counter or reject those.
            _check_terms(
                net_days=current.net_days, deposit_pct=current.deposit_pct, instalments=current.instalments
            )
        if decision == "counter":
            if counter_net_days is None:
                raise BriefingError("A counter-offer needs at least the net days finance grants.")
            deposit = (
                current.deposit_pct if counter_deposit_pct is None else _decimal_or_none(counter_deposit_pct)
            )
            instalments = current.instalments if counter_instalments is None else counter_instalments
            _check_terms(net_days=counter_net_days, deposit_pct=deposit, instalments=instalments)
            _check_counter(
                policy=policy,
                net_days=counter_net_days,
                deposit_pct=deposit,
                instalments=instalments,
                deposit_as_requested=counter_deposit_pct is None,
                instalments_as_requested=counter_instalments is None,
            )
            discount = (
                current.early_payment_discount
                if counter_early_payment_discount is None
                else counter_early_payment_discount
            )
            if discount and not policy.early_payment_discount_allowed:
                raise BriefingError(
                    "The policy allows no early-payment discount: leave it out of the counter-offer."
                )
            current.counter_net_days = counter_net_days
            current.counter_deposit_pct = deposit
            current.counter_instalments = instalments
            current.counter_early_payment_discount = discount
            current.counter_conditions = counter_conditions
        current.status = DECISIONS[decision]
        current.reviewer = by
        current.decision_note = note
        current.decided_at = timezone.now()
        current.save()

        changes = {}
        if current.status in (PaymentTermStatus.APPROVED, PaymentTermStatus.COUNTERED):
            changes = _apply_to_briefing(request=current, deal=deal, by=by)
        granted = terms_summary(**granted_terms(current))
        summary = {
            PaymentTermStatus.APPROVED: f"approved the payment terms {granted}",
            PaymentTermStatus.COUNTERED: f"countered the payment-term request with {granted}",
            PaymentTermStatus.REJECTED: "rejected the payment-term request",
        }[current.status]
        activity_record(
            deal=deal,
            actor=by,
            verb=f"payment_terms_{current.status}",
            summary=f"{summary}: {note}",
            changes=changes,
        )
        notify(
            recipients=[current.requested_by, deal.owner],
            kind="payment_request_decided",
            context={
                "deal": deal,
                "request": current,
                "actor": by,
                "granted": granted if current.status != PaymentTermStatus.REJECTED else "",
                "requested": terms_summary(
                    net_days=current.net_days,
                    deposit_pct=current.deposit_pct,
                    instalments=current.instalments,
                    early_payment_discount=current.early_payment_discount,
                    conditions=current.other_conditions,
                ),
                "note": note,
                "due": next_meeting_start(deal=deal),
            },
            url=_deal_payments_url(deal),
            team=deal.team,
        )
        _derive_consultations(deal=deal, by=by)
        _settle_finance_consultation(deal=deal, by=by, summary=f"{summary}: {note}")
        readiness_refresh(deal=deal)
    return current


def _settle_finance_consultation(*, deal: Deal, by: User, summary: str) -> None:
    """Finance's decision on the terms is its ruling: it answers the finance consultation still waiting."""
    from deals.models import UNSETTLED_CONSULTATION_STATUSES, Consultation, ConsultationStatus

    Consultation.objects.filter(
        deal=deal, department="finance", required=True, status__in=UNSETTLED_CONSULTATION_STATUSES
    ).update(
        status=ConsultationStatus.ANSWERED,
        answer=f"Answered by the payment-term decision: {summary[0].upper()}{summary[1:]}",
        answered_by=by,
        answered_at=timezone.now(),
        updated_at=timezone.now(),
    )
