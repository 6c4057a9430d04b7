"""The e-mail outbox: each notification row holds its e-mail; these send it, once, with retries.

A row is claimed with one conditional UPDATE and a lease, so two workers never
both send it; a failed attempt puts it back with a backoff; the sweep
(``email_resend_due``) re-enqueues what a lost task or a broker outage left.
The Celery tasks live here, beside what they call, under the names they have
always had (``teams.tasks.*``).
"""

import logging
import smtplib
from datetime import timedelta
from functools import partial

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from teams.models import EmailStatus, Notification

logger = logging.getLogger(__name__)

# Exponential backoff between sending attempts, short enough that no task
# waits in the broker for long (the database decides what is due).
EMAIL_RETRY_BASE_SECONDS = 30
EMAIL_RETRY_MAX_SECONDS = 600
# Rows younger than this are still in the hands of the task enqueued on commit.
EMAIL_RESEND_GRACE = timedelta(minutes=1)
EMAIL_RESEND_BATCH = 200


def email_enqueue(*, notification_id: int) -> None:
    """Send the notification's e-mail once the current transaction commits."""
    emails_enqueue(notification_ids=[notification_id])


def emails_enqueue(*, notification_ids: list[int]) -> None:
    """Send these notifications' e-mails once the current transaction commits.

    Several go to the broker as one message, which a worker fans out into one
    sending task per e-mail (each with its own retries): a sweep sending
    thousands of reminders publishes a handful of messages, not thousands.
    """
    if notification_ids:
        transaction.on_commit(partial(_enqueue_now, list(notification_ids)))


def _enqueue_now(notification_ids: list[int]) -> None:
    try:
        if len(notification_ids) == 1:
            send_notification_email.delay(notification_ids[0])
        else:
            send_notification_emails.delay(notification_ids)
    except Exception:
        # The rows stay pending in the database; email_resend_due sends them
        # once the broker is back. A broker outage must not fail the request.
        logger.warning("Broker unavailable: e-mails of notifications %s wait for the sweep", notification_ids)


def email_claim(*, notification_id: int) -> Notification | None:
    """Take the row for sending, or ``None`` if it is not ours to send.

    One conditional UPDATE decides, so two workers never both send: a row is
    free when pending, or when a worker's lease on it ran out (it died).
    """
    now = timezone.now()
    lease = timedelta(seconds=settings.NEGPREP_EMAIL_LEASE_SECONDS)
    free = Q(email_status=EmailStatus.PENDING) | Q(
        email_status=EmailStatus.SENDING,
        email_claimed_until__lte=now,
        email_attempts__lt=settings.NEGPREP_EMAIL_MAX_ATTEMPTS,
    )
    claimed = Notification.objects.filter(free, pk=notification_id).update(
        email_status=EmailStatus.SENDING,
        email_attempts=F("email_attempts") + 1,
        email_claimed_until=now + lease,
    )
    if not claimed:
        return None
    return Notification.objects.select_related("recipient").get(pk=notification_id)


def email_deliver(*, notification: Notification) -> bool:
    """Send the claimed row's e-mail and record the outcome.

    Returns False when there is no address to send to (the row is marked
    skipped). SMTP and socket errors propagate, for the caller to retry. The
    last error stays on a sent row, so staff can see a send needed retries.
    """
    address = notification.recipient.email
    if not address or not notification.recipient.is_active:
        _email_finish(notification, email_status=EmailStatus.SKIPPED, email_claimed_until=None)
        return False
    message = EmailMultiAlternatives(
        subject=notification.email_subject,
        body=notification.email_text,
        to=[address],
    )
    if notification.email_html:
        message.attach_alternative(notification.email_html, "text/html")
    message.send()
    sent = {"email_status": EmailStatus.SENT, "email_sent_at": timezone.now(), "email_claimed_until": None}
    if not notification.in_inbox:
        # An outbox-only e-mail (a password-reset link) is not kept once it is out.
        sent.update(email_text="", email_html="")
    _email_finish(notification, **sent)
    return True


def email_attempt_failed(*, notification: Notification, error: Exception) -> int | None:
    """Record a failed attempt; returns the seconds to wait before the next, or None if given up."""
    description = f"{type(error).__name__}: {error}"[:2000]
    if notification.email_attempts < settings.NEGPREP_EMAIL_MAX_ATTEMPTS:
        backoff = EMAIL_RETRY_BASE_SECONDS * 2 ** (notification.email_attempts - 1)
        countdown = min(EMAIL_RETRY_MAX_SECONDS, backoff)
        _email_finish(
            notification,
            email_status=EmailStatus.PENDING,
            email_last_error=description,
            email_claimed_until=timezone.now() + timedelta(seconds=countdown),
        )
        return countdown
    _email_finish(
        notification, email_status=EmailStatus.FAILED, email_last_error=description, email_claimed_until=None
    )
    return None


def _email_finish(notification: Notification, **changes) -> None:
    # Only the holder of this claim (same status and attempt count) may
    # write; a worker whose lease ran out and was taken over writes nothing.
    Notification.objects.filter(
        pk=notification.pk, email_status=EmailStatus.SENDING, email_attempts=notification.email_attempts
    ).update(**changes)
    for name, value in changes.items():
        setattr(notification, name, value)


def email_resend_due(*, limit: int = EMAIL_RESEND_BATCH) -> int:
    """Enqueue the e-mails whose task got lost: pending for over a minute, or
    claimed by a worker whose lease ran out. Returns how many were enqueued.

    Rows that used up their attempts while a worker died are marked failed.
    """
    now = timezone.now()
    Notification.objects.filter(
        email_status=EmailStatus.SENDING,
        email_claimed_until__lte=now,
        email_attempts__gte=settings.NEGPREP_EMAIL_MAX_ATTEMPTS,
    ).update(
        email_status=EmailStatus.FAILED,
        email_claimed_until=None,
        email_last_error="Gave up: the last sending attempt did not finish.",
    )
    due = (
        Notification.objects.filter(
            Q(
                Q(email_claimed_until__isnull=True) | Q(email_claimed_until__lte=now),
                email_status=EmailStatus.PENDING,
                created_at__lte=now - EMAIL_RESEND_GRACE,
            )
            | Q(email_status=EmailStatus.SENDING, email_claimed_until__lte=now)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    ids = list(due)
    for notification_id in ids:
        email_enqueue(notification_id=notification_id)
    return len(ids)


# The Celery tasks ---------------------------------------------------------------


# The attempts are counted in the database, not by Celery, so that a send
# re-enqueued by the sweep and one retried by Celery share one budget.
@shared_task(name="teams.tasks.send_notification_email", bind=True, max_retries=None)
def send_notification_email(self, notification_id: int) -> None:
    notification = email_claim(notification_id=notification_id)
    if notification is None:
        return  # already sent, given up, or another worker holds it
    try:
        email_deliver(notification=notification)
    except (smtplib.SMTPException, OSError) as error:
        countdown = email_attempt_failed(notification=notification, error=error)
        if countdown is not None:
            raise self.retry(countdown=countdown, exc=error) from error


@shared_task(name="teams.tasks.send_notification_emails")
def send_notification_emails(notification_ids: list[int]) -> None:
    """Fan out: one sending task per e-mail, so each keeps its own retries.

    A repeat of this task (a worker died half-way) is harmless: a row is sent
    only by the task that claims it.
    """
    for notification_id in notification_ids:
        send_notification_email.delay(notification_id)
