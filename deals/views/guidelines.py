"""The boss's guidelines: the rep asks, a manager answers (here, on the deal page or on the card of
their home, beside the decision on the briefing)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from deals.access import deal_for_guidelines, deal_for_owner
from deals.forms.guidelines import GuidelinesAskForm, GuidelinesGiveForm
from deals.selectors.briefings import guidelines_of, waiting_question
from deals.services import guidelines as guideline_services
from deals.views.briefings import queue_item_response
from negprep.errors import Invalid, Stale
from negprep.forms import show_refusal

SUGGESTED_QUESTION = (
    "What are your guidelines for this negotiation: what should I aim for, what should I avoid, "
    "and where may I give way?"
)


def _to_briefing(deal):
    return redirect(reverse("deals:detail", args=[deal.pk]) + "#guidelines")


def _closed(request, deal):
    messages.info(
        request, f"This deal is {deal.get_status_display().lower()}: its guidelines can no longer change."
    )
    return _to_briefing(deal)


@require_http_methods(["GET", "POST"])
def guidelines_ask(request, pk):
    """Ask the managers for guidelines, or change the question while it waits."""
    deal = deal_for_owner(user=request.user, pk=pk)
    if not deal.is_open:
        return _closed(request, deal)
    thread = guidelines_of(briefing=deal.briefing)
    waiting = waiting_question(thread)
    initial = {
        "questions": waiting.questions if waiting else SUGGESTED_QUESTION,
        "revision": waiting.revision if waiting else None,
    }
    form = GuidelinesAskForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            guideline_services.guidelines_ask(
                deal=deal,
                by=request.user,
                questions=form.cleaned_data["questions"],
                revision=form.cleaned_data["revision"],
            )
        except Stale as error:
            # What they typed stays; the thread and the form now stand for the question as it is.
            thread = guidelines_of(briefing=deal.briefing)
            waiting = waiting_question(thread)
            data = request.POST.copy()
            data["revision"] = "" if waiting is None else str(waiting.revision)
            form = GuidelinesAskForm(data)
            form.is_valid()
            show_refusal(form, error)
            status = 409
        except Invalid as error:
            show_refusal(form, error)
        else:
            messages.success(
                request,
                "Your question was changed: the managers were told."
                if waiting
                else "Your managers were asked for guidelines.",
            )
            return _to_briefing(deal)
    if form.errors and status == 200:
        status = 400
    context = {"deal": deal, "form": form, "guidelines": thread, "waiting": waiting}
    return render(request, "deals/guidelines_ask.html", context, status=status)


def _errors(form) -> str:
    return " ".join(error for errors in form.errors.values() for error in errors)


@require_http_methods(["GET", "POST"])
def guidelines_give(request, pk):
    """A manager gives guidelines: answering the question waiting (``answering``) or unasked."""
    deal = deal_for_guidelines(user=request.user, pk=pk)
    thread = guidelines_of(briefing=deal.briefing)
    waiting = waiting_question(thread)
    form = GuidelinesGiveForm(request.POST or None, initial={"answering": waiting.pk if waiting else None})
    status = 200
    if request.method == "POST" and form.is_valid():
        asked = form.cleaned_data["answering"]
        answering = next((entry for entry in thread if entry.pk == asked), None)
        try:
            if asked and answering is None:
                raise Invalid("This question is no longer on the deal: nothing was saved.")
            given = guideline_services.guidelines_give(
                deal=deal, by=request.user, guidelines=form.cleaned_data["guidelines"], answering=answering
            )
        except Stale as error:
            # What they wrote stays; sent again, it is added beside the answer given meanwhile.
            data = request.POST.copy()
            data["answering"] = ""
            form = GuidelinesGiveForm(data)
            form.is_valid()
            show_refusal(form, error)
            status = 409
        except Invalid as error:
            show_refusal(form, error)
        else:
            if request.htmx:
                return queue_item_response(request, deal, guideline=given)
            messages.success(request, f"Your guidelines were sent to {deal.owner}.")
            return _to_briefing(deal)
    if request.method == "POST" and request.htmx:
        return queue_item_response(request, deal, error=_errors(form), typed=form.data)
    if form.errors and status == 200:
        status = 400
    thread = guidelines_of(briefing=deal.briefing)
    context = {"deal": deal, "form": form, "guidelines": thread, "waiting": waiting_question(thread)}
    return render(request, "deals/guidelines_give.html", context, status=status)
