"""The calendar files (.ics) of meetings and consultations.

Every download goes through the deal's access gate: whoever may not see the deal
gets 404; departments that see only the deal's summary get 403 for a meeting's
calendar file. Calendar files are built
with the ``icalendar`` library; times are written in UTC, so every calendar
shows them in its own time zone.
"""

import datetime

from django.conf import settings
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views.decorators.http import require_GET
from icalendar import Calendar, Event

from deals.access import consultation_for_user, meeting_in_full
from deals.models import Consultation, ConsultationStatus, Meeting
from deals.selectors.meeting_brief import people_for_meeting

PRODID = "-//NegPrep//Meeting brief//EN"
# A consultation has a due time, not a duration: its calendar entry is the slot before it.
CONSULTATION_SLOT = datetime.timedelta(minutes=30)


def _absolute(path: str) -> str:
    return settings.NEGPREP_BASE_URL + path


def _sequence(obj) -> int:
    """Grows with every save, so a calendar replaces the entry of a moved or cancelled meeting."""
    return max(0, int((obj.updated_at - obj.created_at).total_seconds()))


def _utc(moment: datetime.datetime) -> datetime.datetime:
    # iCalendar counts whole seconds.
    return moment.astimezone(datetime.UTC).replace(microsecond=0)


def _local(moment: datetime.datetime, fmt: str) -> str:
    return timezone.localtime(moment).strftime(fmt)


def _ics_response(event: Event, filename: str) -> HttpResponse:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    # Phone numbers of colleagues: no shared cache may keep a copy.
    patch_cache_control(response, private=True, no_store=True)
    return response


def _meeting_description(brief: dict, brief_url: str) -> str:
    meeting, deal = brief["meeting"], brief["deal"]
    lines = [f"Meeting brief: {brief_url}", f"Deal: {deal.title} — {deal.customer.name} ({deal.owner})"]
    if meeting.cancelled:
        reason = f": {meeting.cancelled_reason}" if meeting.cancelled_reason else ""
        lines.insert(0, f"CANCELLED{reason}")
    if meeting.video_link:
        lines.append(f"Video link: {meeting.video_link}")
    if brief["contacts"]:
        lines.append("We meet: " + "; ".join(_contact_line(contact) for contact in brief["contacts"]))
    zone = timezone.get_current_timezone_name()
    on_calls = brief["on_calls_confirmed"] + brief["on_calls_unconfirmed"]
    if on_calls:
        lines.append(f"On call (times in {zone}):")
        for on_call in on_calls:
            same_day = _local(on_call.available_from, "%Y%m%d") == _local(on_call.available_to, "%Y%m%d")
            until = _local(on_call.available_to, "%H:%M" if same_day else "%a %d %b %H:%M")
            window = f"{_local(on_call.available_from, '%a %d %b %H:%M')}–{until}"
            pending = "" if on_call in brief["on_calls_confirmed"] else ", not confirmed yet"
            if not on_call.covers(meeting):
                pending += ", does not cover the meeting's new time"
            lines.append(f"- {on_call.member}, {on_call.topic}: {on_call.phone} ({window}{pending})")
    else:
        lines.append("On call: nobody yet")
    names = [str(user) for user in brief["co_negotiators"]]
    names += [f"{request.member} (asked, not confirmed yet)" for request in brief["co_negotiators_asked"]]
    lines.append("Co-negotiator: " + (", ".join(names) if names else "nobody yet"))
    return "\n".join(lines)


def _contact_line(contact) -> str:
    return f"{contact.name}, {contact.title}" if contact.title else contact.name


def _meeting_event(meeting: Meeting, brief: dict) -> Event:
    deal = meeting.deal
    brief_url = _absolute(reverse("deals:meeting_brief", args=[meeting.pk]))
    location = meeting.location or meeting.video_link
    return Event.new(
        uid=f"meeting-{meeting.pk}@negprep",
        summary=f"{meeting.get_stage_display()} meeting: {deal.title} — {deal.customer.name}",
        start=_utc(meeting.starts_at),
        end=_utc(meeting.ends_at),
        location=location or None,
        description=_meeting_description(brief, brief_url),
        url=brief_url,
        sequence=_sequence(meeting),
        last_modified=_utc(meeting.updated_at),
        status="CANCELLED" if meeting.cancelled else "CONFIRMED",
    )


@require_GET
def meeting_ics(request, pk):
    meeting = meeting_in_full(user=request.user, pk=pk)
    event = _meeting_event(meeting, people_for_meeting(meeting=meeting))
    day = _local(meeting.starts_at, "%Y-%m-%d")
    return _ics_response(event, f"{slugify(meeting.deal.title) or 'meeting'}-{day}.ics")


def _consultation_event(consultation: Consultation) -> Event:
    deal = consultation.deal
    department = consultation.get_department_display()
    answer_url = _absolute(reverse("deals:consultation_answer", args=[consultation.pk]))
    asked = str(consultation.assignee) if consultation.assignee else f"the {department.lower()} queue"
    lines = [
        f"Answer: {answer_url}",
        f"Deal: {deal.title} — {deal.customer.name} ({deal.owner})",
        f"Deal page: {_absolute(reverse('deals:detail', args=[deal.pk]))}",
        f"Asked: {asked}",
        f"Status: {consultation.get_status_display()}",
    ]
    if consultation.questions:
        lines.append(f"Questions: {consultation.questions}")
    due = _utc(consultation.due_at)
    return Event.new(
        uid=f"consultation-{consultation.pk}@negprep",
        summary=f"{department} consultation due: {deal.title}",
        start=due - CONSULTATION_SLOT,
        end=due,
        description="\n".join(lines),
        url=answer_url,
        sequence=_sequence(consultation),
        last_modified=_utc(consultation.updated_at),
        # A waived consultation is owed no more: the entry leaves the calendar.
        status="CANCELLED" if consultation.status == ConsultationStatus.WAIVED else "CONFIRMED",
    )


@require_GET
def consultation_ics(request, pk):
    consultation = consultation_for_user(user=request.user, pk=pk)
    if consultation.due_at is None:
        raise Http404("This consultation has no due time.")
    day = _local(consultation.due_at, "%Y-%m-%d")
    department = consultation.department.replace("_", "-")
    filename = f"{department}-consultation-{slugify(consultation.deal.title)}-{day}.ics"
    return _ics_response(_consultation_event(consultation), filename)
