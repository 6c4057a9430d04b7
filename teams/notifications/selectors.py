"""Reads of a user's inbox (only their own notifications, ever), and of the outbox for staff."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from teams.models import EmailStatus, Notification, User


def notifications_for_user(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's own notifications, newest first."""
    if not user.is_authenticated:
        return Notification.objects.none()
    notifications = Notification.objects.filter(recipient=user, in_inbox=True).select_related("team")
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications.order_by("-created_at", "-pk")


def notification_for_user(*, user: User, pk: int) -> Notification:
    """The notification, if it is addressed to the user; 404 otherwise."""
    return get_object_or_404(notifications_for_user(user=user), pk=pk)


# The badge reads "99+" beyond this, so counting stops there: every page pays for at most this many rows.
UNREAD_COUNT_CAP = 100


def notifications_unread_count(*, user: User) -> int:
    """Unread inbox notifications, counted up to ``UNREAD_COUNT_CAP``."""
    if not user.is_authenticated:
        return 0
    unread = Notification.objects.filter(recipient=user, in_inbox=True, read_at__isnull=True)
    return unread.order_by()[:UNREAD_COUNT_CAP].count()


def emails_failed_count() -> int:
    """E-mails given up after their retry period, waiting for staff to send them again."""
    return Notification.objects.filter(email_status=EmailStatus.FAILED).count()
