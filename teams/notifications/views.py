from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from teams.notifications.inbox import notification_mark_read, notifications_mark_all_read
from teams.notifications.selectors import notification_for_user, notifications_for_user

NOTIFICATIONS_PER_PAGE = 25


@require_GET
def notifications(request):
    show = request.GET.get("show")
    unread_only = show == "unread"
    reminders_only = show == "reminders"
    notifications = notifications_for_user(user=request.user, unread_only=unread_only)
    if reminders_only:
        # Reminders grouped by the deal they are about, newest deal activity first within a group.
        notifications = notifications.filter(kind__startswith="reminder_").order_by("topic", "-created_at")
    page = Paginator(notifications, NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "teams/notifications.html",
        {
            "page": page,
            "unread_only": unread_only,
            "reminders_only": reminders_only,
            "back": request.get_full_path(),
        },
    )


@require_POST
def notification_read(request, pk: int):
    """Mark read: from the inbox's button, or posted by the page the notification's link opened
    (teams/notifications/links.py), never on a plain GET that a link prefetcher could make."""
    notification = notification_for_user(user=request.user, pk=pk)
    notification_mark_read(notification=notification, user=request.user)
    if request.htmx:
        return render(
            request,
            "teams/partials/notification_item.html",
            {"notification": notification, "back": _back(request), "swap_nav_badge": True},
        )
    return redirect(_back(request))


@require_POST
def notifications_read_all(request):
    count = notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} as read.")
    return redirect(_back(request))


def _back(request) -> str:
    """Where to return after an action: the inbox page the form was on, if it is one."""
    inbox = reverse("notifications")
    back = request.POST.get("next", "")
    if back.startswith(inbox) and _is_local(request, back):
        return back
    return inbox


def _is_local(request, url: str) -> bool:
    return url.startswith("/") and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
