from functools import partial

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deals.access import co_negotiator_request_for_user, meeting_for_owner, on_call_for_user
from deals.forms.cover import CoNegotiatorForm, OnCallForm
from deals.selectors.cover import cover_requests, overlapping_on_calls
from deals.services import cover as cover_services
from negprep.errors import Invalid
from negprep.forms import show_refusal


def _back(request, deal):
    if request.POST.get("next") == "home":
        return redirect("home")
    if request.POST.get("next") == "cover":
        return redirect("deals:cover_invitations")
    return redirect("deals:detail", pk=deal.pk)


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
    return render(
        request,
        "deals/on_call_form.html",
        {
            "meeting": meeting,
            "deal": meeting.deal,
            "form": form,
            # Colleagues already committed at that time, shown beside the form.
            "busy": overlapping_on_calls(
                team=meeting.deal.team,
                starts_at=meeting.starts_at,
                ends_at=meeting.ends_at,
                exclude_meeting=meeting,
            ),
        },
        status=400 if form.errors else 200,
    )


def _answer(request, cover_request, respond):
    """Accept or decline on-call cover or a co-negotiator request (``respond``, given the request);
    only the colleague asked may."""
    accept = request.POST.get("accept") == "1"
    try:
        respond(by=request.user, accept=accept)
    except Invalid as error:
        messages.error(request, str(error))
    else:
        owner = cover_request.meeting.deal.owner
        messages.success(
            request, f"Thanks: {owner} has been told." if accept else f"Declined; {owner} has been told."
        )
    return _back(request, cover_request.meeting.deal)


@require_POST
def on_call_answer(request, pk):
    on_call = on_call_for_user(user=request.user, pk=pk)
    return _answer(request, on_call, partial(cover_services.on_call_respond, on_call=on_call))


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
    co_request = co_negotiator_request_for_user(user=request.user, pk=pk)
    return _answer(request, co_request, partial(cover_services.co_negotiator_respond, request=co_request))


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
