"""NegPrep's ASGI application served by uvicorn in a thread, for the journeys that need sockets.

It serves the test database (as pytest-django's live server does, so the test needs
``transactional_db``) and the static files from their folders, like the live server.
"""

import socket
import threading
import time

import uvicorn
from channels.layers import channel_layers
from channels.routing import ProtocolTypeRouter
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.core.asgi import get_asgi_application


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class AsgiServer:
    def __init__(self):
        from negprep.asgi import application

        app = ProtocolTypeRouter(
            {"http": ASGIStaticFilesHandler(get_asgi_application()), "websocket": application}
        )
        port = _free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        self.url = f"http://127.0.0.1:{port}"

    def stop(self):
        self.server.should_exit = True
        self.thread.join(10)
        # The channel layer remembers the event loop that received last; that loop is gone now, so
        # whoever uses the layer next (the socket tests) starts from a fresh one.
        channel_layers.backends.clear()
