from datetime import timedelta

from django import template
from django.urls import reverse

from teams.notifications import links

register = template.Library()


@register.filter
def timedelta_minutes(value) -> int | str:
    """A duration in whole minutes: timedelta(minutes=15) → 15."""
    if isinstance(value, timedelta):
        return int(value.total_seconds() // 60)
    return ""


@register.filter
def notification_open_url(notification) -> str:
    """Where a notification's link leads: the page where to act, marked so that it marks the
    notification read (see teams/notifications/links.py)."""
    return links.notification_open_url(notification)


@register.inclusion_tag("teams/partials/notification_seen.html", takes_context=True)
def notification_seen(context) -> dict:
    """On a page opened from a notification: posts the notification back to mark it read."""
    request = context.get("request")
    # An error page rendered before authentication ran (a refused Host header) has no user.
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    pk = links.opened_notification_pk(request)
    if pk is None:
        return {}
    return {
        "read_url": reverse("notification_read", args=[pk]),
        "clean_url": links.path_without_marker(request),
    }
