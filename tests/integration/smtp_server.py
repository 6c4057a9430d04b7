"""A real SMTP server for the tests (aiosmtpd, in a thread), with the ways real ones fail.

Modes, switched at any time with ``server.mode``:

- ``accept``: takes each message and answers 250 at once.
- ``refuse``: up, but answers every recipient 451 (try again later); takes nothing.
- ``slow``: takes the whole message, then answers only after ``server.delay``
  seconds: past the client's timeout, the client never hears that it was taken.
- ``hold``: takes the whole message and answers only once ``release()`` is
  called, so that the sender can be killed meanwhile.

``stop()`` closes the port (every connection is refused: an outage) and
``start()`` opens it again on the same port. ``received`` holds every message
the server took, whether or not the client heard the answer: those are the
copies a recipient would get.
"""

import asyncio
import socket
import threading
from email import message_from_bytes
from email.message import Message

from aiosmtpd.controller import Controller

MODES = {"accept", "refuse", "slow", "hold"}
# Nothing in these tests waits longer; a held answer is given up after this.
LONGEST_HOLD_SECONDS = 60


class SMTPServer:
    def __init__(self):
        self.mode = "accept"
        self.delay = 0.0
        self.received: list[Message] = []
        self._lock = threading.Lock()
        self._released = threading.Event()
        self.host = "127.0.0.1"
        self.port = _free_port(self.host)
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self, hostname=self.host, port=self.port, ready_timeout=15)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def release(self) -> None:
        """Answer the messages held in ``hold`` mode."""
        self._released.set()

    def message_ids(self) -> list[str]:
        with self._lock:
            return [message["Message-ID"] for message in self.received]

    def count(self) -> int:
        with self._lock:
            return len(self.received)

    # aiosmtpd's handler hooks --------------------------------------------------

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        assert self.mode in MODES, self.mode
        if self.mode == "refuse":
            return "451 4.3.2 Service busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        with self._lock:
            self.received.append(message_from_bytes(envelope.content))
        if self.mode == "slow":
            await asyncio.sleep(self.delay)
        elif self.mode == "hold":
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, self._released.wait, LONGEST_HOLD_SECONDS)
        return "250 2.0.0 Message accepted for delivery"


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]
