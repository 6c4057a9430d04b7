"""Meeting mode: the page on the phone, asking and answering, the notes, and the polling fallback.

Every endpoint passes the one gate (``meeting_for_live`` / ``live_question_for_user``): 404 for
outsiders, 403 for others who see the deal. The page's script posts with ``Accept:
application/json`` and gets JSON back (a refusal as ``{"error": ...}`` with 400, 403 or 409);
without the script the forms post as usual and come back to the page with a message.
"""

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from deals.access import live_question_for_user, meeting_for_live
from deals.forms.live import AnswerForm, AskForm, NotesForm
from deals.selectors.live import live_events_since, live_page, meeting_is_live, offline_pages_for
from deals.services import live as live_services
from negprep.errors import Invalid, NotAllowed, Stale


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _first_error(form) -> str:
    return next(iter(form.errors.values()))[0]


def _refused(request, meeting, message: str, status: int = 400):
    if status == 403 and not _wants_json(request):
        raise NotAllowed(message)
    if _wants_json(request):
        return JsonResponse({"error": message}, status=status)
    messages.error(request, message)
    return redirect("deals:meeting_live", pk=meeting.pk)


@require_GET
def meeting_live(request, pk):
    meeting, seat = meeting_for_live(user=request.user, pk=pk)
    context = live_page(meeting=meeting, user=request.user, seat=seat)
    return render(request, "deals/meeting_live.html", context)


@require_GET
def live_since(request, pk, seq):
    """Everything after ``seq``, for a client whose socket does not get through (polling)."""
    meeting, _ = meeting_for_live(user=request.user, pk=pk)
    return JsonResponse(
        {"events": live_events_since(meeting=meeting, after=seq), "live": meeting_is_live(meeting)}
    )


@require_POST
def live_ask(request, pk):
    meeting, _ = meeting_for_live(user=request.user, pk=pk)
    form = AskForm(request.POST)
    if not form.is_valid():
        return _refused(request, meeting, _first_error(form))
    data = form.cleaned_data
    try:
        question = live_services.question_ask(
            meeting=meeting,
            by=request.user,
            text=data["text"],
            kind=data["kind"],
            to_managers=data["to_managers"],
            client_key=data["client_key"],
        )
    except NotAllowed as error:
        return _refused(request, meeting, " ".join(error.messages), status=403)
    except Invalid as error:
        return _refused(request, meeting, " ".join(error.messages))
    if _wants_json(request):
        return JsonResponse({"seq": question.sequence, "question": question.pk})
    messages.success(request, "Your question went to the team.")
    return redirect("deals:meeting_live", pk=meeting.pk)


@require_POST
def live_answer(request, pk):
    question, seat = live_question_for_user(user=request.user, pk=pk)
    meeting = question.meeting
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _refused(request, meeting, _first_error(form))
    data = form.cleaned_data
    try:
        answer = live_services.answer_give(
            question=question,
            by=request.user,
            reply=data["reply"],
            text=data["text"],
            beyond=data["beyond"],
            seat=seat,
        )
    except NotAllowed as error:
        return _refused(request, meeting, " ".join(error.messages), status=403)
    except Invalid as error:
        return _refused(request, meeting, " ".join(error.messages))
    if _wants_json(request):
        return JsonResponse({"seq": answer.sequence, "beyond_limits": answer.beyond_limits})
    messages.success(request, "Your answer is on the rep's phone.")
    return redirect("deals:meeting_live", pk=meeting.pk)


@require_POST
def live_notes(request, pk):
    meeting, _ = meeting_for_live(user=request.user, pk=pk)
    form = NotesForm(request.POST)
    if not form.is_valid():
        return _refused(request, meeting, _first_error(form))
    try:
        note = live_services.note_save(
            meeting=meeting,
            by=request.user,
            text=form.cleaned_data["text"],
            revision=form.cleaned_data["revision"],
        )
    except Stale as error:
        current = error.current
        return JsonResponse(
            {"error": " ".join(error.messages), "revision": current.revision, "text": current.text},
            status=409,
        )
    except Invalid as error:
        return _refused(request, meeting, " ".join(error.messages))
    if _wants_json(request):
        return JsonResponse({"revision": note.revision})
    messages.success(request, "Notes saved.")
    return redirect("deals:meeting_live", pk=meeting.pk)


@require_GET
def offline_pages(request):
    """What the phone keeps for use with no signal (static/js/sw.js); the rest it drops."""
    return JsonResponse({"urls": offline_pages_for(user=request.user)})
