"""Payment terms: the rep's request form, finance's queue, decision page and policy page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deals.access import (
    can_edit_deal,
    deal_for_owner,
    is_finance,
    payment_request_for_finance,
    require_finance,
)
from deals.forms.payments import PaymentCheckForm, PaymentDecisionForm, PaymentRequestForm
from deals.models import PaymentTermStatus
from deals.selectors_payments import (
    compare_with_policy,
    finance_policies_for,
    payment_queue_for,
    payment_requests_for_deal,
    policy_for_team,
)
from deals.services.briefings import BriefingError, NotAllowed, next_meeting_start
from deals.services.payments import (
    breached_fields,
    payment_request_decide,
    payment_request_submit,
    policy_breaches,
)
from teams.models import User


def payments_panel_context(*, deal, user: User) -> dict:
    """What the deal page needs to show its payment-term requests."""
    requests = payment_requests_for_deal(deal=deal)
    pending = any(r.status == PaymentTermStatus.SUBMITTED for r in requests)
    return {
        "payment_requests": requests,
        "can_request_payment_terms": deal.is_open and not pending and can_edit_deal(user=user, deal=deal),
        "can_decide_payment_terms": pending and is_finance(user=user, team_id=deal.team_id),
    }


def payments_home_context(*, user: User) -> dict:
    """Finance's home panel: the requests waiting for them, and their teams' policies."""
    return {
        "payment_queue": payment_queue_for(user=user),
        "finance_policies": finance_policies_for(user=user),
    }


def _payments_anchor(deal) -> str:
    return reverse("deals:detail", args=[deal.pk]) + "#payment-terms"


# The rep's request ----------------------------------------------------------------


def _check_context(*, policy, terms: dict | None) -> dict:
    return {
        "policy": policy,
        "terms_complete": terms is not None,
        "breaches": policy_breaches(policy=policy, **terms) if terms else [],
        "breached": breached_fields(policy=policy, **terms) if terms else set(),
    }


@require_http_methods(["GET", "POST"])
def payment_request_new(request, pk):
    deal = deal_for_owner(user=request.user, pk=pk)
    if not deal.is_open:
        messages.info(
            request, f"This deal is {deal.get_status_display().lower()}: no payment terms to request."
        )
        return redirect(_payments_anchor(deal))
    if deal.payment_requests.filter(status=PaymentTermStatus.SUBMITTED).exists():
        messages.info(
            request, "A payment-term request is already waiting for finance; wait for its decision."
        )
        return redirect(_payments_anchor(deal))
    policy = policy_for_team(team=deal.team)
    form = PaymentRequestForm(
        request.POST or None,
        policy=policy,
        check_url=reverse("deals:payment_request_check", args=[deal.pk]),
        initial={
            "net_days": policy.standard_net_days,
            "deposit_pct": policy.min_deposit_pct,
            "instalments": 1,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            payment_request = payment_request_submit(
                deal=deal, by=request.user, **{name: form.cleaned_data[name] for name in form.Meta.fields}
            )
        except NotAllowed as error:
            raise PermissionDenied(str(error)) from error
        except BriefingError as error:
            form.add_error(None, str(error))
        else:
            if payment_request.auto_approved:
                messages.success(
                    request,
                    "Within the finance policy: the terms were approved automatically and are now "
                    "the payment-terms limit of the briefing.",
                )
            else:
                messages.success(
                    request,
                    "Sent to finance: the terms are outside the policy. "
                    "You will be notified of the decision.",
                )
            return redirect(_payments_anchor(deal))
    terms = (
        form.terms()
        if form.is_bound
        else {
            "net_days": policy.standard_net_days,
            "deposit_pct": policy.min_deposit_pct,
            "instalments": 1,
            "early_payment_discount": False,
        }
    )
    return render(
        request,
        "deals/payment_request_form.html",
        {"deal": deal, "form": form, **_check_context(policy=policy, terms=terms)},
        status=400 if form.errors else 200,
    )


@require_GET
def payment_request_check(request, pk):
    """Which of the typed terms are outside the policy: the request form's live check (htmx)."""
    deal = deal_for_owner(user=request.user, pk=pk)
    policy = policy_for_team(team=deal.team)
    form = PaymentCheckForm(request.GET)
    terms = form.cleaned_data if form.is_valid() else None
    return render(
        request, "deals/partials/payment_policy_check.html", _check_context(policy=policy, terms=terms)
    )


# Finance's decision ---------------------------------------------------------------


def _decision_page(request, payment_request, form=None, status=200):
    deal = payment_request.deal
    policy = policy_for_team(team=deal.team)
    others = payment_requests_for_deal(deal=deal)
    this = next(r for r in others if r.pk == payment_request.pk)
    context = {
        "deal": deal,
        "can_edit": False,
        "briefing": deal.briefing,
        "item": compare_with_policy(this, policy, next_meeting_start(deal=deal)),
        "policy": policy,
        "form": form or PaymentDecisionForm(policy=policy),
        "can_decide": this.status == PaymentTermStatus.SUBMITTED and this.requested_by_id != request.user.pk,
        "earlier_requests": [r for r in others if r.pk != this.pk],
    }
    return render(request, "deals/payment_request_detail.html", context, status=status)


@require_GET
def payment_request_detail(request, pk):
    return _decision_page(request, payment_request_for_finance(user=request.user, pk=pk))


@require_POST
def payment_request_decide_view(request, pk):
    payment_request = payment_request_for_finance(user=request.user, pk=pk)
    form = PaymentDecisionForm(request.POST, policy=policy_for_team(team=payment_request.deal.team))
    if form.is_valid():
        try:
            decided = payment_request_decide(request=payment_request, by=request.user, **form.cleaned_data)
        except NotAllowed as error:
            raise PermissionDenied(str(error)) from error
        except BriefingError as error:
            form.add_error(None, str(error))
        else:
            rep = decided.requested_by
            outcome = {
                PaymentTermStatus.APPROVED: "Approved: the terms are now the briefing's payment-terms limit",
                PaymentTermStatus.COUNTERED: "Counter-offer sent: your terms are now the briefing's "
                "payment-terms limit",
                PaymentTermStatus.REJECTED: "Rejected",
            }[decided.status]
            messages.success(request, f"{outcome} ({decided.deal.title}). {rep} was notified.")
            return redirect("deals:finance_queue")
    return _decision_page(request, payment_request, form=form, status=400)


# Finance's own pages ----------------------------------------------------------------


@require_GET
def finance_queue(request):
    require_finance(user=request.user)
    return render(request, "deals/finance_queue.html", payments_home_context(user=request.user))


@require_GET
def finance_policy(request):
    require_finance(user=request.user)
    return render(
        request, "deals/finance_policy.html", {"finance_policies": finance_policies_for(user=request.user)}
    )
