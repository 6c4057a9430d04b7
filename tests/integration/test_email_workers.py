"""Real Celery workers on Redis sending to a real SMTP server: killed mid-send, and the
sweep behind an e-mail backlog."""

from datetime import timedelta

import pytest
from django.utils import timezone

from deals.models import Briefing, BriefingStatus, ConsultationStatus, Reminder
from deals.tasks import reminder_sweep
from teams.models import EmailStatus, Notification, Role
from teams.notifications import email_message_id, notify
from teams.tasks import send_notification_email
from tests.factories import ConsultationFactory
from tests.integration.workers import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def _sending_to(smtp_server, **env) -> dict:
    return {
        "EMAIL_BACKEND": "teams.notifications.smtp.EmailBackend",
        "EMAIL_HOST": smtp_server.host,
        "EMAIL_PORT": str(smtp_server.port),
        **env,
    }


def _notify(world, recipients) -> list[Notification]:
    """Notifications whose e-mails wait for the tasks the test publishes itself, to the worker's queue.

    Made without e-mail, then marked pending: committed at once in these
    tests, a notification's own task would go to the default queue.
    """
    deal = world.objects["deal"]
    context = {"deal": deal, "briefing": deal.briefing, "actor": world.members[Role.REP], "version_number": 1}
    kind, team = "briefing_submitted", world.team
    rows = notify(recipients=recipients, kind=kind, context=context, url="/", team=team, email=False)
    Notification.objects.filter(pk__in=[row.pk for row in rows]).update(email_status=EmailStatus.PENDING)
    return rows


def _status(row) -> str:
    return Notification.objects.values_list("email_status", flat=True).get(pk=row.pk)


def test_a_worker_killed_mid_send_is_taken_over_and_both_copies_carry_one_message_id(
    world, smtp_server, start_worker, eager_off
):
    smtp_server.mode = "hold"
    # The world's briefing counts as approved: the sweep sends no reminder of its own.
    Briefing.objects.update(status=BriefingStatus.APPROVED)
    # A short lease, so the take-over comes within seconds; the first worker is
    # killed long before its own timeout.
    env = _sending_to(smtp_server, EMAIL_TIMEOUT="30", NEGPREP_EMAIL_LEASE_SECONDS="3")
    first = start_worker(**env)
    (row,) = _notify(world, [world.members[Role.MANAGER]])

    send_notification_email.apply_async((row.pk,), queue=first.queue)
    first.wait_for(lambda: smtp_server.count() == 1, what="the message sent, its answer held back")
    first.kill()
    smtp_server.release()  # the server keeps what it took; nobody hears it say so

    row.refresh_from_db()
    assert (row.email_status, row.email_attempts) == (EmailStatus.SENDING, 1)
    smtp_server.mode = "accept"
    second = start_worker(**env)

    def lease_over():
        return Notification.objects.get(pk=row.pk).email_claimed_until < timezone.now()

    wait_for(lease_over, what="the first worker's lease to run out")
    reminder_sweep.apply_async(queue=second.sweep_queue)
    second.wait_for(lambda: _status(row) == EmailStatus.SENT, what="the sweep's take-over")

    row.refresh_from_db()
    assert (row.email_attempts, row.email_unconfirmed) == (2, 1)
    # At least once, and the copy is recognisable: one Message-ID, derived from the row.
    assert smtp_server.message_ids() == [email_message_id(notification=row)] * 2


def test_the_sweep_is_not_dropped_behind_a_backlog_of_emails(world, smtp_server, start_worker, eager_off):
    # Each e-mail takes two seconds: a backlog of ten holds their queue for twenty.
    smtp_server.mode, smtp_server.delay = "slow", 2.0
    worker = start_worker(**_sending_to(smtp_server, EMAIL_TIMEOUT="20"))
    (first,) = _notify(world, [world.members[Role.REP]])
    send_notification_email.apply_async((first.pk,), queue=worker.queue)
    worker.wait_for(lambda: _status(first) == EmailStatus.SENT, what="the worker to be up and sending")
    meeting = world.objects["meeting"]
    meeting.starts_at = timezone.now() + timedelta(hours=70)
    meeting.ends_at = meeting.starts_at + timedelta(hours=2)
    meeting.save()
    # The boss's part is done, so the consultation is all the deal owes.
    Briefing.objects.update(status=BriefingStatus.APPROVED)
    ConsultationFactory(
        deal=meeting.deal,
        department="production",
        required=True,
        status=ConsultationStatus.REQUESTED,
        requested_by=world.members[Role.REP],
        requested_at=timezone.now(),
    )
    team = [world.members[role] for role in Role.values]
    backlog = [row for _ in range(2) for row in _notify(world, team)]
    assert len(backlog) == 10
    for row in backlog:
        send_notification_email.apply_async((row.pk,), queue=worker.queue)

    # As beat sends it, expiring well before the backlog is through.
    reminder_sweep.apply_async(queue=worker.sweep_queue, expires=8)

    worker.wait_for(Reminder.objects.exists, timeout=30, what="the sweep to run")
    sent = Notification.objects.filter(pk__in=[row.pk for row in backlog], email_status=EmailStatus.SENT)
    assert sent.count() < len(backlog) - 1
