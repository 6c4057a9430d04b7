from django.urls import reverse

from teams.models import Notification
from teams.notifications.selectors import UNREAD_COUNT_CAP, notifications_unread_count


def _unread(user, n):
    Notification.objects.bulk_create(
        Notification(
            recipient=user, kind="report_filed", title=f"Report {i}", url="/", email_status="skipped"
        )
        for i in range(n)
    )


def test_the_unread_count_stops_at_the_cap_the_badge_shows_as_99_plus(world, client):
    rep = world.members["rep"]
    _unread(rep, UNREAD_COUNT_CAP + 20)
    assert notifications_unread_count(user=rep) == UNREAD_COUNT_CAP
    client.force_login(rep)
    page = client.get(reverse("notifications")).content.decode()
    assert "99+" in page
    assert "Notifications, more than 99 unread" in page


def test_a_small_unread_count_is_exact(world, client):
    rep = world.members["rep"]
    _unread(rep, 3)
    assert notifications_unread_count(user=rep) == 3
    client.force_login(rep)
    assert "Notifications, 3 unread" in client.get(reverse("notifications")).content.decode()
