"""Delegations: a manager who is away lets another manager of the team decide on approvals, for a
date range; the manager who delegated moves its dates or ends it."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from deals.access import delegation_for_manager, delegations_for, require_manager
from deals.forms.briefings import DelegationDatesForm, DelegationForm
from deals.models import ApprovalDelegation
from deals.services import briefings as briefing_services
from negprep.errors import Invalid
from negprep.forms import show_refusal
from negprep.versioning import was_shown


@require_http_methods(["GET", "POST"])
def delegations(request):
    require_manager(user=request.user)
    form = DelegationForm(request.POST or None, manager=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                delegation = briefing_services.delegation_create(
                    team=form.cleaned_data["team"],
                    manager=request.user,
                    delegate=form.cleaned_data["delegate"],
                    starts_on=form.cleaned_data["starts_on"],
                    ends_on=form.cleaned_data["ends_on"],
                )
        except Invalid as error:
            show_refusal(form, error)
        else:
            messages.success(
                request,
                f"{delegation.delegate} decides on approvals on your behalf from "
                f"{delegation.starts_on:%d %b %Y} to {delegation.ends_on:%d %b %Y}.",
            )
            return redirect("deals:delegations")
    return render(
        request,
        "deals/delegations.html",
        {
            "form": form,
            "delegations": delegations_for(user=request.user),
            "acting_for": [d for d in delegations_for(user=request.user) if d.delegate_id == request.user.pk],
        },
        status=400 if form.errors else 200,
    )


class _Gone(Exception):
    """The delegation a page showed this user was ended since."""


def _delegation(request, pk) -> ApprovalDelegation:
    """The delegation, for a manager who gave or received it; 404 for anyone else, or ``_Gone``
    when it was ended since a page showed it to this user (the page's key is signed, so it cannot
    be made up for a guessed id)."""
    require_manager(user=request.user)
    try:
        return delegation_for_manager(user=request.user, pk=pk)
    except Http404:
        if was_shown(request.POST.get("shown"), model=ApprovalDelegation, pk=pk, to_id=request.user.pk):
            raise _Gone from None
        raise


def _gone(request):
    messages.info(request, briefing_services.DELEGATION_GONE)
    return redirect("deals:delegations")


@require_http_methods(["GET", "POST"])
def delegation_edit(request, pk):
    """The manager who delegated moves the dates."""
    try:
        delegation = _delegation(request, pk)
    except _Gone:
        return _gone(request)
    if delegation.manager_id != request.user.pk:
        raise PermissionDenied("Only the manager who delegated can change or end the delegation.")
    form = DelegationDatesForm(request.POST or None, delegation=delegation)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            changed = briefing_services.delegation_update(
                delegation=delegation, by=request.user, **form.cleaned_data
            )
        except Invalid as error:
            status = show_refusal(form, error)
        else:
            data = form.cleaned_data
            messages.success(
                request,
                f"{delegation.delegate} decides on your behalf from {data['starts_on']:%d %b %Y} "
                f"to {data['ends_on']:%d %b %Y}."
                if changed
                else "Nothing changed: the dates are as they were.",
            )
            return redirect("deals:delegations")
    return render(
        request,
        "deals/delegation_form.html",
        {"form": form, "delegation": delegation},
        status=400 if status == 200 and form.errors else status,
    )


@require_POST
def delegation_delete(request, pk):
    try:
        delegation = _delegation(request, pk)
    except _Gone:
        return _gone(request)
    try:
        briefing_services.delegation_delete(delegation=delegation, by=request.user)
    except Invalid as error:
        messages.info(request, str(error))
    else:
        messages.success(request, "The delegation was ended.")
    return redirect("deals:delegations")
