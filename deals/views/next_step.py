"""After a step of preparing a deal, the rep lands on the next step that is still theirs to do.

The steps come in the practice's order: the briefing, then every department at once, then the
payment terms, then the on-call colleague for the next meeting. A step is skipped when it does
not apply, is done or waits for someone else (the readiness checklist says which, so a deal
without special payment terms never meets the payment form); with none left, the rep is back on
the deal page. Each form reached this way can be left for later from its own page.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse

from deals.models import Deal
from deals.selectors.consultations import has_unasked_consultations
from deals.selectors.readiness import readiness_for_deal

STEPS = ("briefing", "consultations", "payment_terms", "on_call")

WHAT_NEXT = {
    "consultations": "ask the departments this deal still needs",
    "payment_terms": "request the payment terms the customer asks for",
    "on_call": "ask a colleague to be on call for the next meeting",
}


def next_step_url(*, deal: Deal, after: str) -> tuple[str, str] | None:
    """The next step after ``after`` that the rep still has to do, as (step, its page), or None."""
    readiness = None
    for step in STEPS[STEPS.index(after) + 1 :]:
        if step == "consultations":
            # Any consultation not asked yet, an optional one the rep added too.
            if has_unasked_consultations(deal=deal):
                return step, reverse("deals:consultations_ask", args=[deal.pk])
            continue
        readiness = readiness or readiness_for_deal(deal)
        if not readiness.checks[step].is_missing:
            continue
        if step == "payment_terms":
            return step, reverse("deals:payment_request_new", args=[deal.pk])
        if readiness.next_meeting is not None:
            return step, reverse("deals:on_call_new", args=[readiness.next_meeting.pk])
    return None


def on_to_next_step(request, deal: Deal, *, after: str, message: str, otherwise: str):
    """Say what was done, and go to the next step still to do (``otherwise`` when none is)."""
    following = next_step_url(deal=deal, after=after)
    if following is None:
        messages.success(request, message)
        return redirect(otherwise)
    step, url = following
    messages.success(request, f"{message} Next: {WHAT_NEXT[step]}.")
    return redirect(url)
