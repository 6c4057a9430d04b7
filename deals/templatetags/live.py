"""Links to meeting mode while a meeting is live: on the home page and on the deal page."""

from django import template

from deals.selectors.live import live_meetings_for, meeting_notes_and_questions

register = template.Library()


@register.inclusion_tag("deals/partials/live_now.html", takes_context=True)
def live_now(context, deal=None):
    """The meetings in their live window (30 min before to 2 h after) that the user sits at: one query."""
    user = context["user"]
    meetings = live_meetings_for(user=user, deal=deal) if user.is_authenticated else []
    return {"live_meetings": meetings, "on_deal_page": deal is not None}


@register.inclusion_tag("deals/partials/live_record.html")
def live_record(meeting):
    """The meeting's notes and its questions with their answers, as the report shows them."""
    return meeting_notes_and_questions(meeting=meeting)
