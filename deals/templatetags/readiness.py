"""Where an open readiness item is done: ``{% load readiness %}{% readiness_link check deal meeting %}``."""

from django import template
from django.urls import reverse

from deals.access import can_edit_deal

register = template.Library()

# The deal page's section for each item.
SECTIONS = {
    "meeting": "#meetings",
    "limits": "#briefing-panel",
    "pitch": "#briefing-panel",
    "consultations": "#consultations",
    "payment_terms": "#payment-terms",
    "on_call": "#meetings",
    "co_negotiator": "#meetings",
}


def _owners_page(key: str, deal, meeting) -> str | None:
    if key == "meeting":
        return (
            reverse("deals:meeting_edit", args=[meeting.pk])
            if meeting
            else reverse("deals:meeting_add", args=[deal.pk])
        )
    if key in ("limits", "pitch"):
        return reverse("deals:briefing_edit", args=[deal.pk])
    if key == "payment_terms":
        return reverse("deals:payment_request_new", args=[deal.pk])
    if key == "on_call" and meeting is not None:
        return reverse("deals:on_call_new", args=[meeting.pk])
    return None


@register.simple_tag(takes_context=True)
def readiness_link(context, check, deal, meeting=None) -> str:
    """The owner's own page for what they still have to do; otherwise the deal page's section."""
    request = context.get("request")
    owner = check.is_missing and request is not None and can_edit_deal(user=request.user, deal=deal)
    url = _owners_page(check.key, deal, meeting) if owner else None
    return url or reverse("deals:detail", args=[deal.pk]) + SECTIONS.get(check.key, "")
