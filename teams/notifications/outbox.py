"""The e-mail outbox: each notification row holds its e-mail; these send it, once, with retries.

A row is claimed with one conditional UPDATE and a lease, so two workers never
both send it; a failed attempt puts it back with a backoff, and nothing takes
it before its backoff ends; the sweep (``email_resend_due``) re-enqueues what
a lost task or a broker outage left. Failed attempts are retried for
``NEGPREP_EMAIL_RETRY_HOURS`` before a row is marked failed. Every attempt
sends the same Message-ID, derived from the row, so a copy sent twice (a
worker died mid-send, or the server never confirmed) can be recognised.
The Celery tasks live here, beside what they call, under the names they have
always had (``teams.tasks.*``).
"""

import smtplib
from datetime import timedelta
from functools import partial
from urllib.parse import urlsplit

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Case, DateTimeField, F, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from negprep.celery import delay_or_leave_to_sweep
from teams.models import EmailStatus, Notification
from teams.notifications.smtp import DeliveryUnknown

# Exponential backoff between sending attempts, short enough that no task
# waits in the broker for long (the database decides what is due).
EMAIL_RETRY_BASE_SECONDS = 30
EMAIL_RETRY_MAX_SECONDS = 600
# Rows waiting out their backoff after an attempt.
_WAITING = [EmailStatus.PENDING, EmailStatus.UNKNOWN]
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
    # The rows stay pending in the database; email_resend_due sends them once the broker is back.
    waiting = f"the e-mails of notifications {notification_ids}"
    if len(notification_ids) == 1:
        delay_or_leave_to_sweep(send_notification_email, notification_ids[0], waiting=waiting)
    else:
        delay_or_leave_to_sweep(send_notification_emails, notification_ids, waiting=waiting)


def email_message_id(*, notification: Notification) -> str:
    """The Message-ID of the row's e-mail: the same on every attempt, unique to the row."""
    domain = urlsplit(settings.NEGPREP_BASE_URL).hostname or "negprep.localhost"
    return f"<negprep.notification.{notification.pk}@{domain}>"


def _retry_period() -> timedelta:
    return timedelta(hours=settings.NEGPREP_EMAIL_RETRY_HOURS)


def email_claim(*, notification_id: int) -> Notification | None:
    """Take the row for sending, or ``None`` if it is not ours to send.

    One conditional UPDATE decides, so two workers never both send: a row is
    free when pending or unconfirmed and its backoff is over (a task arriving
    early takes nothing), or when a worker's lease on it ran out (it died)
    within the retry period. A worker that died may have sent the message
    first: taking its row over counts as an unconfirmed attempt.
    """
    now = timezone.now()
    lease = timedelta(seconds=settings.NEGPREP_EMAIL_LEASE_SECONDS)
    due = Q(email_claimed_until__isnull=True) | Q(email_claimed_until__lte=now)
    free = Q(due, email_status__in=_WAITING) | Q(
        email_status=EmailStatus.SENDING,
        email_claimed_until__lte=now,
        email_first_attempt_at__gt=now - _retry_period(),
    )
    claimed = Notification.objects.filter(free, pk=notification_id).update(
        email_status=EmailStatus.SENDING,
        email_attempts=F("email_attempts") + 1,
        email_claimed_until=now + lease,
        email_first_attempt_at=Coalesce("email_first_attempt_at", Value(now), output_field=DateTimeField()),
        email_unconfirmed=F("email_unconfirmed")
        + Case(When(email_status=EmailStatus.SENDING, then=1), default=0, output_field=IntegerField()),
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
        headers={"Message-ID": email_message_id(notification=notification)},
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
    """Record an attempt that did not end in a confirmed send.

    Returns the seconds to wait before the next attempt, or None once the
    retry period is over and the row is marked failed. An attempt the server
    may have taken (``DeliveryUnknown``) leaves the row unconfirmed, not
    failed: it is sent again, with the same Message-ID.
    """
    now = timezone.now()
    changes = {"email_last_error": f"{type(error).__name__}: {error}"[:2000]}
    unconfirmed = isinstance(error, DeliveryUnknown)
    if unconfirmed:
        changes["email_unconfirmed"] = notification.email_unconfirmed + 1
    if now < (notification.email_first_attempt_at or now) + _retry_period():
        countdown = email_backoff(attempts=notification.email_attempts)
        _email_finish(
            notification,
            email_status=EmailStatus.UNKNOWN if unconfirmed else EmailStatus.PENDING,
            email_claimed_until=now + timedelta(seconds=countdown),
            **changes,
        )
        return countdown
    _email_finish(notification, email_status=EmailStatus.FAILED, email_claimed_until=None, **changes)
    return None


def email_backoff(*, attempts: int) -> int:
    """Seconds to wait after this many attempts: 30, 60, 120, ... up to 10 minutes."""
    doublings = min(attempts - 1, 10)  # the cap is reached long before; no huge powers
    return min(EMAIL_RETRY_MAX_SECONDS, EMAIL_RETRY_BASE_SECONDS * 2**doublings)


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
    waiting after an attempt whose backoff is over, or claimed by a worker
    whose lease ran out. Returns how many were enqueued.

    Rows whose worker died after their retry period ended are marked failed.
    """
    now = timezone.now()
    Notification.objects.filter(
        email_status=EmailStatus.SENDING,
        email_claimed_until__lte=now,
        email_first_attempt_at__lte=now - _retry_period(),
    ).update(
        email_status=EmailStatus.FAILED,
        email_claimed_until=None,
        email_last_error="Gave up: the last sending attempt did not finish.",
    )
    due = (
        Notification.objects.filter(
            Q(
                Q(email_claimed_until__isnull=True) | Q(email_claimed_until__lte=now),
                email_status__in=_WAITING,
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


def emails_send_again(*, notification_ids: list[int]) -> int:
    """Queue the failed e-mails among these again, with a new retry period; returns how many.

    The others are left alone: a sent e-mail is not sent twice this way.
    """
    with transaction.atomic():
        failed = Notification.objects.filter(pk__in=notification_ids, email_status=EmailStatus.FAILED)
        ids = list(failed.select_for_update().values_list("pk", flat=True))
        Notification.objects.filter(pk__in=ids).update(
            email_status=EmailStatus.PENDING,
            email_attempts=0,
            email_first_attempt_at=None,
            email_claimed_until=None,
        )
        emails_enqueue(notification_ids=ids)
    return len(ids)


# The Celery tasks ---------------------------------------------------------------


# The attempts and the retry period are kept in the database, not by Celery,
# so that a send re-enqueued by the sweep and one retried by Celery share them.
@shared_task(name="teams.tasks.send_notification_email", bind=True, max_retries=None)
def send_notification_email(self, notification_id: int) -> None:
    notification = email_claim(notification_id=notification_id)
    if notification is None:
        return  # already sent, given up, waiting out its backoff, or another worker holds it
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
