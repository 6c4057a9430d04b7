"""The real-time channel of NegPrep: groups, broadcasting after commit, and who has a page open.

Messages are stored in the database first; the channel layer only carries a copy to the pages that
are open. A broadcast that fails (Redis down) loses nothing: the clients resync from the database
when they reconnect, or poll.
"""

import asyncio
import logging
import threading
import time

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)

# The consumers' handler for every event sent to a group (``live.event`` → ``live_event``).
EVENT_TYPE = "live.event"


def meeting_group(meeting_id: int) -> str:
    return f"meeting-{meeting_id}"


def user_group(user_id: int) -> str:
    return f"user-{user_id}"


class _Publisher:
    """One thread per process with its own event loop that sends to the channel layer in the order
    broadcasts were made. Whoever broadcasts (a page's request, a socket's database thread) only
    hands the message over: it does not wait for Redis, and a slow or absent Redis never holds up
    the database work of the site."""

    def __init__(self):
        self.lock = threading.Lock()
        self.loop = None
        self.queue = None

    def _run(self, ready: threading.Event):
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        self.queue = asyncio.Queue()
        ready.set()
        self.loop.run_until_complete(self._send_forever())

    async def _send_forever(self):
        layer = get_channel_layer()
        while True:
            group, message, done = await self.queue.get()
            try:
                await layer.group_send(group, message)
            except Exception:  # the stored row is what counts: clients resync or poll
                log.exception("live broadcast to %s failed", group)
            finally:
                if done is not None:
                    done.set()

    def put(self, group: str, message: dict, done: threading.Event | None = None) -> None:
        with self.lock:
            if self.loop is None:
                ready = threading.Event()
                threading.Thread(target=self._run, args=(ready,), name="negprep-live", daemon=True).start()
                ready.wait()
        self.loop.call_soon_threadsafe(self.queue.put_nowait, (group, message, done))


_publisher = _Publisher()


def broadcast(group: str, payload: dict) -> None:
    """Send ``payload`` to every socket in ``group`` (call it after the commit).

    Through Redis it returns at once (the publisher thread sends, in order). The in-memory layer of
    a single process (``make run``) lives on the server's own event loop, so it is sent there and
    waited for."""
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": EVENT_TYPE, "payload": payload}
    if isinstance(layer, InMemoryChannelLayer):
        try:
            async_to_sync(layer.group_send)(group, message)
        except Exception:
            log.exception("live broadcast to %s failed", group)
        return
    _publisher.put(group, message)


def broadcasts_sent(timeout: float = 5.0) -> bool:
    """Wait until everything broadcast so far has gone out (for tests and shutdown)."""
    if _publisher.loop is None:
        return True
    done = threading.Event()
    _publisher.put("negprep-flush", {"type": EVENT_TYPE, "payload": {}}, done)
    return done.wait(timeout)


def _presence_key(user_id: int) -> str:
    return f"live-presence:{user_id}"


def mark_present(user_id: int) -> None:
    """The user has a NegPrep page open (its socket says so on connect and at every heartbeat).

    The mark lapses by itself a little after the last page closes: a closing page cannot know
    whether another one is still open, and a lapse costs one e-mail too many at worst."""
    cache.set(_presence_key(user_id), time.time(), timeout=settings.NEGPREP_LIVE_PRESENCE_SECONDS)


def is_present(user_id: int) -> bool:
    return cache.get(_presence_key(user_id)) is not None
