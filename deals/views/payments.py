"""Payment terms: the rep's request form, finance's queue, decision page and policy page."""

import copy

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deals.access import (
    deal_for_owner,
    deal_for_user,
    payment_request_for_finance,
    payment_request_for_owner,
    require_finance,
)
from deals.domain.payment_policy import breached_fields, policy_breaches
from deals.forms.lists import TeamFilterForm
from deals.forms.payments import TERM_FIELDS, PaymentCheckForm, PaymentDecisionForm, PaymentRequestForm
from deals.models import PaymentTermStatus
from deals.selectors import payments as payment_selectors
from deals.selectors.panels import PAYMENT_REQUESTS_ON_DEAL_PAGE
from deals.selectors.payments import (
    QUEUE_RELATED,
    compare_with_policy,
    finance_policies_for,
    payment_queue_items,
    payment_requests_for_deal,
    payment_requests_waiting_for,
    policy_for_team,
    with_terms_text,
)
from deals.services import payments as payment_services
from deals.services.briefings import next_meeting_start
from deals.services.payment_changes import payment_request_update
from deals.views.next_step import on_to_next_step
from negprep.errors import Invalid, Stale
from negprep.forms import show_refusal, show_stale
from teams.models import Team

PAYMENT_REQUESTS_PER_PAGE = 20


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
            payment_request = payment_services.payment_request_submit(
                deal=deal, by=request.user, **{name: form.cleaned_data[name] for name in form.Meta.fields}
            )
        except Invalid as error:
            show_refusal(form, error)
        else:
            if payment_request.auto_approved:
                done = (
                    "Within the finance policy: the terms were approved automatically and are now "
                    "the payment-terms limit of the briefing."
                )
            else:
                done = (
                    "Sent to finance: the terms are outside the policy. You will be notified of the decision."
                )
            return on_to_next_step(
                request, deal, after="payment_terms", message=done, otherwise=_payments_anchor(deal)
            )
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


@require_http_methods(["GET", "POST"])
def payment_request_edit(request, pk):
    """The owner changes a request while finance has not decided on it; the policy is checked again."""
    payment_request = payment_request_for_owner(user=request.user, pk=pk)
    deal = payment_request.deal
    if not payment_request.is_submitted or not deal.is_open:
        messages.info(
            request,
            f"{payment_services.decided_by(payment_request)}, so it can no longer be changed."
            if not payment_request.is_submitted
            else f"This deal is {deal.get_status_display().lower()}: its payment terms can no longer change.",
        )
        return redirect(_payments_anchor(deal))
    policy = policy_for_team(team=deal.team)
    form = PaymentRequestForm(
        request.POST or None,
        instance=copy.copy(payment_request),
        policy=policy,
        check_url=reverse("deals:payment_request_check", args=[deal.pk]),
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            changed = payment_request_update(request=payment_request, by=request.user, **form.cleaned_data)
        except Invalid as error:
            status = show_refusal(form, error)
        else:
            if changed.auto_approved:
                messages.success(
                    request,
                    "Within the finance policy now: the terms were approved automatically and are now "
                    "the payment-terms limit of the briefing.",
                )
            elif changed.revision == form.cleaned_data["revision"]:
                messages.info(request, "Nothing changed: the request is as it was.")
            else:
                messages.success(request, "Request changed: finance was told and decides on the new terms.")
            return redirect(_payments_anchor(deal))
    terms = form.terms() if form.is_bound else {name: getattr(payment_request, name) for name in TERM_FIELDS}
    return render(
        request,
        "deals/payment_request_form.html",
        {
            "deal": deal,
            "form": form,
            "payment_request": payment_request,
            **_check_context(policy=policy, terms=terms),
        },
        status=400 if status == 200 and form.errors else status,
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
    this = with_terms_text([payment_request])[0]
    others = payment_requests_for_deal(deal=deal, limit=PAYMENT_REQUESTS_ON_DEAL_PAGE + 1)
    context = {
        "deal": deal,
        "can_edit": False,
        "briefing": deal.briefing,
        "item": compare_with_policy(this, policy, next_meeting_start(deal=deal)),
        "policy": policy,
        "form": form or PaymentDecisionForm(policy=policy, request=payment_request),
        "can_decide": this.status == PaymentTermStatus.SUBMITTED and this.requested_by_id != request.user.pk,
        "earlier_requests": [r for r in others if r.pk != this.pk][:PAYMENT_REQUESTS_ON_DEAL_PAGE],
        "payment_request_count": deal.payment_requests.count(),
    }
    return render(request, "deals/payment_request_detail.html", context, status=status)


@require_GET
def payment_request_detail(request, pk):
    return _decision_page(request, payment_request_for_finance(user=request.user, pk=pk))


@require_POST
def payment_request_decide(request, pk):
    payment_request = payment_request_for_finance(user=request.user, pk=pk)
    form = PaymentDecisionForm(
        request.POST, policy=policy_for_team(team=payment_request.deal.team), request=payment_request
    )
    status = 400
    if form.is_valid():
        try:
            decided = payment_services.payment_request_decide(
                request=payment_request, by=request.user, **form.cleaned_data
            )
        except Stale as error:
            # The page shows the request as the rep changed it, and keeps what finance typed.
            show_stale(form, error)
            payment_request = payment_request_for_finance(user=request.user, pk=pk)
            status = 409
        except Invalid as error:
            show_refusal(form, error)
            # Decided by someone else meanwhile: the page shows their decision.
            payment_request = payment_request_for_finance(user=request.user, pk=pk)
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
    return _decision_page(request, payment_request, form=form, status=status)


# Finance's own pages ----------------------------------------------------------------


@require_GET
def finance_queue(request):
    """Every request waiting for finance, oldest first, paginated; filtered by team."""
    require_finance(user=request.user)
    policies = finance_policies_for(user=request.user)
    teams = Team.objects.filter(pk__in=[policy.team_id for policy in policies]).order_by("name")
    form = TeamFilterForm(request.GET or None, teams=teams)
    team = form.filters().get("team")
    requests = payment_requests_waiting_for(user=request.user, team_id=team.pk if team else None)
    page = Paginator(requests.select_related(*QUEUE_RELATED), PAYMENT_REQUESTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    page.object_list = payment_queue_items(requests=page.object_list)
    context = {
        "form": form,
        "page": page,
        "payment_queue": page.object_list,
        "payment_queue_count": page.paginator.count,
        "finance_policies": policies,
        "filtered": team is not None,
    }
    return render(request, "deals/finance_queue.html", context)


@require_GET
def finance_policy(request):
    require_finance(user=request.user)
    return render(
        request, "deals/finance_policy.html", {"finance_policies": finance_policies_for(user=request.user)}
    )


@require_GET
def deal_payment_requests(request, pk):
    """Every payment-term request of the deal, newest first, paginated."""
    deal = deal_for_user(user=request.user, pk=pk)
    page = Paginator(payment_selectors.deal_payment_requests(deal=deal), PAYMENT_REQUESTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    page.object_list = with_terms_text(list(page.object_list))
    context = {"deal": deal, "page": page, "payment_requests": page.object_list, "can_edit": False}
    return render(request, "deals/deal_payment_requests.html", context)
