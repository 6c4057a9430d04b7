"""Notifications: the in-app inbox, with an e-mail alongside each entry.

``notify`` renders everything at once and stores it on the row, which is
also the e-mail outbox: the Celery task only sends what the row holds, and
``email_resend_due`` picks up whatever a lost task or a mail outage left.
"""

import logging
import re
from collections.abc import Iterable
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone

from negprep.errors import NotAllowed
from teams.models import EmailStatus, Notification, Team, User

logger = logging.getLogger(__name__)

# Exponential backoff between sending attempts, short enough that no task
# waits in the broker for long (the database decides what is due).
EMAIL_RETRY_BASE_SECONDS = 30
EMAIL_RETRY_MAX_SECONDS = 600
# Rows younger than this are still in the hands of the task enqueued on commit.
EMAIL_RESEND_GRACE = timedelta(minutes=1)
EMAIL_RESEND_BATCH = 200

_TITLE_MAX = Notification._meta.get_field("title").max_length
_SUBJECT_MAX = Notification._meta.get_field("email_subject").max_length


def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    context: dict,
    url: str,
    team: Team | None = None,
    topic: str = "",
    email: bool = True,
) -> list[Notification]:
    """Create one notification per distinct active recipient and e-mail it after commit.

    ``topic`` names what the notification is about (a deal), for grouping in
    the inbox; ``email=False`` keeps it in the inbox only.

    ``url`` is the site-relative path of the page where the recipient acts;
    the e-mail links to it absolutely. Templates: ``emails/<kind>_subject.txt``,
    ``emails/<kind>.txt`` and ``emails/<kind>.html``.
    """
    unique: dict[int, User] = {}
    for user in recipients:
        if user.is_active and user.pk not in unique:
            unique[user.pk] = user
    rows = [
        notification_build(
            recipient=recipient, kind=kind, context=context, url=url, team=team, topic=topic, email=email
        )
        for recipient in unique.values()
    ]
    return notifications_save(rows)


def notification_build(
    *,
    recipient: User,
    kind: str,
    context: dict,
    url: str,
    team: Team | None = None,
    topic: str = "",
    email: bool = True,
) -> Notification:
    """Render one notification (unsaved); ``notifications_save`` stores a batch of them."""
    if not url.startswith("/") or url.startswith("//"):
        raise ValueError(f"A notification links to a path on this site, not {url!r}.")
    links = {
        "action_url": settings.NEGPREP_BASE_URL + url,
        "inbox_url": settings.NEGPREP_BASE_URL + reverse("notifications"),
    }
    subject, text, html = _render_email(kind, {"team": team, **context, **links, "recipient": recipient})
    return Notification(
        recipient=recipient,
        team=team,
        kind=kind,
        topic=_shorten(topic, 200),
        title=_shorten(subject, _TITLE_MAX),
        body=text,
        url=url,
        email_status=EmailStatus.PENDING if email and recipient.email else EmailStatus.SKIPPED,
        email_subject=_shorten(subject, _SUBJECT_MAX),
        email_text=text,
        email_html=html,
    )


def notifications_save(rows: list[Notification]) -> list[Notification]:
    """Store the notifications in one insert and queue their e-mails for after commit."""
    if not rows:
        return []
    with transaction.atomic():
        created = Notification.objects.bulk_create(rows)
        emails_enqueue(
            notification_ids=[row.pk for row in created if row.email_status == EmailStatus.PENDING]
        )
    return created


def _render_email(kind: str, context: dict) -> tuple[str, str, str]:
    # Dates in an e-mail are read where the recipient is.
    with timezone.override(context["recipient"].time_zone or settings.TIME_ZONE):
        subject = " ".join(_render_plain(f"emails/{kind}_subject.txt", context).split())
        context = {**context, "subject": subject}
        text = _render_plain(f"emails/{kind}.txt", context)
        text = re.sub(r"[ \t]+\n", "\n", text)
        text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
        html = render_to_string(f"emails/{kind}.html", context)
    return subject, text, html


def _render_plain(template_name: str, context: dict) -> str:
    # Plain text must not be HTML-escaped: "R&D" stays "R&D" in a subject.
    return get_template(template_name).template.render(Context(context, autoescape=False))


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def notification_mark_read(*, notification: Notification, user: User) -> bool:
    """Mark the notification read; only its recipient may. Returns whether it was unread."""
    if notification.recipient_id != user.pk:
        raise NotAllowed("Only the recipient can mark a notification read.")
    if notification.read_at is not None:
        return False
    now = timezone.now()
    changed = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
    if changed:
        notification.read_at = now
    else:
        notification.refresh_from_db(fields=["read_at"])
    return bool(changed)


def notifications_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of the user read; returns how many."""
    return Notification.objects.filter(recipient=user, in_inbox=True, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# E-mail outbox ------------------------------------------------------------------


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
    from teams.tasks import send_notification_email, send_notification_emails

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


def email_only(*, recipient: User, kind: str, subject: str, text: str, html: str = "") -> Notification:
    """An e-mail that goes through the outbox (retries, resend by the sweep) without an inbox line."""
    row = Notification(
        recipient=recipient,
        kind=kind,
        in_inbox=False,
        title=_shorten(subject, _TITLE_MAX),
        url=reverse("home"),
        read_at=timezone.now(),
        email_status=EmailStatus.PENDING if recipient.email else EmailStatus.SKIPPED,
        email_subject=_shorten(subject, _SUBJECT_MAX),
        email_text=text,
        email_html=html,
    )
    return notifications_save([row])[0]


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
