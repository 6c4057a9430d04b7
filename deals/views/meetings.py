import copy

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.views.decorators.http import require_http_methods, require_POST

from deals.access import deal_for_owner, meeting_for_owner
from deals.forms.meetings import MeetingCancelForm, MeetingForm
from deals.models import Deal, Meeting, OnCallStatus
from deals.selectors.panels import meetings_context, timeline_context
from deals.selectors.readiness import readiness_for_deal
from deals.services import meetings as meeting_services
from negprep.errors import Invalid
from negprep.forms import show_refusal


def _deal_meetings_url(deal: Deal) -> str:
    return reverse("deals:detail", args=[deal.pk]) + "#meetings"


def _when(meeting: Meeting) -> str:
    return formats.date_format(timezone.localtime(meeting.starts_at), "D j M Y, H:i")


def _closed_deal_refusal(request, deal: Deal):
    messages.warning(
        request,
        f"This deal is {deal.get_status_display().lower()}: its meetings can no longer be arranged.",
    )
    return redirect(_deal_meetings_url(deal))


@require_http_methods(["GET", "POST"])
def meeting_add(request, pk):
    deal = deal_for_owner(user=request.user, pk=pk)
    if not deal.is_open:
        return _closed_deal_refusal(request, deal)
    # Most follow-up meetings are with the same people, at the next stage or the same one.
    last = deal.meetings.filter(cancelled=False).order_by("-starts_at").first()
    initial = {"contacts": list(last.contacts.active()), "stage": last.stage} if last else {}
    form = MeetingForm(request.POST or None, deal=deal, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = meeting_services.meeting_add(
                deal=deal,
                by=request.user,
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                stage=data["stage"],
                location=data["location"],
                video_link=data["video_link"],
                contacts=data["contacts"],
            )
        except Invalid as error:
            show_refusal(form, error)
        else:
            messages.success(request, f"Meeting scheduled for {_when(meeting)}.")
            return redirect(_deal_meetings_url(deal))
    return render(request, "deals/meeting_form.html", {"deal": deal, "form": form, "meeting": None})


@require_http_methods(["GET", "POST"])
def meeting_edit(request, pk):
    meeting = meeting_for_owner(user=request.user, pk=pk)
    deal = meeting.deal
    if not deal.is_open:
        return _closed_deal_refusal(request, deal)
    if meeting.cancelled:
        messages.warning(request, "This meeting was cancelled; schedule a new one instead.")
        return redirect(_deal_meetings_url(deal))
    # The form validates a copy, so the page keeps the stored meeting on errors.
    form = MeetingForm(request.POST or None, instance=copy.copy(meeting), deal=deal)
    status = 200
    if request.method == "POST" and form.is_valid():
        # The service saves (and counts a revision) only when something really changed.
        saved_at = meeting.revision
        try:
            meeting = meeting_services.meeting_move(
                meeting=meeting,
                by=request.user,
                revision=form.cleaned_data["revision"],
                **{name: form.cleaned_data[name] for name in MeetingForm.Meta.fields},
            )
        except Invalid as error:
            status = show_refusal(form, error)
        else:
            if meeting.revision != saved_at:
                messages.success(request, f"Meeting saved: {_when(meeting)}.")
                stale = [
                    c for c in meeting.on_calls.exclude(status=OnCallStatus.DECLINED) if not c.covers(meeting)
                ]
                if stale:
                    names = ", ".join(str(c.member) for c in stale)
                    messages.warning(
                        request,
                        f"The on-call cover of {names} was for the old time and no longer counts: "
                        "ask again for the new one. Your colleagues on call or coming along were told "
                        "of the move.",
                    )
            else:
                messages.info(request, "Nothing changed.")
            return redirect(_deal_meetings_url(deal))
    return render(
        request, "deals/meeting_form.html", {"deal": deal, "form": form, "meeting": meeting}, status=status
    )


@require_POST
def meeting_cancel(request, pk):
    meeting = meeting_for_owner(user=request.user, pk=pk)
    deal = meeting.deal
    form = MeetingCancelForm(request.POST)
    if not form.is_valid():
        notice = ("danger", "Keep the reason under 300 characters; the meeting was not cancelled.")
    elif meeting_services.meeting_cancel(
        meeting=meeting, by=request.user, reason=form.cleaned_data["reason"]
    ):
        notice = ("success", f"The meeting of {_when(meeting)} was cancelled.")
    else:
        notice = ("info", "This meeting was already cancelled; nothing changed.")

    if request.htmx:
        # Swap the meetings in place and refresh the readiness and the timeline beside them.
        deal.refresh_from_db()
        context = {
            **meetings_context(deal=deal, user=request.user),
            **timeline_context(deal=deal),
            "readiness": readiness_for_deal(deal),
            "meetings_notice": notice,
            "timeline_oob": True,
            "readiness_oob": True,
        }
        parts = ["deals/partials/meetings.html", "deals/partials/timeline.html"]
        if deal.is_open:
            parts.append("deals/partials/readiness_checklist.html")
        return HttpResponse("".join(render_to_string(name, context, request) for name in parts))
    getattr(messages, notice[0] if notice[0] != "danger" else "error")(request, notice[1])
    return redirect(_deal_meetings_url(deal))
