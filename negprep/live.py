"""The real-time channel of NegPrep: groups, broadcasting after commit, and who has a page open.

Messages are stored in the database first; the channel layer only carries a copy to the pages that
are open. A broadcast that fails (Redis down) loses nothing: the clients resync from the database
when they reconnect, or poll.
"""

import logging
import time

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)

# The consumers' handler for every event sent to a group (``live.event`` → ``live_event``).
EVENT_TYPE = "live.event"


def meeting_group(meeting_id: int) -> str:
    return f"meeting-{meeting_id}"


def user_group(user_id: int) -> str:
    return f"user-{user_id}"


def broadcast(group: str, payload: dict) -> None:
    """Send ``payload`` to every socket in ``group`` now (call it after the commit)."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": EVENT_TYPE, "payload": payload})
    except Exception:  # the stored row is what counts: clients resync or poll
        log.exception("live broadcast to %s failed", group)


def _presence_key(user_id: int) -> str:
    return f"live-presence:{user_id}"


def mark_present(user_id: int) -> None:
    """The user has a NegPrep page open (its socket says so on connect and at every heartbeat).

    The mark lapses by itself a little after the last page closes: a closing page cannot know
    whether another one is still open, and a lapse costs one e-mail too many at worst."""
    cache.set(_presence_key(user_id), time.time(), timeout=settings.NEGPREP_LIVE_PRESENCE_SECONDS)


def is_present(user_id: int) -> bool:
    return cache.get(_presence_key(user_id)) is not None
