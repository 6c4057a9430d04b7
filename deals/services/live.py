"""Meeting mode's writes: a question from the room, an answer from the team, the notes.

Each is stored first, in one transaction with its timeline entry; only after the commit is it sent
to the open pages (``negprep.live.broadcast``), so that what a page shows is always in the
database, and a client that missed a message resyncs from its sequence number. Who has no page
open gets the question (and the managers an answer beyond the limits) by e-mail.
Refused input (empty, too long, meeting over, not on call, flooding) raises ``Invalid`` or
``NotAllowed`` and is never broadcast.
"""

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from deals.access import LiveSeat, live_seat
from deals.domain.live import beyond_limits
from deals.domain.snapshot import LimitsSnapshot
from deals.models import (
    ANSWER_MAX_LENGTH,
    NOTES_MAX_LENGTH,
    QUESTION_MAX_LENGTH,
    Briefing,
    LiveAnswer,
    LiveQuestion,
    LiveRoom,
    Meeting,
    MeetingNote,
    QuestionKind,
    QuickReply,
)
from deals.selectors.live import (
    answer_event,
    manager_recipients,
    meeting_is_live,
    question_event,
    question_recipients,
)
from deals.services.activity import activity_record
from deals.services.webhooks import webhook_emit
from negprep.errors import Invalid, NotAllowed, Stale
from negprep.live import broadcast, is_present, meeting_group, user_group
from teams.models import User
from teams.notifications import notify


def _check_live(meeting: Meeting) -> None:
    if meeting.cancelled:
        raise Invalid("This meeting was cancelled: there is nobody to ask.")
    if not meeting_is_live(meeting):
        if timezone.now() < meeting.starts_at:
            raise Invalid("Meeting mode opens 30 minutes before the meeting starts.")
        raise Invalid("This meeting is over: questions and answers closed 2 hours after its end.")


def _check_rate(user: User) -> None:
    """At most ``NEGPREP_LIVE_PER_MINUTE`` questions and answers a minute per person."""
    key = f"live-rate:{user.pk}:{int(timezone.now().timestamp() // 60)}"
    try:
        count = cache.incr(key)
    except ValueError:  # the first of this minute (or the key just lapsed)
        count = 1 if cache.add(key, 1, timeout=120) else cache.incr(key)
    if count > settings.NEGPREP_LIVE_PER_MINUTE:
        raise Invalid("You are sending too fast: wait a minute, or call instead.")


def _next_sequence(meeting: Meeting) -> int:
    """The meeting's next sequence number, in one statement. The room's row stays locked until the
    commit, so numbers follow the order of the commits."""
    table = LiveRoom._meta.db_table
    sql = (
        f"UPDATE {table} SET last_sequence = last_sequence + 1 WHERE meeting_id = %s RETURNING last_sequence"  # noqa: S608
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [meeting.pk])
        row = cursor.fetchone()
    if row is not None:
        return row[0]
    LiveRoom.objects.get_or_create(meeting=meeting)  # the meeting's first question
    return _next_sequence(meeting)


def _clean(text: str, *, what: str, most: int, required: bool = True) -> str:
    text = " ".join((text or "").split())
    if required and not text:
        raise Invalid(f"Type the {what} first.", field="text")
    if len(text) > most:
        raise Invalid(f"Keep the {what} under {most} characters (this one has {len(text)}).", field="text")
    return text


def question_ask(
    *,
    meeting: Meeting,
    by: User,
    text: str,
    kind: str = QuestionKind.FREE,
    to_managers: bool = False,
    client_key: str = "",
    seat: LiveSeat | None = None,
) -> LiveQuestion:
    """Ask the people on call (and the managers, if ``to_managers``) a question from the room.

    The same ``client_key`` sent again (a phone replaying its offline queue) returns the question
    already stored and sends nothing twice. ``seat`` is the asker's seat when the caller has just
    read it (a meeting's socket, which re-reads it every ``SEAT_FRESH_FOR``); else it is read here."""
    if not (seat or live_seat(user=by, meeting=meeting)).asks:
        raise NotAllowed("Only the rep and the co-negotiators ask from the meeting.")
    client_key = (client_key or "")[:64]
    if client_key:
        stored = LiveQuestion.objects.filter(meeting=meeting, asked_by=by, client_key=client_key).first()
        if stored is not None:
            return stored
    if kind not in QuestionKind.values:
        raise Invalid("Pick one of the quick questions, or type your own.", field="kind")
    text = _clean(text, what="question", most=QUESTION_MAX_LENGTH)
    _check_live(meeting)
    recipients = question_recipients(meeting=meeting, to_managers=to_managers)
    if not recipients:
        raise Invalid(
            "Nobody is on call for this meeting: tick \u201calso ask the managers\u201d.", field="to_managers"
        )
    _check_rate(by)
    try:
        with transaction.atomic():
            question = LiveQuestion.objects.create(
                meeting=meeting,
                sequence=_next_sequence(meeting),
                asked_by=by,
                kind=kind,
                text=text,
                to_managers=to_managers,
                client_key=client_key,
            )
            activity_record(
                deal=meeting.deal, actor=by, verb="live_question", summary=f"Asked from the meeting: {text}"
            )
            _tell_absent(question, recipients)
            webhook_emit(
                type="live.question.asked",
                deal=meeting.deal,
                data={"question": {"id": question.pk, "meeting_id": meeting.pk, "kind": question.kind}},
            )
            event = question_event(question)
            transaction.on_commit(lambda: _send_question(event, recipients))
    except IntegrityError:  # the same key raced in twice: the first one stands
        return LiveQuestion.objects.get(meeting=meeting, asked_by=by, client_key=client_key)
    return question


def _tell_absent(question: LiveQuestion, recipients: list[User]) -> None:
    """Who has no NegPrep page open gets the question in the inbox and by e-mail."""
    absent = [user for user in recipients if not is_present(user.pk)]
    if absent:
        meeting = question.meeting
        notify(
            recipients=absent,
            kind="live_question",
            context={
                "question": question,
                "meeting": meeting,
                "deal": meeting.deal,
                "actor": question.asked_by,
            },
            url=reverse("deals:meeting_live", args=[meeting.pk]),
            team=meeting.deal.team,
            topic=meeting.deal.title,
        )


def _send_question(event: dict, recipients: list[User]) -> None:
    broadcast(meeting_group(event["meeting"]), event)
    for user in recipients:
        broadcast(user_group(user.pk), dict(event, toast=True))


def answer_give(
    *,
    question: LiveQuestion,
    by: User,
    reply: str = QuickReply.TEXT,
    text: str = "",
    beyond: bool = False,
    seat: LiveSeat | None = None,
) -> LiveAnswer:
    """Answer a question from the room: whoever is on call for the meeting, or a manager of the deal.

    An answer beyond the approved limits (ticked, or read from its figures) is marked and the
    managers are told. ``seat`` as for ``question_ask``."""
    meeting = question.meeting
    if not (seat or live_seat(user=by, meeting=meeting)).answers:
        raise NotAllowed("Only who is on call for this meeting, or a manager of the deal, answers.")
    if reply not in QuickReply.values:
        raise Invalid("Answer yes, no, call me now, or type an answer.", field="reply")
    text = _clean(text, what="answer", most=ANSWER_MAX_LENGTH, required=reply == QuickReply.TEXT)
    _check_live(meeting)
    _check_rate(by)
    limits = LimitsSnapshot.approved_of(
        Briefing.objects.filter(deal=meeting.deal).select_related("approved_version").first()
    )
    reason = beyond_limits(limits=limits, question=question.text, reply=reply, answer=text)
    if beyond and not reason:
        reason = "The answerer marked it as beyond the approved limits."
    with transaction.atomic():
        answer = LiveAnswer.objects.create(
            question=question,
            meeting=meeting,
            sequence=_next_sequence(meeting),
            answered_by=by,
            reply=reply,
            text=text,
            beyond_limits=bool(reason),
            beyond_reason=reason[:300],
        )
        activity_record(
            deal=meeting.deal,
            actor=by,
            verb="live_answer",
            summary=f"Answered \u201c{question.text[:80]}\u201d: {answer.wording}"
            + (" (beyond the approved limits)" if reason else ""),
        )
        if reason:
            notify(
                recipients=manager_recipients(meeting=meeting),
                kind="live_beyond_limits",
                context={
                    "question": question,
                    "answer": answer,
                    "meeting": meeting,
                    "deal": meeting.deal,
                    "actor": by,
                },
                url=reverse("deals:meeting_live", args=[meeting.pk]),
                team=meeting.deal.team,
                topic=meeting.deal.title,
            )
        webhook_emit(
            type="live.question.answered",
            deal=meeting.deal,
            data={
                "question": {"id": question.pk, "meeting_id": meeting.pk, "kind": question.kind},
                "answer": {"id": answer.pk, "reply": answer.reply, "beyond_limits": answer.beyond_limits},
            },
        )
        event = answer_event(answer)
        asker = question.asked_by_id
        transaction.on_commit(lambda: _send_answer(event, asker))
    return answer


def _send_answer(event: dict, asker_id: int) -> None:
    broadcast(meeting_group(event["meeting"]), event)
    broadcast(user_group(asker_id), dict(event, toast=True))


def note_save(*, meeting: Meeting, by: User, text: str, revision: int) -> MeetingNote:
    """Save the user's notes of the meeting, from the revision they were typed on.

    A save from an older revision (another device saved in between) is refused with ``Stale``,
    carrying the notes as stored now, so that nothing is overwritten silently."""
    if not live_seat(user=by, meeting=meeting).present:
        raise NotAllowed("Only the people of the meeting keep notes in meeting mode.")
    text = (text or "").replace("\r\n", "\n")
    if len(text) > NOTES_MAX_LENGTH:
        raise Invalid(f"Notes are limited to {NOTES_MAX_LENGTH} characters.", field="text")
    with transaction.atomic():
        note, _ = MeetingNote.objects.select_for_update().get_or_create(meeting=meeting, author=by)
        if note.revision != revision:
            raise Stale(
                f"These notes were saved from another page at {timezone.localtime(note.updated_at):%H:%M}.",
                current=note,
            )
        if note.text == text:
            return note
        note.text = text
        note.revision += 1
        note.save(update_fields=["text", "revision", "updated_at"])
    return note
