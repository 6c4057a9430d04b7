"""Opening a notification: a plain link to the page where to act, which marks it read with a POST.

The link carries the notification's id in a query parameter. The page it leads to (any page,
through ``base.html``) posts it back to ``notification_read`` once it has loaded in a browser,
so a link prefetcher or a mail scanner that only fetches the page marks nothing, and the link
still works in a new tab, by middle-click or from the context menu.
"""

from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from teams.models import Notification

MARKER = "notification"


def notification_open_url(notification: Notification) -> str:
    """The page where to act, marked with the notification; the inbox if that is not a path of this site."""
    url = notification.url
    if not url.startswith("/") or not url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return reverse("notifications")
    path, hash_mark, fragment = url.partition("#")
    separator = "&" if "?" in path else "?"
    return f"{path}{separator}{MARKER}={notification.pk}{hash_mark}{fragment}"


def opened_notification_pk(request: HttpRequest) -> int | None:
    """The id of the notification this page was opened from, if its link said so."""
    value = request.GET.get(MARKER, "")
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        return None
    return int(value)


def path_without_marker(request: HttpRequest) -> str:
    """This page's path and query without the marker, for the address bar once it is consumed."""
    query = request.GET.copy()
    query.pop(MARKER, None)
    return request.path + (f"?{query.urlencode()}" if query else "")
