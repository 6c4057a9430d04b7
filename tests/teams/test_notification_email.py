import smtplib
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from teams.models import EmailStatus, Notification, Role
from teams.notifications import email_attempt_failed, email_claim, email_resend_due, notify
from teams.tasks import send_notification_email
from tests.teams.celery_retries import retries_run_later
from tests.teams.smtp_refusing import PATH as REFUSING_SMTP
from tests.teams.smtp_refusing import RefusingBackend

URL = "/deals/7/briefing/"


@pytest.fixture
def worker_retries():
    """Retries run inline, after the clock moved on by their countdown, as a worker runs them."""
    with retries_run_later() as clock:
        yield clock


@pytest.fixture
def refusing_smtp(settings, worker_retries):
    settings.EMAIL_BACKEND = REFUSING_SMTP
    RefusingBackend.reset(failures=0)
    yield RefusingBackend
    RefusingBackend.reset(failures=0)


def _notify(world, recipient, *, send: bool, capture) -> Notification:
    """One notification for ``recipient``; its e-mail task runs only if ``send``."""
    deal = world.objects["deal"]
    context = {"deal": deal, "briefing": deal.briefing, "actor": world.members[Role.REP], "version_number": 1}
    with capture(execute=send):
        (notification,) = notify(
            recipients=[recipient], kind="briefing_submitted", context=context, url=URL, team=world.team
        )
    notification.refresh_from_db()
    return notification


def test_it_sends_the_email_once_and_records_it(
    world, manager, django_capture_on_commit_callbacks, mailoutbox
):
    row = _notify(world, manager, send=True, capture=django_capture_on_commit_callbacks)

    assert row.email_status == EmailStatus.SENT
    assert row.email_sent_at is not None
    assert row.email_attempts == 1
    assert row.email_claimed_until is None
    (message,) = mailoutbox
    assert message.to == [manager.email]
    assert message.subject == row.email_subject
    assert message.body == row.email_text
    assert message.alternatives[0].content == row.email_html
    assert message.alternatives[0].mimetype == "text/html"


def test_running_the_task_again_sends_nothing_twice(
    world, manager, django_capture_on_commit_callbacks, mailoutbox
):
    row = _notify(world, manager, send=True, capture=django_capture_on_commit_callbacks)

    send_notification_email.delay(row.pk)
    send_notification_email.delay(row.pk)

    row.refresh_from_db()
    assert len(mailoutbox) == 1
    assert row.email_status == EmailStatus.SENT
    assert row.email_attempts == 1


def test_a_row_claimed_by_another_worker_is_left_alone_until_its_lease_ends(
    world, manager, django_capture_on_commit_callbacks, mailoutbox
):
    row = _notify(world, manager, send=False, capture=django_capture_on_commit_callbacks)
    assert email_claim(notification_id=row.pk) is not None  # the other worker

    send_notification_email.delay(row.pk)

    row.refresh_from_db()
    assert mailoutbox == []
    assert row.email_status == EmailStatus.SENDING
    assert row.email_attempts == 1

    # The other worker died: once its lease runs out, the row is taken over.
    Notification.objects.filter(pk=row.pk).update(email_claimed_until=timezone.now() - timedelta(seconds=1))
    send_notification_email.delay(row.pk)

    row.refresh_from_db()
    assert len(mailoutbox) == 1
    assert row.email_status == EmailStatus.SENT
    assert row.email_attempts == 2


def test_a_worker_whose_lease_was_taken_over_cannot_overwrite_the_row(
    world, manager, django_capture_on_commit_callbacks
):
    row = _notify(world, manager, send=False, capture=django_capture_on_commit_callbacks)
    slow = email_claim(notification_id=row.pk)
    Notification.objects.filter(pk=row.pk).update(email_claimed_until=timezone.now() - timedelta(seconds=1))
    email_claim(notification_id=row.pk)

    email_attempt_failed(notification=slow, error=smtplib.SMTPServerDisconnected("late"))

    row.refresh_from_db()
    assert row.email_status == EmailStatus.SENDING
    assert row.email_attempts == 2
    assert row.email_last_error == ""


def test_a_refused_send_is_retried_until_the_server_recovers(
    world, manager, refusing_smtp, django_capture_on_commit_callbacks, mailoutbox
):
    refusing_smtp.reset(failures=2)

    row = _notify(world, manager, send=True, capture=django_capture_on_commit_callbacks)

    assert refusing_smtp.calls == 3
    assert len(mailoutbox) == 1
    assert row.email_status == EmailStatus.SENT
    assert row.email_attempts == 3
    assert row.email_sent_at is not None
    assert "SMTPServerDisconnected" in row.email_last_error


def test_it_gives_up_once_the_retry_period_is_over_and_marks_the_row_failed(
    world, manager, settings, refusing_smtp, django_capture_on_commit_callbacks, mailoutbox
):
    # Attempts at 0, 30, 90 and 210 s; the one at 450 s fails after the 7.5 minutes.
    settings.NEGPREP_EMAIL_RETRY_HOURS = 7.5 / 60
    refusing_smtp.reset(failures=None)

    row = _notify(world, manager, send=True, capture=django_capture_on_commit_callbacks)

    assert refusing_smtp.calls == 5
    assert mailoutbox == []
    assert row.email_status == EmailStatus.FAILED
    assert row.email_attempts == 5
    assert row.email_sent_at is None
    assert "Connection unexpectedly closed" in row.email_last_error

    # A failed row stays failed: neither the task nor the sweep tries again.
    send_notification_email.delay(row.pk)
    Notification.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert email_resend_due() == 0
    assert callbacks == []
    assert refusing_smtp.calls == 5
    row.refresh_from_db()
    assert row.email_status == EmailStatus.FAILED


def test_a_failed_attempt_waits_longer_each_time_but_never_over_ten_minutes(
    world, manager, django_capture_on_commit_callbacks
):
    row = _notify(world, manager, send=False, capture=django_capture_on_commit_callbacks)

    countdowns = []
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(7):
            claimed = email_claim(notification_id=row.pk)
            countdowns.append(
                email_attempt_failed(notification=claimed, error=smtplib.SMTPDataError(451, "later"))
            )
            row.refresh_from_db()
            assert row.email_status == EmailStatus.PENDING
            assert row.email_claimed_until == timezone.now() + timedelta(seconds=countdowns[-1])
            clock.shift(timedelta(seconds=countdowns[-1]))

    assert countdowns == [30, 60, 120, 240, 480, 600, 600]
    assert row.email_attempts == 7


def test_it_skips_a_recipient_without_an_email_address(
    world, manager, django_capture_on_commit_callbacks, mailoutbox
):
    manager.email = ""
    manager.save()

    row = _notify(world, manager, send=True, capture=django_capture_on_commit_callbacks)
    send_notification_email.delay(row.pk)

    row.refresh_from_db()
    assert row.email_status == EmailStatus.SKIPPED
    assert row.email_attempts == 0
    assert mailoutbox == []


def test_it_skips_a_recipient_whose_address_was_removed_before_sending(
    world, manager, django_capture_on_commit_callbacks, mailoutbox
):
    row = _notify(world, manager, send=False, capture=django_capture_on_commit_callbacks)
    manager.email = ""
    manager.save()

    send_notification_email.delay(row.pk)

    row.refresh_from_db()
    assert row.email_status == EmailStatus.SKIPPED
    assert row.email_sent_at is None
    assert mailoutbox == []


def test_a_task_for_a_deleted_notification_does_nothing(mailoutbox, db):
    send_notification_email.delay(999_999)
    assert mailoutbox == []


def _age(row, **delta):
    Notification.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(**delta))


def test_the_resend_sweep_sends_an_email_whose_task_was_lost(
    world, manager, django_capture_on_commit_callbacks, mailoutbox
):
    row = _notify(world, manager, send=False, capture=django_capture_on_commit_callbacks)
    _age(row, minutes=2)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert email_resend_due() == 1

    assert len(callbacks) == 1
    row.refresh_from_db()
    assert row.email_status == EmailStatus.SENT
    assert len(mailoutbox) == 1


def test_the_resend_sweep_takes_over_a_send_whose_worker_died(
    world, manager, django_capture_on_commit_callbacks, mailoutbox
):
    row = _notify(world, manager, send=False, capture=django_capture_on_commit_callbacks)
    email_claim(notification_id=row.pk)
    Notification.objects.filter(pk=row.pk).update(email_claimed_until=timezone.now() - timedelta(seconds=1))

    with django_capture_on_commit_callbacks(execute=True):
        assert email_resend_due() == 1

    row.refresh_from_db()
    assert row.email_status == EmailStatus.SENT
    assert row.email_attempts == 2
    assert len(mailoutbox) == 1


def test_the_resend_sweep_picks_up_a_retry_lost_with_the_broker_once_its_backoff_ends(
    world, manager, django_capture_on_commit_callbacks, mailoutbox
):
    row = _notify(world, manager, send=False, capture=django_capture_on_commit_callbacks)
    _age(row, minutes=5)
    claimed = email_claim(notification_id=row.pk)
    email_attempt_failed(notification=claimed, error=smtplib.SMTPServerDisconnected("down"))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert email_resend_due() == 0
    assert callbacks == []

    Notification.objects.filter(pk=row.pk).update(email_claimed_until=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert email_resend_due() == 1

    row.refresh_from_db()
    assert row.email_status == EmailStatus.SENT
    assert row.email_attempts == 2
    assert len(mailoutbox) == 1


def test_the_resend_sweep_leaves_fresh_busy_and_finished_rows_alone(
    world, manager, django_capture_on_commit_callbacks, mailoutbox
):
    capture = django_capture_on_commit_callbacks
    fresh = _notify(world, manager, send=False, capture=capture)
    busy = _notify(world, manager, send=False, capture=capture)
    _age(busy, minutes=5)
    email_claim(notification_id=busy.pk)
    sent = _notify(world, manager, send=True, capture=capture)
    _age(sent, minutes=5)
    manager.email = ""
    manager.save()
    skipped = _notify(world, manager, send=False, capture=capture)
    _age(skipped, minutes=5)

    with capture(execute=True) as callbacks:
        assert email_resend_due() == 0

    assert callbacks == []
    assert len(mailoutbox) == 1
    statuses = dict(Notification.objects.values_list("pk", "email_status"))
    assert statuses == {
        fresh.pk: EmailStatus.PENDING,
        busy.pk: EmailStatus.SENDING,
        sent.pk: EmailStatus.SENT,
        skipped.pk: EmailStatus.SKIPPED,
    }


def test_the_resend_sweep_works_in_bounded_batches_oldest_first(
    world, manager, django_capture_on_commit_callbacks, mailoutbox
):
    rows = [_notify(world, manager, send=False, capture=django_capture_on_commit_callbacks) for _ in range(3)]
    for minutes, row in zip([30, 20, 10], rows, strict=True):
        _age(row, minutes=minutes)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert email_resend_due(limit=2) == 2

    assert len(callbacks) == 2
    statuses = dict(Notification.objects.values_list("pk", "email_status"))
    assert [statuses[row.pk] for row in rows] == [EmailStatus.SENT, EmailStatus.SENT, EmailStatus.PENDING]


def test_the_resend_sweep_fails_a_row_whose_last_attempt_never_finished(
    world, manager, settings, django_capture_on_commit_callbacks, mailoutbox
):
    row = _notify(world, manager, send=False, capture=django_capture_on_commit_callbacks)
    email_claim(notification_id=row.pk)
    # The worker died, and the retry period ran out before anyone took the row over.
    Notification.objects.filter(pk=row.pk).update(
        email_claimed_until=timezone.now() - timedelta(seconds=1),
        email_first_attempt_at=timezone.now() - timedelta(hours=settings.NEGPREP_EMAIL_RETRY_HOURS),
    )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert email_resend_due() == 0

    assert callbacks == []
    row.refresh_from_db()
    assert row.email_status == EmailStatus.FAILED
    assert row.email_attempts == 1
    assert "did not finish" in row.email_last_error
    assert mailoutbox == []


def test_staff_see_failed_emails_in_the_admin_and_requeue_them(
    client, world, manager, settings, refusing_smtp, django_capture_on_commit_callbacks, mailoutbox
):
    settings.NEGPREP_EMAIL_RETRY_HOURS = 1 / 60
    refusing_smtp.reset(failures=None)
    failed = _notify(world, manager, send=True, capture=django_capture_on_commit_callbacks)
    refusing_smtp.reset(failures=0)
    sent = _notify(world, manager, send=True, capture=django_capture_on_commit_callbacks)
    assert failed.email_status == EmailStatus.FAILED
    client.force_login(world.staff)
    changelist = reverse("admin:teams_notification_changelist")

    listing = client.get(changelist, {"email_status__exact": "failed"})
    assert listing.status_code == 200
    assert list(listing.context["cl"].queryset) == [failed]
    detail = client.get(reverse("admin:teams_notification_change", args=[failed.pk]))
    assert "Connection unexpectedly closed" in detail.content.decode()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            changelist, {"action": "requeue_email", "_selected_action": [failed.pk, sent.pk]}
        )

    assert response.status_code == 302
    assert len(callbacks) == 1
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert failed.email_status == EmailStatus.SENT
    assert failed.email_attempts == 1
    assert sent.email_attempts == 1
    assert [m.to for m in mailoutbox] == [[manager.email], [manager.email]]


def test_a_broker_outage_keeps_the_email_pending_and_the_request_succeeds(
    world, django_capture_on_commit_callbacks, broker_down, mailoutbox
):
    from teams.tasks import send_notification_email

    broker_down(send_notification_email)
    row = _notify(world, world.members[Role.MANAGER], send=True, capture=django_capture_on_commit_callbacks)
    assert row.email_status == EmailStatus.PENDING
    assert row.email_attempts == 0
    assert mailoutbox == []
