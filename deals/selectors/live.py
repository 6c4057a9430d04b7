"""Meeting mode's reads: the events of a meeting after a sequence number, who a question goes to,
the meetings live now for a user, and the notes and questions the report starts from.

The caller has passed the gate (``deals.access.meeting_for_live``) where a meeting is given.
"""

import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from deals.domain.live import CLOSES_AFTER, OPENS_BEFORE, digest_notes, is_live
from deals.models import LiveAnswer, LiveQuestion, Meeting, MeetingNote, OnCall, OnCallStatus
from deals.selectors.meeting_brief import brief_for_meeting
from teams.models import Membership, Role, User

# The most events one resync or poll returns; a client further behind asks again from the last one.
EVENTS_PER_READ = 200


def meeting_is_live(meeting: Meeting, *, now: datetime.datetime | None = None) -> bool:
    return is_live(
        starts_at=meeting.starts_at,
        ends_at=meeting.ends_at,
        cancelled=meeting.cancelled,
        now=now or timezone.now(),
    )


def _name(user: User) -> str:
    return user.get_full_name() or user.username


def question_event(question: LiveQuestion) -> dict:
    meeting = question.meeting
    deal = meeting.deal
    return {
        "event": "question",
        "seq": question.sequence,
        "meeting": meeting.pk,
        "question": question.pk,
        "deal": deal.title,
        "customer": deal.customer.name,
        "by": _name(question.asked_by),
        "text": question.text,
        "kind": question.kind,
        "to_managers": question.to_managers,
        "at": question.created_at.isoformat(),
        "url": reverse("deals:meeting_live", args=[meeting.pk]),
        "answer_url": reverse("deals:live_answer", args=[question.pk]),
    }


def answer_event(answer: LiveAnswer) -> dict:
    return {
        "event": "answer",
        "seq": answer.sequence,
        "meeting": answer.meeting_id,
        "question": answer.question_id,
        "by": _name(answer.answered_by),
        "reply": answer.reply,
        "text": answer.wording,
        "beyond_limits": answer.beyond_limits,
        "beyond_reason": answer.beyond_reason,
        "at": answer.created_at.isoformat(),
    }


def live_events_since(*, meeting: Meeting, after: int, limit: int = EVENTS_PER_READ) -> list[dict]:
    """The questions and answers of the meeting numbered after ``after``, in order (two queries)."""
    questions = (
        LiveQuestion.objects.filter(meeting=meeting, sequence__gt=after)
        .select_related("asked_by")
        .order_by("sequence")[:limit]
    )
    answers = (
        LiveAnswer.objects.filter(meeting=meeting, sequence__gt=after)
        .select_related("answered_by")
        .order_by("sequence")[:limit]
    )
    events = []
    for question in questions:
        question.meeting = meeting
        events.append(question_event(question))
    events += [answer_event(answer) for answer in answers]
    events.sort(key=lambda event: event["seq"])
    return events[:limit]


def question_recipients(*, meeting: Meeting, to_managers: bool) -> list[User]:
    """Who a question goes to: whoever is on call for the meeting (unless they declined), and the
    managers of the deal's team when the rep ticked it; never the asker's own table."""
    on_call = OnCall.objects.filter(meeting=meeting).exclude(status=OnCallStatus.DECLINED).values("member_id")
    condition = Q(pk__in=on_call)
    if to_managers:
        managers = Membership.objects.filter(team_id=meeting.deal.team_id, role=Role.MANAGER).values(
            "user_id"
        )
        condition |= Q(pk__in=managers)
    return list(User.objects.filter(condition, is_active=True).distinct().order_by("pk"))


def manager_recipients(*, meeting: Meeting) -> list[User]:
    managers = Membership.objects.filter(team_id=meeting.deal.team_id, role=Role.MANAGER).values("user_id")
    return list(User.objects.filter(pk__in=managers, is_active=True).order_by("pk"))


def _seated_meetings(*, user: User, starts_before: datetime.datetime, now: datetime.datetime):
    """Meetings not cancelled, not past their live window, starting before ``starts_before``, that the
    user sits at (owner, co-negotiator, on call unless declined); a range of the start index."""
    on_call = OnCall.objects.filter(member=user).exclude(status=OnCallStatus.DECLINED).values("meeting_id")
    seated = Q(deal__owner=user) | Q(co_negotiators=user) | Q(pk__in=on_call)
    return Meeting.objects.filter(
        seated,
        cancelled=False,
        starts_at__lte=starts_before,
        ends_at__gte=now - CLOSES_AFTER,
        starts_at__gt=now - datetime.timedelta(days=8),
    ).distinct()


def live_meetings_for(*, user: User, now: datetime.datetime | None = None, deal=None) -> list[Meeting]:
    """The meetings in their live window that the user sits at, soonest first; of one deal when
    given. One query."""
    now = now or timezone.now()
    meetings = _seated_meetings(user=user, starts_before=now + OPENS_BEFORE, now=now)
    if deal is not None:
        meetings = meetings.filter(deal=deal)
    return list(meetings.select_related("deal", "deal__customer").order_by("starts_at")[:5])


# How far ahead the phone keeps meeting mode and the brief for use with no signal.
OFFLINE_AHEAD = datetime.timedelta(hours=48)


def offline_pages_for(*, user: User, now: datetime.datetime | None = None) -> list[str]:
    """The pages a phone keeps for use with no signal: meeting mode and the brief of each meeting
    the user sits at in the next 48 hours (until its live window closes). At most 20 meetings."""
    now = now or timezone.now()
    meetings = _seated_meetings(user=user, starts_before=now + OFFLINE_AHEAD, now=now).order_by("starts_at")
    urls = []
    for pk in meetings.values_list("pk", flat=True)[:20]:
        urls += [reverse("deals:meeting_live", args=[pk]), reverse("deals:meeting_brief", args=[pk])]
    return urls


def live_page(*, meeting: Meeting, user: User, seat) -> dict:
    """Everything the meeting-mode page shows."""
    note = MeetingNote.objects.filter(meeting=meeting, author=user).first()
    events = live_events_since(meeting=meeting, after=0, limit=1000)
    answers: dict[int, list[dict]] = {}
    for event in events:
        if event["event"] == "answer":
            answers.setdefault(event["question"], []).append(event)
    questions = [
        dict(event, answers=answers.get(event["question"], []))
        for event in events
        if event["event"] == "question"
    ]
    return {
        **brief_for_meeting(meeting=meeting),
        "seat": seat,
        "live": meeting_is_live(meeting),
        "questions": questions,
        "last_sequence": events[-1]["seq"] if events else 0,
        "note": note,
    }


def meeting_notes_and_questions(*, meeting: Meeting) -> dict:
    """What the report starts from and shows: every note of the meeting and its questions with answers."""
    notes = list(MeetingNote.objects.filter(meeting=meeting).exclude(text="").select_related("author"))
    questions = list(
        LiveQuestion.objects.filter(meeting=meeting)
        .select_related("asked_by")
        .prefetch_related("answers__answered_by")
    )
    return {"notes": notes, "questions": questions}


def report_start(*, meeting: Meeting, user: User, currency: str) -> dict:
    """The report form's first values, from the meeting's notes (the filer's own first): the figures
    mentioned once, the lines marked "Next:", "Gave:" and "Got:". Empty without notes."""
    notes = sorted(
        MeetingNote.objects.filter(meeting=meeting).exclude(text=""),
        key=lambda note: (note.author_id != user.pk, note.pk),
    )
    if not notes:
        return {}
    digest = digest_notes("\n".join(note.text for note in notes), currency=currency)
    initial = {
        "agreed_price": digest.agreed_price,
        "discount_pct": digest.discount_pct,
        "quantity": digest.quantity,
        "delivery_date": digest.delivery_date,
        "next_steps": "\n".join(digest.next_steps),
        "concessions_given": "\n".join(digest.given),
        "concessions_received": "\n".join(digest.received),
    }
    return {name: value for name, value in initial.items() if value not in (None, "")}
