from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deals.access import (
    co_negotiator_request_for_user,
    meeting_for_owner,
    on_call_for_owner,
    on_call_for_user,
)
from deals.forms.cover import CoNegotiatorForm, CoverAnswerForm, OnCallForm
from deals.models import CoNegotiatorRequest, OnCall
from deals.selectors.cover import cover_requests, overlapping_on_calls
from deals.services import cover as cover_services
from negprep.errors import Invalid
from negprep.forms import show_refusal
from negprep.versioning import was_shown


def _back(request, deal, *, tab: str = ""):
    """Back where the answer was given: the cover list (on its ``tab``), home, or the deal."""
    where = request.POST.get("next")
    if where == "cover":
        url = reverse("deals:cover_invitations")
        return redirect(f"{url}?show={tab}" if tab else url)
    if where == "home" or deal is None:
        return redirect("home")
    return redirect("deals:detail", pk=deal.pk)


def _on_call_page(request, meeting, form, *, on_call=None, status=200):
    return render(
        request,
        "deals/on_call_form.html",
        {
            "meeting": meeting,
            "deal": meeting.deal,
            "form": form,
            "on_call": on_call,
            # Colleagues already committed at that time, shown beside the form.
            "busy": overlapping_on_calls(
                team=meeting.deal.team,
                starts_at=meeting.starts_at,
                ends_at=meeting.ends_at,
                exclude_meeting=meeting,
            ),
        },
        status=400 if status == 200 and form.errors else status,
    )


@require_http_methods(["GET", "POST"])
def on_call_new(request, pk):
    meeting = meeting_for_owner(user=request.user, pk=pk)
    form = OnCallForm(request.POST or None, deal=meeting.deal)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            cover_services.on_call_request(
                meeting=meeting,
                by=request.user,
                member=data["member"],
                topic=data["topic"],
                phone=data["phone"],
                available_from=data["available_from"],
                available_to=data["available_to"],
            )
        except Invalid as error:
            show_refusal(form, error)
        else:
            messages.success(request, f"{data['member']} has been asked to be on call.")
            return redirect("deals:detail", pk=meeting.deal_id)
    return _on_call_page(request, meeting, form)


@require_http_methods(["GET", "POST"])
def on_call_edit(request, pk):
    """The owner changes the details of on-call cover; changed details ask the colleague again."""
    on_call = on_call_for_owner(user=request.user, pk=pk)
    meeting = on_call.meeting
    if meeting.cancelled or meeting.ends_at <= timezone.now():
        messages.info(request, "This meeting is cancelled or over: its cover can no longer change.")
        return redirect("deals:detail", pk=meeting.deal_id)
    form = OnCallForm(request.POST or None, deal=meeting.deal, on_call=on_call)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            changed = cover_services.on_call_update(on_call=on_call, by=request.user, **form.cleaned_data)
        except Invalid as error:
            status = show_refusal(form, error)
        else:
            messages.success(
                request,
                f"{on_call.member} has been asked again, with these details."
                if changed
                else "Nothing changed: the details are as they were.",
            )
            return redirect("deals:detail", pk=meeting.deal_id)
    return _on_call_page(request, meeting, form, on_call=on_call, status=status)


def _answer(request, pk, *, model, gate, respond, argument: str):
    """Accept or decline on-call cover or a co-negotiator request (``model``): ``gate`` reads it,
    ``respond`` answers it (given as ``argument``); only the colleague asked may, on the details
    they read."""
    form = CoverAnswerForm(request.POST)
    tab = "co_negotiator" if model is CoNegotiatorRequest else ""
    try:
        cover_request = gate(user=request.user, pk=pk)
    except Http404:
        # The page showed this request to this user, and it was removed since: say so. Anyone
        # else gets the 404 (the key is signed, so it cannot be made up for a guessed id).
        if not was_shown(request.POST.get("shown"), model=model, pk=pk, to_id=request.user.pk):
            raise
        messages.error(request, cover_services.GONE)
        return _back(request, None, tab=tab)
    deal = cover_request.meeting.deal
    if not form.is_valid():
        messages.error(request, CoverAnswerForm.OUT_OF_DATE)
        return _back(request, deal, tab=tab)
    accept = form.cleaned_data["accept"]
    try:
        respond(
            **{argument: cover_request},
            by=request.user,
            accept=accept,
            revision=form.cleaned_data["revision"],
            status=form.cleaned_data["status"],
        )
    except Invalid as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"Thanks: {deal.owner} has been told." if accept else f"Declined; {deal.owner} has been told.",
        )
    return _back(request, deal, tab=tab)


@require_POST
def on_call_answer(request, pk):
    return _answer(
        request,
        pk,
        model=OnCall,
        gate=on_call_for_user,
        respond=cover_services.on_call_respond,
        argument="on_call",
    )


@require_POST
def on_call_delete(request, pk):
    on_call = on_call_for_user(user=request.user, pk=pk)
    cover_services.on_call_remove(on_call=on_call, by=request.user)
    messages.success(request, "The on-call request was removed.")
    return redirect("deals:detail", pk=on_call.meeting.deal_id)


@require_POST
def co_negotiator_new(request, pk):
    meeting = meeting_for_owner(user=request.user, pk=pk)
    form = CoNegotiatorForm(request.POST, deal=meeting.deal)
    if not form.is_valid():
        messages.error(request, "Choose a colleague of the team to come along.")
        return redirect("deals:detail", pk=meeting.deal_id)
    try:
        cover_services.co_negotiator_request(
            meeting=meeting, by=request.user, member=form.cleaned_data["member"]
        )
    except Invalid as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{form.cleaned_data['member']} has been asked to come along.")
    return redirect("deals:detail", pk=meeting.deal_id)


@require_POST
def co_negotiator_answer(request, pk):
    return _answer(
        request,
        pk,
        model=CoNegotiatorRequest,
        gate=co_negotiator_request_for_user,
        respond=cover_services.co_negotiator_respond,
        argument="request",
    )


COVER_REQUESTS_PER_PAGE = 25


@require_GET
def cover_requests_list(request):
    """What colleagues asked of the user for upcoming meetings, soonest first and paginated: on-call
    cover, or (``show=co_negotiator``) coming along."""
    kind = "co_negotiator" if request.GET.get("show") == "co_negotiator" else "on_call"
    page = Paginator(cover_requests(user=request.user, kind=kind), COVER_REQUESTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "deals/cover_requests.html", {"page": page, "kind": kind})
