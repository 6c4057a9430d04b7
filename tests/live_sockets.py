"""Meeting mode's sockets in tests: the real ASGI application (origin check, session, routing), on
the configured channel layer (Redis when CELERY_BROKER_URL or NEGPREP_CHANNEL_LAYER_URL names one).

A test writes its conversation as one ``async def`` and runs it with ``run(...)``, so that every
socket of it lives on one event loop; database work inside goes through ``db(...)``. The tests use
``transactional_db``: the sockets' work runs on other threads and connections.
"""

import json
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connections

from negprep.asgi import application

# One of the default ALLOWED_HOSTS (the validator reads them when the application is built).
ORIGIN = b"http://localhost"


def run(scenario, *args, **kwargs):
    """Run the conversation on a thread of its own: the test's thread may already hold an event
    loop (Playwright's, once a browser journey ran), where ``async_to_sync`` refuses to start."""

    def on_its_thread():
        try:
            return async_to_sync(scenario)(*args, **kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(on_its_thread).result()


def db(function):
    return database_sync_to_async(function)


def session_cookie(user) -> bytes:
    """A signed-in session for ``user``, as the browser's cookie header sends it."""
    if user is None:
        return b""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}".encode()


class Socket:
    """One client socket (create it with ``await Socket.open(...)``)."""

    def __init__(self, path: str, cookie: bytes, origin: bytes):
        parsed = urlparse(path)
        headers = [(b"origin", origin)] + ([(b"cookie", cookie)] if cookie else [])
        scope = {
            "type": "websocket",
            "path": parsed.path,
            "query_string": parsed.query.encode(),
            "headers": headers,
            "subprotocols": [],
        }
        self.communicator = ApplicationCommunicator(application, scope)
        self.accepted = False
        self.close_code = None
        self._early: list = []

    @classmethod
    async def open(cls, path: str, user=None, origin: bytes = ORIGIN) -> "Socket":
        cookie = await db(session_cookie)(user)
        socket = cls(path, cookie, origin)
        await socket.communicator.send_input({"type": "websocket.connect"})
        first = await socket.communicator.receive_output(5)
        if first["type"] == "websocket.close":
            socket.close_code = first.get("code", 1000)
        else:
            socket.accepted = True
            # A refused socket is accepted, then closed at once with its code.
            if not await socket.communicator.receive_nothing(0.2):
                message = await socket.communicator.receive_output(1)
                if message["type"] == "websocket.close":
                    socket.accepted, socket.close_code = False, message.get("code")
                else:
                    socket._early = [message]
        return socket

    async def receive(self, timeout: float = 5) -> dict:
        if self._early:
            message = self._early.pop(0)
        else:
            message = await self.communicator.receive_output(timeout)
        assert message["type"] == "websocket.send", message
        return json.loads(message["text"])

    async def until(self, event: str, timeout: float = 5) -> dict:
        """The next message of this kind; the others that come first are kept for later."""
        skipped = []
        try:
            while True:
                message = await self.receive(timeout)
                if message.get("event") == event:
                    return message
                skipped.append(message)
        finally:
            self._early = [{"type": "websocket.send", "text": json.dumps(m)} for m in skipped] + self._early

    async def send(self, data: dict) -> None:
        await self.communicator.send_input({"type": "websocket.receive", "text": json.dumps(data)})

    async def nothing_waiting(self, timeout: float = 0.3) -> bool:
        return not self._early and await self.communicator.receive_nothing(timeout)

    async def close(self) -> None:
        await self.communicator.send_input({"type": "websocket.disconnect", "code": 1000})
        await self.communicator.wait(1)


async def connection_answer(path: str, user) -> object:
    """What the socket answers this visitor: "accept", or the close code it closed with."""
    socket = await Socket.open(path, user)
    if socket.accepted:
        await socket.close()
        return "accept"
    return socket.close_code
