"""Notifications: the in-app inbox, with an e-mail alongside each entry, and the e-mail outbox.

``inbox`` writes notifications: ``notify`` renders everything at once and
stores it on the row, which is also the outbox entry of its e-mail; it marks
them read. ``outbox`` sends: a Celery task sends only what the row holds, and
``email_resend_due`` picks up whatever a lost task or a mail outage left.
``smtp`` is the mail backend that tells an unconfirmed send from a refused one.
``selectors`` reads a user's inbox and counts the e-mails given up; ``views``
serves the inbox.

The names below are what the rest of NegPrep uses.
"""

from teams.notifications.inbox import (
    email_only,
    notification_build,
    notification_mark_read,
    notifications_mark_all_read,
    notifications_save,
    notify,
)
from teams.notifications.outbox import (
    email_attempt_failed,
    email_claim,
    email_deliver,
    email_enqueue,
    email_message_id,
    email_resend_due,
    emails_send_again,
)

__all__ = [
    "email_attempt_failed",
    "email_claim",
    "email_deliver",
    "email_enqueue",
    "email_message_id",
    "email_only",
    "email_resend_due",
    "emails_send_again",
    "notification_build",
    "notification_mark_read",
    "notifications_mark_all_read",
    "notifications_save",
    "notify",
]
