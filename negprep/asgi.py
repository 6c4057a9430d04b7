"""The ASGI application: pages over HTTP (Django), and meeting mode's sockets (Django Channels).

Sockets authenticate with the session cookie (``AuthMiddlewareStack``) and must come from a page of
this site (``AllowedHostsOriginValidator``: the Origin header names one of ``ALLOWED_HOSTS``).
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "negprep.settings.production")

# Django is set up before anything imports models.
django_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from deals.views.live_socket import MeetingSocket, UserSocket  # noqa: E402

websocket_urlpatterns = [
    path("ws/meetings/<int:pk>/", MeetingSocket.as_asgi(), name="ws_meeting"),
    path("ws/live/", UserSocket.as_asgi(), name="ws_live"),
]

application = ProtocolTypeRouter(
    {
        "http": django_application,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
