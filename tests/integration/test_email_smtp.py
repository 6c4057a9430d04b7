"""Notification e-mails against a real SMTP server that refuses, is slow, or is down for hours.

The app's code runs as it does in production (NegPrep's SMTP backend over a
real socket, the outbox, the sweep), with the Celery tasks run in process.
Hours of an outage pass on a controlled clock: each tick is one beat sweep.
The socket timeouts are real, so a slow answer takes a real second.
"""

from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from deals.models import Briefing, BriefingStatus, ConsultationStatus
from deals.services.sweep import reminder_sweep
from teams.models import EmailStatus, Notification, Role
from teams.notifications import email_message_id, notify
from teams.tasks import send_notification_email
from tests.factories import ConsultationFactory

SWEEP_INTERVAL = timedelta(minutes=5)
# Before the retry period: an e-mail was given up after five attempts, 7.5 minutes.
OLD_LIMIT = timedelta(seconds=30 + 60 + 120 + 240)

pytestmark = pytest.mark.usefixtures("as_a_worker_runs_tasks")


@pytest.fixture
def clock(world):
    # The world's briefing counts as approved: the sweeps send only the e-mails each test sets up.
    Briefing.objects.update(status=BriefingStatus.APPROVED)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


@pytest.fixture
def reminders_due(world):
    """A meeting 70 hours ahead with a required consultation unanswered: the next sweep reminds two people."""
    meeting = world.objects["meeting"]
    meeting.starts_at = timezone.now() + timedelta(hours=70, minutes=30)
    meeting.ends_at = meeting.starts_at + timedelta(hours=2)
    meeting.save()
    ConsultationFactory(
        deal=meeting.deal,
        department="production",
        required=True,
        status=ConsultationStatus.REQUESTED,
        requested_by=world.members[Role.REP],
        requested_at=timezone.now(),
    )
    return meeting


def _sweeps(clock, capture, ticks: int, after_each=None) -> None:
    """Run a beat sweep, then let an interval pass, ``ticks`` times."""
    for _ in range(ticks):
        with capture(execute=True):
            reminder_sweep()
        clock.shift(SWEEP_INTERVAL)
        if after_each:
            after_each()


def _sweeps_until(clock, capture, condition, most: int) -> None:
    """Sweep every interval until ``condition()`` holds, failing after ``most`` sweeps."""
    for _ in range(most):
        _sweeps(clock, capture, 1)
        if condition():
            return
    raise AssertionError(f"still not done after {most} sweeps")


def _notify(world, recipients, capture) -> list[Notification]:
    deal = world.objects["deal"]
    context = {"deal": deal, "briefing": deal.briefing, "actor": world.members[Role.REP], "version_number": 1}
    with capture(execute=True):
        rows = notify(
            recipients=recipients, kind="briefing_submitted", context=context, url="/", team=world.team
        )
    return list(Notification.objects.filter(pk__in=[row.pk for row in rows]).order_by("pk"))


def _all_sent(rows) -> bool:
    statuses = set(Notification.objects.filter(pk__in=[row.pk for row in rows]).values_list("email_status"))
    return statuses == {(EmailStatus.SENT,)}


def test_an_outage_of_hours_delivers_every_reminder_once_when_the_server_is_back(
    world, reminders_due, smtp, clock, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    smtp.stop()
    outage = timedelta(hours=3)
    attempts_seen = []  # (minutes into the outage, attempts so far) of one reminder

    def note_attempts():
        row = Notification.objects.filter(kind="reminder_consultation").order_by("pk").first()
        attempts_seen.append(row.email_attempts)

    _sweeps(clock, capture, outage // SWEEP_INTERVAL, after_each=note_attempts)

    reminders = list(Notification.objects.filter(kind="reminder_consultation"))
    assert len(reminders) == 2
    assert outage > 20 * OLD_LIMIT
    assert {row.email_status for row in reminders} == {EmailStatus.PENDING}
    assert "ConnectionRefusedError" in reminders[0].email_last_error
    # Every interval until the backoff reaches its cap of 10 minutes, then every other one.
    new_attempts = [after - before for before, after in zip([0, *attempts_seen], attempts_seen, strict=False)]
    assert new_attempts[:6] == [1, 1, 1, 1, 1, 0]
    assert set(new_attempts[6:]) == {0, 1}
    assert "0, 0" not in ", ".join(map(str, new_attempts)), "a row waited longer than the cap"

    smtp.start()
    _sweeps_until(clock, capture, lambda: _all_sent(reminders), most=3)

    assert Counter(smtp.message_ids()) == {email_message_id(notification=row): 1 for row in reminders}
    assert not Notification.objects.filter(email_status=EmailStatus.FAILED).exists()


def test_a_refusing_server_is_tried_again_past_the_old_limit_until_it_takes_the_email(
    world, smtp, clock, django_capture_on_commit_callbacks
):
    smtp.mode = "refuse"
    rows = _notify(
        world, [world.members[Role.MANAGER], world.members[Role.FINANCE]], django_capture_on_commit_callbacks
    )
    _sweeps(clock, django_capture_on_commit_callbacks, 12)

    for row in rows:
        row.refresh_from_db()
        assert row.email_status == EmailStatus.PENDING
        assert row.email_attempts > 5
        assert "451" in row.email_last_error
    assert smtp.count() == 0

    smtp.mode = "accept"
    _sweeps_until(clock, django_capture_on_commit_callbacks, lambda: _all_sent(rows), most=3)

    assert sorted(smtp.message_ids()) == sorted(email_message_id(notification=row) for row in rows)


def test_a_server_answering_after_the_timeout_leaves_it_unconfirmed_and_the_copy_has_the_same_message_id(
    world, smtp, clock, django_capture_on_commit_callbacks
):
    smtp.mode, smtp.delay = "slow", 3.0

    (row,) = _notify(world, [world.members[Role.MANAGER]], django_capture_on_commit_callbacks)

    row.refresh_from_db()
    assert row.email_status == EmailStatus.UNKNOWN
    assert row.email_unconfirmed == 1
    assert "DeliveryUnknown" in row.email_last_error
    assert "timed out" in row.email_last_error
    assert smtp.count() == 1  # the server took it: the recipient may well have it
    # Waiting out its backoff, it is taken by no task, however early.
    send_notification_email.delay(row.pk)
    row.refresh_from_db()
    assert (row.email_status, row.email_attempts, smtp.count()) == (EmailStatus.UNKNOWN, 1, 1)

    smtp.mode = "accept"
    _sweeps_until(clock, django_capture_on_commit_callbacks, lambda: _all_sent([row]), most=3)

    row.refresh_from_db()
    assert row.email_unconfirmed == 1
    assert row.email_attempts == 2
    # Two copies, one Message-ID: downstream sees they are the same e-mail.
    assert smtp.message_ids() == [email_message_id(notification=row)] * 2


def test_a_refused_email_is_a_failed_attempt_not_an_unconfirmed_one(
    world, smtp, clock, django_capture_on_commit_callbacks
):
    smtp.mode = "refuse"

    (row,) = _notify(world, [world.members[Role.MANAGER]], django_capture_on_commit_callbacks)

    row.refresh_from_db()
    assert (row.email_status, row.email_unconfirmed) == (EmailStatus.PENDING, 0)


def test_what_fails_for_longer_than_a_day_is_counted_on_healthz_and_sent_again_by_staff(
    client, world, smtp, clock, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    smtp.stop()
    rows = _notify(world, [world.members[Role.MANAGER], world.members[Role.FINANCE]], capture)

    _sweeps(clock, capture, timedelta(hours=23, minutes=50) // SWEEP_INTERVAL)
    assert set(Notification.objects.values_list("email_status", flat=True)) == {EmailStatus.PENDING}
    assert client.get(reverse("healthz")).json()["email_failed"] == 0
    _sweeps(clock, capture, 4)

    assert set(Notification.objects.values_list("email_status", flat=True)) == {EmailStatus.FAILED}
    health = client.get(reverse("healthz"))
    assert (health.status_code, health.json()["email_failed"]) == (200, 2)
    # Nothing sends a failed e-mail by itself, even with the server back.
    smtp.start()
    _sweeps(clock, capture, 3)
    assert smtp.count() == 0

    client.force_login(world.staff)
    with capture(execute=True):
        client.post(
            reverse("admin:teams_notification_changelist"),
            {"action": "requeue_email", "_selected_action": [row.pk for row in rows]},
        )

    assert _all_sent(rows)
    assert sorted(smtp.message_ids()) == sorted(email_message_id(notification=row) for row in rows)
    assert client.get(reverse("healthz")).json()["email_failed"] == 0
