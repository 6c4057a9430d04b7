"""The printable meeting brief: what the rep takes into the meeting (not the briefing they prepare).

Whoever may not see the deal gets 404; departments that see only the deal's summary get 403.
"""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from deals.access import meeting_in_full
from deals.selectors.meeting_brief import brief_for_meeting


@require_GET
def meeting_brief(request, pk):
    meeting = meeting_in_full(user=request.user, pk=pk)
    return render(request, "deals/meeting_brief.html", brief_for_meeting(meeting=meeting))
