from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.template.loader import get_template
from django.utils import timezone

from teams.models import EmailStatus, Notification, Role
from teams.notifications import notification_mark_read, notifications_mark_all_read, notify
from teams.notifications.selectors import notifications_for_user, notifications_unread_count
from tests.factories import MembershipFactory, UserFactory

URL = "/deals/7/briefing/"
ACTION_URL = "http://testserver/deals/7/briefing/"


def _submitted(world, **context):
    deal = world.objects["deal"]
    return {
        "deal": deal,
        "briefing": deal.briefing,
        "actor": world.members[Role.REP],
        "version_number": 2,
        **context,
    }


def _notify_managers(world, recipients, **context):
    return notify(
        recipients=recipients,
        kind="briefing_submitted",
        context=_submitted(world, **context),
        url=URL,
        team=world.team,
    )


def test_it_creates_one_notification_per_active_recipient(world, manager, mailoutbox):
    second = UserFactory(username="second_manager")
    MembershipFactory(user=second, team=world.team, role=Role.MANAGER)
    retired = UserFactory(username="retired_manager", is_active=False)

    created = _notify_managers(world, [manager, second, manager, retired])

    rows = Notification.objects.order_by("recipient__username")
    assert [n.recipient for n in rows] == [manager, second]
    assert {n.pk for n in created} == {n.pk for n in rows}
    assert not Notification.objects.filter(recipient=retired).exists()
    for row in rows:
        assert row.kind == "briefing_submitted"
        assert row.team == world.team
        assert row.url == URL
        assert row.read_at is None


def test_the_title_and_subject_say_who_asks_what_for_which_deal(world, manager):
    rep = world.members[Role.REP]
    rep.first_name, rep.last_name = "Rita", "Reyes"
    rep.save()
    deal = world.objects["deal"]

    _notify_managers(world, [manager], actor=rep)

    row = Notification.objects.get(recipient=manager)
    expected = f"Rita Reyes asks you to approve the briefing for {deal.title}"
    assert row.title == expected
    assert row.email_subject == expected
    assert "\n" not in row.email_subject


def test_the_subject_says_by_when_in_the_recipients_time_zone(world, manager):
    manager.time_zone = "America/New_York"
    manager.save()
    due = datetime(2030, 3, 14, 15, 0, tzinfo=ZoneInfo("Europe/Berlin"))

    _notify_managers(world, [manager], due=due)

    row = Notification.objects.get(recipient=manager)
    assert row.title.endswith("by Thu 14 Mar, 10:00 EDT")
    assert "by Thu 14 Mar, 10:00 EDT" in row.email_text
    assert "by <strong>Thu 14 Mar, 10:00 EDT</strong>" in row.email_html


def test_the_email_links_to_the_page_where_the_action_is_taken(world, manager):
    _notify_managers(world, [manager])

    row = Notification.objects.get(recipient=manager)
    assert f"Review the briefing:\n{ACTION_URL}\n" in row.email_text
    assert f'<a href="{ACTION_URL}"' in row.email_html
    assert row.body == row.email_text
    assert f"Hello {manager.first_name}," in row.body
    assert "Acme Hydraulics" in row.body
    assert "version 2" in row.body


def test_plain_text_is_not_html_escaped_but_html_is(world, manager):
    deal = world.objects["deal"]
    deal.title = "R&D <valves>"
    deal.save()

    _notify_managers(world, [manager])

    row = Notification.objects.get(recipient=manager)
    assert row.title.endswith("for R&D <valves>")
    assert "R&D <valves> (Acme Hydraulics)" in row.email_text
    assert "R&amp;D &lt;valves&gt;" in row.email_html
    assert "<valves>" not in row.email_html


def test_the_text_has_no_runs_of_blank_lines(world, manager):
    _notify_managers(world, [manager])

    text = Notification.objects.get(recipient=manager).email_text
    assert "\n\n\n" not in text
    assert not text.startswith("\n")


@pytest.mark.parametrize(
    ("kind", "subject_start", "body_phrase"),
    [
        ("briefing_approved", "Max Morgan approved your briefing for", "approved version 3 of your briefing"),
        ("briefing_returned", "Max Morgan returned your briefing for", "returned version 3 of your briefing"),
    ],
)
def test_the_decision_emails_tell_the_rep_what_happened_and_on_whose_behalf(
    world, rep, manager, kind, subject_start, body_phrase
):
    manager.first_name, manager.last_name = "Max", "Morgan"
    manager.save()
    away = UserFactory(username="away_manager", first_name="Mia", last_name="Miller")
    deal = world.objects["deal"]
    context = {
        "deal": deal,
        "actor": manager,
        "version_number": 3,
        "comment": "Walk-away is too low & the discount too high.",
        "on_behalf_of": away,
        "due": timezone.now() + timedelta(days=1),
    }

    notify(recipients=[rep], kind=kind, context=context, url=URL, team=world.team)

    row = Notification.objects.get(recipient=rep)
    assert row.title.startswith(f"{subject_start} {deal.title}")
    assert " by " in row.title
    assert body_phrase in row.email_text
    assert "(on behalf of Mia Miller)" in row.email_text
    assert "Walk-away is too low & the discount too high." in row.email_text
    assert "Walk-away is too low &amp; the discount too high." in row.email_html
    assert ACTION_URL in row.email_text
    assert f'href="{ACTION_URL}"' in row.email_html


def test_a_decision_without_a_delegate_or_comment_says_neither(world, rep, manager):
    context = {
        "deal": world.objects["deal"],
        "actor": manager,
        "version_number": 1,
        "comment": "",
        "on_behalf_of": None,
    }

    notify(recipients=[rep], kind="briefing_approved", context=context, url=URL)

    row = Notification.objects.get(recipient=rep)
    assert "on behalf of" not in row.email_text
    assert "Comment:" not in row.email_text
    assert "blockquote" not in row.email_html
    assert " by " not in row.title


@pytest.mark.parametrize("kind", ["briefing_submitted", "briefing_approved", "briefing_returned"])
def test_every_kind_has_a_subject_text_and_html_template(kind):
    for name in (f"emails/{kind}_subject.txt", f"emails/{kind}.txt", f"emails/{kind}.html"):
        assert get_template(name)


def test_the_email_is_enqueued_only_after_commit(
    world, manager, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks() as callbacks:
        _notify_managers(world, [manager])
        row = Notification.objects.get(recipient=manager)
        assert row.email_status == EmailStatus.PENDING
        assert mailoutbox == []

    assert len(callbacks) == 1
    callbacks[0]()
    row.refresh_from_db()
    assert row.email_status == EmailStatus.SENT
    assert [m.to for m in mailoutbox] == [[manager.email]]


def test_a_rolled_back_transaction_enqueues_nothing(
    world, manager, django_capture_on_commit_callbacks, mailoutbox
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _notify_managers(world, [manager])
        raise RuntimeError("the decision failed after notifying")

    assert callbacks == []
    assert not Notification.objects.exists()
    assert mailoutbox == []


def test_a_recipient_without_an_email_address_gets_the_inbox_entry_only(
    world, manager, django_capture_on_commit_callbacks, mailoutbox
):
    manager.email = ""
    manager.save()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _notify_managers(world, [manager])

    row = Notification.objects.get(recipient=manager)
    assert row.email_status == EmailStatus.SKIPPED
    assert row.email_attempts == 0
    assert callbacks == []
    assert mailoutbox == []


@pytest.mark.parametrize("url", ["https://evil.example/", "//evil.example/", "deals/7/"])
def test_it_refuses_a_link_off_the_site(world, manager, url):
    with pytest.raises(ValueError):
        notify(recipients=[manager], kind="briefing_submitted", context=_submitted(world), url=url)
    assert not Notification.objects.exists()


def test_the_unread_count_counts_only_the_users_unread_notifications(world, rep, manager):
    _notify_managers(world, [manager, world.members[Role.FINANCE]])
    _notify_managers(world, [manager])
    _notify_managers(world, [manager])
    oldest = Notification.objects.filter(recipient=manager).order_by("pk").first()
    Notification.objects.filter(pk=oldest.pk).update(read_at=timezone.now())

    assert notifications_unread_count(user=manager) == 2
    assert notifications_unread_count(user=world.members[Role.FINANCE]) == 1
    assert notifications_unread_count(user=rep) == 0


def test_the_inbox_selector_lists_only_own_notifications_newest_first(world, manager):
    _notify_managers(world, [manager, world.members[Role.FINANCE]])
    _notify_managers(world, [manager])

    mine = list(notifications_for_user(user=manager))
    assert [n.recipient for n in mine] == [manager, manager]
    assert mine[0].pk > mine[1].pk
    assert [n.pk for n in notifications_for_user(user=manager, unread_only=True)] == [n.pk for n in mine]


def test_the_recipient_marks_a_notification_read(world, manager):
    (row,) = _notify_managers(world, [manager])

    assert notification_mark_read(notification=row, user=manager) is True
    row.refresh_from_db()
    assert row.read_at is not None
    first_read = row.read_at
    assert notification_mark_read(notification=row, user=manager) is False
    row.refresh_from_db()
    assert row.read_at == first_read


def test_nobody_else_can_mark_a_notification_read(world, manager):
    (row,) = _notify_managers(world, [manager])

    with pytest.raises(PermissionDenied):
        notification_mark_read(notification=row, user=world.members[Role.REP])

    row.refresh_from_db()
    assert row.read_at is None


def test_mark_all_read_touches_only_the_users_own_notifications(world, manager):
    finance = world.members[Role.FINANCE]
    _notify_managers(world, [manager, finance])
    _notify_managers(world, [manager])

    assert notifications_mark_all_read(user=manager) == 2

    assert notifications_unread_count(user=manager) == 0
    assert Notification.objects.get(recipient=finance).read_at is None
