from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from teams.context_processors import navigation
from teams.models import EmailStatus, Notification, Role
from tests.factories import NotificationFactory


def _note(user, title="Approve the briefing for Deal 1", *, url="/deals/1/", read=False, age_minutes=0):
    notification = NotificationFactory(
        recipient=user,
        kind="briefing_submitted",
        title=title,
        url=url,
        email_status=EmailStatus.SKIPPED,
        read_at=timezone.now() if read else None,
    )
    if age_minutes:
        Notification.objects.filter(pk=notification.pk).update(
            created_at=timezone.now() - timedelta(minutes=age_minutes)
        )
    return notification


def test_the_inbox_lists_only_the_users_own_notifications_newest_first(client, world, manager):
    _note(manager, "Older ask", age_minutes=90)
    _note(manager, "Newer ask", age_minutes=5)
    _note(world.members[Role.FINANCE], "Someone else's ask")
    client.force_login(manager)

    response = client.get(reverse("notifications"))

    page = response.content.decode()
    assert response.status_code == 200
    assert page.index("Newer ask") < page.index("Older ask")
    assert "Someone else&#x27;s ask" not in page
    assert "5\xa0minutes ago" in page or "5 minutes ago" in page


def test_the_unread_tab_lists_only_unread_notifications(client, manager):
    _note(manager, "Still to do")
    _note(manager, "Already seen", read=True)
    client.force_login(manager)

    page = client.get(reverse("notifications"), {"show": "unread"}).content.decode()

    assert "Still to do" in page
    assert "Already seen" not in page


def test_the_inbox_shows_25_a_page(client, manager):
    for number in range(30):
        _note(manager, f"Ask number {number:02d}", age_minutes=30 - number)
    client.force_login(manager)

    first = client.get(reverse("notifications"))
    second = client.get(reverse("notifications"), {"page": 2})

    assert len(first.context["page"].object_list) == 25
    assert "Ask number 29" in first.content.decode()
    assert "Ask number 04" not in first.content.decode()
    assert [n.title for n in second.context["page"]] == [f"Ask number {n:02d}" for n in range(4, -1, -1)]


def test_an_empty_inbox_says_so(client, manager):
    client.force_login(manager)
    assert "No notifications yet" in client.get(reverse("notifications")).content.decode()
    assert (
        "You are all caught up" in client.get(reverse("notifications"), {"show": "unread"}).content.decode()
    )


def test_the_navbar_shows_the_unread_count(client, manager):
    _note(manager)
    _note(manager)
    _note(manager, read=True)
    client.force_login(manager)

    page = client.get(reverse("home")).content.decode()

    assert 'aria-label="Notifications, 2 unread"' in page
    assert 'data-testid="unread-count">2</span>' in page


def test_the_navbar_hides_the_badge_when_nothing_is_unread(client, manager):
    _note(manager, read=True)
    client.force_login(manager)

    page = client.get(reverse("home")).content.decode()

    assert 'aria-label="Notifications, 0 unread"' in page
    assert 'data-testid="unread-count" hidden>' in page


def test_the_unread_count_is_queried_only_when_shown_and_then_once(manager, django_assert_num_queries):
    _note(manager)
    request = RequestFactory().get("/")
    request.user = manager

    with django_assert_num_queries(0):
        context = navigation(request)
    with django_assert_num_queries(1):
        assert str(context["nav_unread_count"]) == "1"
        assert context["nav_unread_count"]


def test_read_marks_the_notification_read_and_returns_to_the_inbox_page(client, manager):
    notification = _note(manager)
    client.force_login(manager)

    response = client.post(
        reverse("notification_read", args=[notification.pk]), {"next": "/notifications/?show=unread"}
    )

    assert response.status_code == 302
    assert response["Location"] == "/notifications/?show=unread"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_read_never_returns_to_a_page_off_the_inbox(client, manager):
    notification = _note(manager)
    client.force_login(manager)

    for next_url in ("https://evil.example/notifications/", "//evil.example/", "/admin/"):
        response = client.post(reverse("notification_read", args=[notification.pk]), {"next": next_url})
        assert response["Location"] == reverse("notifications")


def test_read_with_htmx_returns_the_item_and_the_new_count(client, manager):
    notification = _note(manager, "Approve it")
    _note(manager, "Another")
    client.force_login(manager)

    response = client.post(reverse("notification_read", args=[notification.pk]), HTTP_HX_REQUEST="true")

    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page
    assert f'id="notification-{notification.pk}"' in page
    assert 'data-unread="false"' in page
    assert "Mark read" not in page
    assert 'hx-swap-oob="true"' in page
    assert 'aria-label="Notifications, 1 unread"' in page
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_the_inbox_item_offers_htmx_mark_read_and_a_plain_link_to_the_page_where_to_act(client, manager):
    notification = _note(manager, url="/deals/42/briefing/")
    client.force_login(manager)

    page = client.get(reverse("notifications")).content.decode()

    assert f'hx-post="{reverse("notification_read", args=[notification.pk])}"' in page
    assert f'<a href="/deals/42/briefing/?notification={notification.pk}"' in page
    assert 'data-unread="true"' in page


@pytest.mark.parametrize(
    ("url", "link"),
    [
        ("/deals/42/", "/deals/42/?notification={pk}"),
        ("/deals/42/#payment-terms", "/deals/42/?notification={pk}#payment-terms"),
        ("/deals/?status=open", "/deals/?status=open&amp;notification={pk}"),
    ],
)
def test_the_link_keeps_the_query_and_the_part_after_the_hash(client, manager, url, link):
    notification = _note(manager, url=url)
    client.force_login(manager)

    page = client.get(reverse("notifications")).content.decode()

    assert f'<a href="{link.format(pk=notification.pk)}"' in page


@pytest.mark.parametrize("url", ["//evil.example/phish", "/\\evil.example/phish", "https://evil.example/"])
def test_a_link_off_the_site_leads_to_the_inbox_instead(client, manager, url):
    Notification.objects.filter(pk=_note(manager).pk).update(url=url)
    client.force_login(manager)

    page = client.get(reverse("notifications")).content.decode()

    assert "evil.example" not in page
    assert f'<a href="{reverse("notifications")}" class=' in page


def test_opening_the_link_marks_nothing_until_the_page_posts_it_back(client, manager):
    """A prefetcher or a mail scanner that fetches the page marks nothing; the page, once
    loaded in a browser, posts the notification back with htmx."""
    notification = _note(manager, url="/profile/")
    other = _note(manager, url="/profile/")
    client.force_login(manager)

    page = client.get(f"/profile/?notification={notification.pk}")

    assert page.status_code == 200
    notification.refresh_from_db()
    assert notification.read_at is None
    html = page.content.decode()
    read_url = reverse("notification_read", args=[notification.pk])
    assert f'hx-post="{read_url}" hx-trigger="load" hx-swap="none"' in html
    assert 'data-clean-url="/profile/"' in html

    response = client.post(read_url, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert 'aria-label="Notifications, 1 unread"' in response.content.decode()
    notification.refresh_from_db()
    other.refresh_from_db()
    assert notification.read_at is not None
    assert other.read_at is None


@pytest.mark.parametrize("marker", ["", "abc", "-1", "1.5", "١٢", "9" * 30])
def test_a_page_with_a_malformed_marker_posts_nothing(client, manager, marker):
    client.force_login(manager)
    page = client.get("/profile/", {"notification": marker})
    assert page.status_code == 200
    assert 'data-testid="notification-seen"' not in page.content.decode()


def test_the_marker_is_taken_out_of_the_address_with_the_rest_of_the_query_kept(client, manager):
    client.force_login(manager)
    page = client.get("/notifications/", {"show": "unread", "notification": "7"})
    assert 'data-clean-url="/notifications/?show=unread"' in page.content.decode()


def test_another_users_notification_posted_back_is_404_and_unchanged(client, world, manager):
    notification = _note(manager, url="/profile/")
    client.force_login(world.members[Role.REP])

    page = client.get(f"/profile/?notification={notification.pk}")
    response = client.post(reverse("notification_read", args=[notification.pk]), HTTP_HX_REQUEST="true")

    assert page.status_code == 200
    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_read_all_marks_only_the_users_own_notifications(client, world, manager):
    mine = [_note(manager), _note(manager)]
    theirs = _note(world.members[Role.FINANCE])
    client.force_login(manager)

    response = client.post(reverse("notifications_read_all"))

    assert response.status_code == 302
    assert response["Location"] == reverse("notifications")
    for notification in mine:
        notification.refresh_from_db()
        assert notification.read_at is not None
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.parametrize("name", ["notification_read"])
def test_changing_state_needs_a_post(client, manager, name):
    notification = _note(manager)
    client.force_login(manager)

    response = client.get(reverse(name, args=[notification.pk]))

    assert response.status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None


def test_read_all_needs_a_post(client, manager):
    notification = _note(manager)
    client.force_login(manager)

    assert client.get(reverse("notifications_read_all")).status_code == 405

    notification.refresh_from_db()
    assert notification.read_at is None


@pytest.mark.parametrize("visitor", ["rep", "outsider", "staff"])
def test_another_users_notification_is_404_and_unchanged(client, world, manager, visitor):
    notification = _note(manager)
    client.force_login(world.user(visitor))

    response = client.post(reverse("notification_read", args=[notification.pk]), HTTP_HX_REQUEST="true")

    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None
