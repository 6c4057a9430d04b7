"""The outbox over a long outage: retries for a day, one Message-ID per row, sends left
unconfirmed, failed ones sent again, and the sweep's own queue.

Against a real SMTP server, the same is shown in tests/integration/test_email_smtp.py.
"""

import smtplib
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from negprep.celery import app as celery_app
from teams.models import EmailStatus, Notification, Role
from teams.notifications import (
    email_attempt_failed,
    email_claim,
    email_message_id,
    email_resend_due,
    emails_send_again,
    notify,
)
from teams.notifications.smtp import DeliveryUnknown
from teams.tasks import send_notification_email

URL = "/deals/7/briefing/"


def _notify(world, recipient, *, capture) -> Notification:
    """One notification whose e-mail task is lost (never run): the tests run each attempt themselves."""
    deal = world.objects["deal"]
    context = {"deal": deal, "briefing": deal.briefing, "actor": world.members[Role.REP], "version_number": 1}
    with capture(execute=False):
        (notification,) = notify(
            recipients=[recipient], kind="briefing_submitted", context=context, url=URL, team=world.team
        )
    notification.refresh_from_db()
    return notification


def _fail_once(row, error=None) -> int | None:
    claimed = email_claim(notification_id=row.pk)
    assert claimed is not None
    return email_attempt_failed(notification=claimed, error=error or smtplib.SMTPServerDisconnected("down"))


@pytest.fixture
def clock():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def test_every_email_carries_a_message_id_derived_from_its_row(
    world, manager, django_capture_on_commit_callbacks, mailoutbox
):
    row = _notify(world, manager, capture=django_capture_on_commit_callbacks)

    send_notification_email.delay(row.pk)

    (message,) = mailoutbox
    assert message.extra_headers["Message-ID"] == f"<negprep.notification.{row.pk}@testserver>"
    assert message.message()["Message-ID"] == email_message_id(notification=row)


def test_failed_attempts_go_on_for_a_day_at_most_ten_minutes_apart(
    world, manager, clock, django_capture_on_commit_callbacks
):
    row = _notify(world, manager, capture=django_capture_on_commit_callbacks)
    started = timezone.now()

    countdowns = []
    while (countdown := _fail_once(row)) is not None:
        countdowns.append(countdown)
        clock.shift(timedelta(seconds=countdown))

    row.refresh_from_db()
    assert row.email_status == EmailStatus.FAILED
    assert row.email_first_attempt_at == started
    # The documented cap is reached, and kept to for the rest of the day.
    assert countdowns[:6] == [30, 60, 120, 240, 480, 600]
    assert set(countdowns[6:]) == {600}
    # Given up by the first attempt after the day, not before.
    assert timedelta(hours=24) <= timezone.now() - started < timedelta(hours=24, minutes=10)
    assert row.email_attempts == len(countdowns) + 1


def test_the_retry_period_is_configurable(
    world, manager, settings, clock, django_capture_on_commit_callbacks
):
    settings.NEGPREP_EMAIL_RETRY_HOURS = 2
    row = _notify(world, manager, capture=django_capture_on_commit_callbacks)
    started = timezone.now()

    while (countdown := _fail_once(row)) is not None:
        clock.shift(timedelta(seconds=countdown))

    assert timedelta(hours=2) <= timezone.now() - started < timedelta(hours=2, minutes=10)


@pytest.mark.parametrize("status", [EmailStatus.PENDING, EmailStatus.UNKNOWN])
def test_a_row_waiting_out_its_backoff_is_not_taken_by_an_early_task(
    status, world, manager, clock, django_capture_on_commit_callbacks, mailoutbox
):
    row = _notify(world, manager, capture=django_capture_on_commit_callbacks)
    error = DeliveryUnknown("timed out") if status == EmailStatus.UNKNOWN else None
    assert _fail_once(row, error) == 30

    clock.shift(timedelta(seconds=29))
    assert email_claim(notification_id=row.pk) is None
    send_notification_email.delay(row.pk)
    row.refresh_from_db()
    assert (row.email_status, row.email_attempts, mailoutbox) == (status, 1, [])

    clock.shift(timedelta(seconds=1))
    send_notification_email.delay(row.pk)
    row.refresh_from_db()
    assert (row.email_status, row.email_attempts, len(mailoutbox)) == (EmailStatus.SENT, 2, 1)


def test_a_send_the_server_may_hold_is_unconfirmed_not_failed_and_sent_again_with_its_message_id(
    world, manager, settings, clock, django_capture_on_commit_callbacks, mailoutbox
):
    settings.NEGPREP_EMAIL_RETRY_HOURS = 0.5
    row = _notify(world, manager, capture=django_capture_on_commit_callbacks)

    countdown = _fail_once(row, DeliveryUnknown("No answer after the message was sent (timed out)"))

    row.refresh_from_db()
    assert row.email_status == EmailStatus.UNKNOWN
    assert row.email_unconfirmed == 1
    assert "timed out" in row.email_last_error
    assert row.email_claimed_until == timezone.now() + timedelta(seconds=countdown)
    # The sweep picks it up once its backoff is over, like a pending row.
    clock.shift(timedelta(seconds=countdown, minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert email_resend_due() == 1
    row.refresh_from_db()
    assert row.email_status == EmailStatus.SENT
    assert row.email_unconfirmed == 1  # staff can still see a copy may have gone out before
    (message,) = mailoutbox
    assert message.extra_headers["Message-ID"] == email_message_id(notification=row)


def test_an_unconfirmed_send_still_ends_failed_when_never_confirmed_within_the_period(
    world, manager, settings, clock, django_capture_on_commit_callbacks
):
    settings.NEGPREP_EMAIL_RETRY_HOURS = 0.5
    row = _notify(world, manager, capture=django_capture_on_commit_callbacks)

    while (countdown := _fail_once(row, DeliveryUnknown("timed out"))) is not None:
        clock.shift(timedelta(seconds=countdown))

    row.refresh_from_db()
    assert row.email_status == EmailStatus.FAILED
    assert row.email_unconfirmed == row.email_attempts


def test_a_send_whose_worker_died_is_taken_over_within_the_period_with_the_same_message_id(
    world, manager, settings, clock, django_capture_on_commit_callbacks, mailoutbox
):
    row = _notify(world, manager, capture=django_capture_on_commit_callbacks)
    email_claim(notification_id=row.pk)  # the worker dies holding it
    clock.shift(timedelta(hours=23))

    with django_capture_on_commit_callbacks(execute=True):
        assert email_resend_due() == 1

    row.refresh_from_db()
    assert row.email_status == EmailStatus.SENT
    assert row.email_attempts == 2
    assert row.email_unconfirmed == 1  # the dead worker may have sent it first
    (message,) = mailoutbox
    assert message.extra_headers["Message-ID"] == f"<negprep.notification.{row.pk}@testserver>"


def test_sending_again_gives_failed_emails_a_new_period_and_leaves_the_rest_alone(
    world, manager, settings, clock, django_capture_on_commit_callbacks, mailoutbox
):
    settings.NEGPREP_EMAIL_RETRY_HOURS = 0.25
    failed = _notify(world, manager, capture=django_capture_on_commit_callbacks)
    while (countdown := _fail_once(failed)) is not None:
        clock.shift(timedelta(seconds=countdown))
    waiting = _notify(world, manager, capture=django_capture_on_commit_callbacks)
    _fail_once(waiting)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert emails_send_again(notification_ids=[failed.pk, waiting.pk]) == 1

    failed.refresh_from_db()
    waiting.refresh_from_db()
    assert failed.email_status == EmailStatus.PENDING
    assert failed.email_attempts == 0
    assert (failed.email_first_attempt_at, failed.email_claimed_until) == (None, None)
    assert (waiting.email_status, waiting.email_attempts) == (EmailStatus.PENDING, 1)
    for callback in callbacks:
        callback()
    failed.refresh_from_db()
    assert failed.email_status == EmailStatus.SENT
    assert [m.extra_headers["Message-ID"] for m in mailoutbox] == [email_message_id(notification=failed)]


def test_staff_see_whether_a_send_went_unconfirmed_and_its_message_id(
    client, world, manager, clock, django_capture_on_commit_callbacks
):
    row = _notify(world, manager, capture=django_capture_on_commit_callbacks)
    _fail_once(row, DeliveryUnknown("No answer after the message was sent (timed out)"))
    client.force_login(world.staff)

    listing = client.get(reverse("admin:teams_notification_changelist"), {"email_status__exact": "unknown"})
    detail = client.get(reverse("admin:teams_notification_change", args=[row.pk]))

    assert list(listing.context["cl"].queryset) == [Notification.objects.get(pk=row.pk)]
    page = detail.content.decode()
    assert "Unconfirmed (sent again with the same Message-ID)" in page
    assert f"negprep.notification.{row.pk}@testserver" in page
    assert "No answer after the message was sent" in page


def test_the_sweep_has_a_queue_of_its_own_which_workers_consume_beside_the_default():
    router = celery_app.amqp.router
    sweep = router.route({}, "deals.tasks.reminder_sweep")["queue"].name
    email = router.route({}, "teams.tasks.send_notification_email")["queue"].name
    fan_out = router.route({}, "teams.tasks.send_notification_emails")["queue"].name

    assert sweep == "sweep"
    assert email == fan_out == celery_app.conf.task_default_queue
    # A worker started without -Q consumes every declared queue.
    assert set(celery_app.conf.task_queues) == {sweep, email}
    beat = celery_app.conf.beat_schedule["reminder-sweep"]
    assert beat["task"] == "deals.tasks.reminder_sweep"
    assert "queue" not in beat["options"]
