"""Meeting mode's sockets (Django Channels): a meeting's channel and each user's own.

``/ws/meetings/<id>/?after=<seq>`` is open to the people of the meeting only (the gate of the page,
``meeting_for_live``); anyone else is closed with code 4403 before a byte of the meeting is sent.
On connect it sends every question and answer numbered after ``after``, then whatever comes live,
so that a client that dropped its connection misses nothing; ``{"type": "since", "after": n}``
asks for the same at any time, and the heartbeat's answer names the meeting's last number, so that
a client also notices a message the channel layer dropped (it keeps 100 per socket for a minute).
The client may ask and answer over it too (``{"type": "ask", ...}``, ``{"type": "answer", ...}``),
with the services the pages use.

The gate is read on connect and again when a message or heartbeat comes more than
``SEAT_FRESH_FOR`` after the last reading: who is no longer one of the meeting's people (a role
taken away, cover declined) is closed with 4403 within that time, and a question or an answer does
not pay for the whole visibility rule each time.

``/ws/live/`` carries the signed-in user's toasts (a question for them, an answer to theirs) to any
NegPrep page they have open, and marks them present, so that only the absent get e-mail.
"""

import random
import time
from urllib.parse import parse_qs

from channels.db import DatabaseSyncToAsync
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.exceptions import PermissionDenied
from django.http import Http404

from deals.access import live_question_in, meeting_for_live, meeting_for_live_again
from deals.models import LiveRoom
from deals.selectors.live import live_events_since
from deals.services import live as live_services
from negprep.errors import DomainError
from negprep.live import mark_present, meeting_group, user_group

# Close codes: 4401 not signed in, 4403 not one of the meeting's people (4000–4999 are the app's).
CLOSE_SIGNED_OUT = 4401
CLOSE_REFUSED = 4403
# A replayed queue may not grow the messages of one reading without bound.
MOST_TEXT = 2000
# How long a socket trusts its reading of the gate (the meeting and the user's seat at it): 45 to
# 75 s, at random, so that sockets opened together do not all read it again at the same moment.
SEAT_FRESH_FOR = (45.0, 75.0)


class _Closed(Exception):
    """The gate, read again, no longer lets the user in."""


def database_sync_to_async(function):
    """Run ``function`` on a thread of a small pool, each thread with its own database connection,
    rather than on the one thread all of Django's pages share: a socket waiting on the database
    does not hold up the others (what a socket does is short and touches nothing thread-bound)."""
    return DatabaseSyncToAsync(function, thread_sensitive=False)


class _Socket(AsyncJsonWebsocketConsumer):
    @property
    def user(self):
        return self.scope.get("user")

    async def live_event(self, message):
        await self.send_json(message["payload"])

    async def _refuse(self, code: int):
        # Accept first so that the browser sees the close code (a refused handshake has none).
        await self.accept()
        await self.close(code=code)


class MeetingSocket(_Socket):
    async def connect(self):
        self.group = None
        if self.user is None or not self.user.is_authenticated:
            return await self._refuse(CLOSE_SIGNED_OUT)
        try:
            self.meeting, self.seat = await database_sync_to_async(meeting_for_live)(
                user=self.user, pk=self.scope["url_route"]["kwargs"]["pk"]
            )
        except (Http404, PermissionDenied):
            return await self._refuse(CLOSE_REFUSED)
        self._gate_read()
        self.group = meeting_group(self.meeting.pk)
        # Join before reading: whatever commits after the read is broadcast to this socket too.
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await database_sync_to_async(mark_present)(self.user.pk)
        await self._resync(_after(self.scope.get("query_string", b"")))

    async def _resync(self, after: int):
        """Everything after ``after``, in order, then "synced"."""
        for event in await database_sync_to_async(live_events_since)(meeting=self.meeting, after=after):
            await self.send_json(event)
        await self.send_json({"event": "synced"})

    async def disconnect(self, code):
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "ping":
            # The heartbeat also says how far the meeting is, so that a client that missed a
            # message (a broadcast dropped under load) notices and asks for it.
            try:
                last = await database_sync_to_async(self._heartbeat)()
            except _Closed:
                return await self.close(code=CLOSE_REFUSED)
            return await self.send_json({"event": "pong", "last": last})
        if kind == "since":
            try:
                after = max(0, int(content.get("after", 0)))
            except (TypeError, ValueError):
                after = 0
            return await self._resync(after)
        if kind == "ask":
            return await self._reply(content, database_sync_to_async(self._ask))
        if kind == "answer":
            return await self._reply(content, database_sync_to_async(self._answer))

    async def _reply(self, content, call):
        ref = str(content.get("ref", ""))[:64]
        try:
            seq = await call(content)
        except _Closed:
            await self.send_json({"event": "error", "ref": ref, "message": "You may no longer do this here."})
            return await self.close(code=CLOSE_REFUSED)
        except (DomainError, PermissionDenied, Http404) as error:
            message = (
                " ".join(error.messages) if isinstance(error, DomainError) else "You may not do this here."
            )
            return await self.send_json({"event": "error", "ref": ref, "message": message})
        await self.send_json({"event": "done", "ref": ref, "seq": seq})

    def _gate_read(self) -> None:
        self.gate_fresh_until = time.monotonic() + random.uniform(*SEAT_FRESH_FOR)  # noqa: S311 - spread

    def _gate(self) -> None:
        """Read the gate again once its reading is older than ``SEAT_FRESH_FOR``."""
        if time.monotonic() < self.gate_fresh_until:
            return
        try:
            self.meeting, self.seat = meeting_for_live_again(user=self.user, pk=self.meeting.pk)
        except (Http404, PermissionDenied):
            raise _Closed from None
        self._gate_read()

    def _heartbeat(self) -> int:
        self._gate()
        mark_present(self.user.pk)
        return (
            LiveRoom.objects.filter(meeting=self.meeting).values_list("last_sequence", flat=True).first() or 0
        )

    def _ask(self, content) -> int:
        self._gate()
        question = live_services.question_ask(
            meeting=self.meeting,
            by=self.user,
            text=str(content.get("text", ""))[:MOST_TEXT],
            kind=str(content.get("kind") or "free"),
            to_managers=content.get("to_managers") is True,
            client_key=str(content.get("client_key", "")),
            seat=self.seat,
        )
        return question.sequence

    def _answer(self, content) -> int:
        try:
            pk = int(content.get("question"))
        except (TypeError, ValueError):
            raise Http404("No such question.") from None
        self._gate()
        answer = live_services.answer_give(
            question=live_question_in(meeting=self.meeting, pk=pk),
            by=self.user,
            reply=str(content.get("reply") or "text"),
            text=str(content.get("text", ""))[:MOST_TEXT],
            beyond=content.get("beyond") is True,
            seat=self.seat,
        )
        return answer.sequence


def _after(query_string: bytes) -> int:
    values = parse_qs(query_string.decode("latin1")).get("after", ["0"])
    try:
        return max(0, int(values[0]))
    except ValueError:
        return 0


class UserSocket(_Socket):
    async def connect(self):
        self.group = None
        if self.user is None or not self.user.is_authenticated:
            return await self._refuse(CLOSE_SIGNED_OUT)
        self.group = user_group(self.user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await database_sync_to_async(mark_present)(self.user.pk)

    async def disconnect(self, code):
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if isinstance(content, dict) and content.get("type") == "ping":
            await database_sync_to_async(mark_present)(self.user.pk)
            await self.send_json({"event": "pong"})
