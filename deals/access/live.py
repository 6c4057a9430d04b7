"""Meeting mode: who may follow a meeting live, who asks and who answers.

The meeting is shared in full with the people of that meeting: the owning rep, its co-negotiators,
the colleagues on call for it (unless they declined) and the managers of the deal's team. Outsiders
get 404 (they may not even know the deal); others who see the deal (a department consulted on it,
someone on call for another meeting) are refused (403, or close code 4403 on the socket).
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import Http404

from deals.access.deals import can_edit_deal, may_see_deal
from deals.access.memberships import forget_memberships, is_manager, roles_in_team
from deals.access.records import MEETING_WITH_DEAL
from deals.models import LiveQuestion, Meeting, OnCall, OnCallStatus
from teams.models import User


@dataclass(frozen=True)
class LiveSeat:
    """What one user is at one meeting: at the table (asks), on call or manager (answers)."""

    at_table: bool = False
    on_call: bool = False
    manager: bool = False

    @property
    def present(self) -> bool:
        return self.at_table or self.on_call or self.manager

    @property
    def asks(self) -> bool:
        return self.at_table

    @property
    def answers(self) -> bool:
        return self.on_call or self.manager


def live_seat(*, user: User, meeting: Meeting) -> LiveSeat:
    """The user's seat at the meeting (two small queries at most)."""
    if not user.is_authenticated:
        return LiveSeat()
    deal = meeting.deal
    owner = deal.owner_id == user.pk and can_edit_deal(user=user, deal=deal)
    # Both personal seats in one query.
    seats = (
        Meeting.objects.filter(pk=meeting.pk)
        .annotate(
            co_negotiator=Exists(
                Meeting.co_negotiators.through.objects.filter(meeting=OuterRef("pk"), user=user)
            ),
            on_call=Exists(
                OnCall.objects.filter(meeting=OuterRef("pk"), member=user).exclude(
                    status=OnCallStatus.DECLINED
                )
            ),
        )
        .values("co_negotiator", "on_call")
        .first()
    ) or {"co_negotiator": False, "on_call": False}
    return LiveSeat(
        at_table=owner or seats["co_negotiator"],
        on_call=seats["on_call"],
        manager=is_manager(user=user, team_id=deal.team_id),
    )


def meeting_for_live(*, user: User, pk: int) -> tuple[Meeting, LiveSeat]:
    """The meeting and the user's seat, for the people of the meeting; 404 for outsiders, 403 for
    others who see the deal.

    A member of the deal's team with a seat sees the deal by the visibility rule itself (the owning
    rep, its managers, a co-negotiator, someone on call), so the rule's query is asked only of the
    others, to tell the outsider (404) from who sees the deal but has no seat (403): a socket's
    connect, and each re-reading of its gate, costs two small queries."""
    meeting = MEETING_WITH_DEAL.filter(pk=pk).first()
    if meeting is None:
        raise Http404("No such meeting.")
    seat = live_seat(user=user, meeting=meeting)
    if seat.present and roles_in_team(user=user, team_id=meeting.deal.team_id):
        return meeting, seat
    if not may_see_deal(user=user, deal=meeting.deal):
        raise Http404("No such meeting.")
    raise PermissionDenied(
        "Meeting mode is shared with the rep, the co-negotiators, who is on call and the managers."
    )


def meeting_for_live_again(*, user: User, pk: int) -> tuple[Meeting, LiveSeat]:
    """``meeting_for_live`` with the user's memberships read afresh: a socket open for hours
    re-checks its gate with what holds now (a role taken away, cover declined, a meeting cancelled)."""
    forget_memberships(user)
    return meeting_for_live(user=user, pk=pk)


def live_question_in(*, meeting: Meeting, pk: int) -> LiveQuestion:
    """A question of ``meeting``, which the caller has opened through ``meeting_for_live``; 404 for a
    question of another meeting (one query)."""
    question = LiveQuestion.objects.filter(pk=pk, meeting=meeting).first()
    if question is None:
        raise Http404("No such question.")
    question.meeting = meeting
    return question


def live_question_for_user(*, user: User, pk: int):
    """A question from a meeting, for the people of that meeting; 404 for outsiders."""
    from_meeting = LiveQuestion.objects.filter(pk=pk).values_list("meeting_id", flat=True).first()
    if from_meeting is None:
        raise Http404("No such question.")
    meeting, seat = meeting_for_live(user=user, pk=from_meeting)
    return live_question_in(meeting=meeting, pk=pk), seat
