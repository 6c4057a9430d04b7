"""Writes about payment terms: requests checked against the team's finance policy, and finance's decisions.

A payment-term request is finance's consultation for the deal: within-policy
requests are approved on the spot; the others wait for a finance member of the
deal's team. Approved or countered terms become the payment-terms limit of the
deal's briefing.
"""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from deals.access import can_edit_deal, is_finance
from deals.domain.payment_policy import (
    approval_problem,
    bounds_problems,
    briefing_payment_terms,
    counter_problems,
    granted_terms,
    justification_problem,
    policy_breaches,
    terms_summary,
)
from deals.models import (
    Briefing,
    Deal,
    FinancePolicy,
    PaymentTermRequest,
    PaymentTermStatus,
    field_label,
)
from deals.services.activity import activity_record
from deals.services.briefings import next_meeting_start
from deals.services.readiness import readiness_refresh
from deals.services.webhooks import webhook_emit
from negprep.errors import Invalid, NotAllowed, Stale
from negprep.versioning import mark_saved
from teams.models import Role, Team, User
from teams.notifications import notify
from teams.selectors import members_with_role

DECISIONS = {
    "approve": PaymentTermStatus.APPROVED,
    "counter": PaymentTermStatus.COUNTERED,
    "reject": PaymentTermStatus.REJECTED,
}


def finance_policy_for(*, team: Team) -> FinancePolicy:
    """The team's policy; a team without one gets the default policy, created on first use."""
    policy, _ = FinancePolicy.objects.get_or_create(team=team)
    return policy


def apply_to_briefing(*, request: PaymentTermRequest, deal: Deal, by: User) -> dict:
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


def payment_request_url(request: PaymentTermRequest) -> str:
    return reverse("deals:payment_request", args=[request.pk])


def _deal_payments_url(deal: Deal) -> str:
    return reverse("deals:detail", args=[deal.pk]) + "#payment-terms"


def as_decimal(value):
    """The value as a Decimal when it is a number; anything else as it is, for the bounds to refuse."""
    try:
        return Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return value


def check_bounds(*, net_days, deposit_pct, instalments, customer_reason: str) -> None:
    if problems := bounds_problems(net_days=net_days, deposit_pct=deposit_pct, instalments=instalments):
        raise Invalid(problems)
    if not customer_reason:
        raise Invalid("Say why the customer asks for these terms.", field="customer_reason")


def check_policy(
    *,
    deal: Deal,
    by: User,
    net_days: int,
    deposit_pct: Decimal,
    instalments: int,
    early_payment_discount: bool,
    justification: str,
    **_others,
) -> tuple[list[str], list[User]]:
    """The policy's breaches of these terms and the finance members who could decide on them;
    ``Invalid`` when terms outside the policy lack a justification or anyone to decide."""
    policy = finance_policy_for(team=deal.team)
    breaches = policy_breaches(
        policy=policy,
        net_days=net_days,
        deposit_pct=deposit_pct,
        instalments=instalments,
        early_payment_discount=early_payment_discount,
    )
    if problem := justification_problem(breaches=breaches, justification=justification):
        raise Invalid(problem, field="justification")
    finance = [member for member in members_with_role(team=deal.team, role=Role.FINANCE) if member != by]
    if breaches and not finance:
        raise Invalid(
            "These terms are outside the finance policy and your team has no finance member who "
            "could decide on them. Ask your administrator to add one."
        )
    return breaches, finance


def terms_of(request: PaymentTermRequest) -> str:
    return terms_summary(
        net_days=request.net_days,
        deposit_pct=request.deposit_pct,
        instalments=request.instalments,
        early_payment_discount=request.early_payment_discount,
        conditions=request.other_conditions,
    )


def ask_finance(*, request: PaymentTermRequest, deal: Deal, by: User, finance: list[User], again: bool):
    notify(
        recipients=finance,
        kind="payment_request_submitted",
        context={
            "deal": deal,
            "request": request,
            "actor": by,
            "terms": terms_of(request),
            "breaches": request.policy_breaches,
            "again": again,
            "due": next_meeting_start(deal=deal),
        },
        url=payment_request_url(request),
        team=deal.team,
    )


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
    deposit_pct = as_decimal(deposit_pct)
    with transaction.atomic():
        # Locking the deal serialises requests, so there is never a second pending one.
        deal = Deal.objects.select_for_update().select_related("team", "owner", "customer").get(pk=deal.pk)
        if not can_edit_deal(user=by, deal=deal):
            raise NotAllowed("Only the deal's owner requests payment terms.")
        if not deal.is_open:
            raise Invalid(
                f"This deal is {deal.get_status_display().lower()}: payment terms can no longer be requested."
            )
        check_bounds(
            net_days=net_days,
            deposit_pct=deposit_pct,
            instalments=instalments,
            customer_reason=customer_reason,
        )
        if PaymentTermRequest.objects.filter(deal=deal, status=PaymentTermStatus.SUBMITTED).exists():
            raise Invalid(
                "A payment-term request for this deal is already waiting for finance. "
                "Wait for its decision before asking again."
            )
        breaches, finance = check_policy(
            deal=deal,
            by=by,
            net_days=net_days,
            deposit_pct=deposit_pct,
            instalments=instalments,
            early_payment_discount=early_payment_discount,
            justification=justification,
        )
        now = timezone.now()
        request = PaymentTermRequest.objects.create(
            deal=deal,
            requested_by=by,
            updated_by=by,
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
        terms = terms_of(request)
        if breaches:
            activity_record(
                deal=deal,
                actor=by,
                verb="payment_terms_requested",
                summary=f"asked finance for {terms} (outside policy: {'; '.join(breaches)})",
            )
            ask_finance(request=request, deal=deal, by=by, finance=finance, again=False)
        else:
            changes = apply_to_briefing(request=request, deal=deal, by=by)
            activity_record(
                deal=deal,
                actor=by,
                verb="payment_terms_approved",
                summary=f"requested {terms}: within the finance policy, approved automatically",
                changes=changes,
            )
        readiness_refresh(deal=deal)
    return request


def decided_by(request: PaymentTermRequest) -> str:
    """Who decided the request, what and when, for whoever comes too late to change or decide it."""
    if request.auto_approved:
        return "This request was approved automatically: it is within the finance policy"
    when = ""
    if request.decided_at:
        local = timezone.localtime(request.decided_at)
        when = f" on {date_format(local, 'j M')} at {local:%H:%M}"
    who = request.reviewer or "Finance"
    return f"{who} already {request.get_status_display().lower()} this request{when}"


_DECISION_RELATED = ("deal__team", "deal__owner", "deal__customer", "requested_by", "reviewer", "updated_by")


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
    revision: int | None = None,
) -> PaymentTermRequest:
    """Finance approves, counters or rejects a pending request, always with a note for the rep.
    ``revision`` is that of the request finance read: a request the rep changed since is not
    decided (``Stale``), nor one another finance member decided first.

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
        # The deal, then the request: the order the rep's changes take too.
        Deal.objects.select_for_update().filter(pk=request.deal_id).first()
        current = (
            PaymentTermRequest.objects.select_for_update(of=("self",))
            .select_related(*_DECISION_RELATED)
            .get(pk=request.pk)
        )
        deal = current.deal
        if not is_finance(user=by, team_id=deal.team_id):
            raise NotAllowed("Only finance of the deal's team decides on payment terms.")
        if current.requested_by_id == by.pk:
            raise NotAllowed("You asked for these terms, so another finance member must decide on them.")
        if decision not in DECISIONS:
            raise Invalid("Choose whether to approve, counter or reject the request.")
        if current.status != PaymentTermStatus.SUBMITTED:
            raise Invalid(f"{decided_by(current)}: there is nothing left to decide. Nothing was saved.")
        if revision is not None and current.revision != revision:
            raise Stale(
                f"{current.updated_by or current.requested_by or 'The rep'} changed the request after you "
                "opened it: the terms shown now are the new ones. Nothing was decided: read them and "
                "decide again.",
                current=current,
            )
        if not note:
            raise Invalid("Add a note for the rep: every decision on payment terms needs one.")
        policy = finance_policy_for(team=deal.team)
        if decision == "approve":
            if problem := approval_problem(policy=policy, net_days=current.net_days):
                raise Invalid(problem)
            # Requests from before the bounds existed may hold absurd numbers: counter or reject those.
            if problems := bounds_problems(
                net_days=current.net_days, deposit_pct=current.deposit_pct, instalments=current.instalments
            ):
                raise Invalid(" ".join(problems.values()))
        if decision == "counter":
            # Terms the counter-offer leaves out stay as requested, and must keep to the policy too.
            deposit = current.deposit_pct if counter_deposit_pct is None else as_decimal(counter_deposit_pct)
            instalments = current.instalments if counter_instalments is None else counter_instalments
            discount = (
                current.early_payment_discount
                if counter_early_payment_discount is None
                else counter_early_payment_discount
            )
            if problems := counter_problems(
                policy=policy,
                net_days=counter_net_days,
                deposit_pct=deposit,
                instalments=instalments,
                early_payment_discount=discount,
                deposit_as_requested=counter_deposit_pct is None,
                instalments_as_requested=counter_instalments is None,
            ):
                raise Invalid(problems)
            current.counter_net_days = counter_net_days
            current.counter_deposit_pct = deposit
            current.counter_instalments = instalments
            current.counter_early_payment_discount = discount
            current.counter_conditions = counter_conditions
        current.status = DECISIONS[decision]
        current.reviewer = by
        current.decision_note = note
        current.decided_at = timezone.now()
        mark_saved(current, by=by)
        current.save()

        changes = {}
        if current.status in (PaymentTermStatus.APPROVED, PaymentTermStatus.COUNTERED):
            changes = apply_to_briefing(request=current, deal=deal, by=by)
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
        webhook_emit(
            type="payment_request.decided",
            deal=deal,
            data={"payment_request": {"id": current.pk, "status": current.status}},
        )
        readiness_refresh(deal=deal)
    return current
