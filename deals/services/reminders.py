"""The reminder sweep (DESIGN.md, "Reminders").

The database, not the broker, decides what is due: every sweep re-derives
the work from meetings, consultations and reports, so a lost task, a broker
restart or a beat that fired twice changes nothing. Each reminder is claimed
by inserting its ledger row (a batch at a time); the unique key (subject,
window, recipient, meeting start) lets only one of two racing sweeps win, and
the in-app notification (with its e-mail, sent from the notification outbox
with retries) is created in the same transaction as the claim.

What is due comes from ``deals.selectors.reminders``: only keys missing from
the ledger leave the database. Once a meeting's windows have all passed its
ledger rows are pruned (``reminders_prune``): the sweep never looks at such a
meeting again, so no reminder goes out twice.
"""

import logging
import uuid
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Subquery
from django.utils import timezone

from deals.domain.reminders import ReminderSettings, reconsider_after
from deals.models import Reminder
from deals.selectors.reminders import DueReminder, reminders_due
from teams.notifications import notification_build, notifications_save

logger = logging.getLogger(__name__)


# Reminders claimed and notified per transaction: a handful of queries for each batch.
CLAIM_BATCH = 200


def _claim_and_notify(due: list[DueReminder]) -> int:
    """Claim each due reminder and create its notification in the same transaction.

    The due-queries already left out what the ledger holds. One insert per
    batch that ignores conflicts claims the rest: the unique key lets only
    one of two racing sweeps insert a row, and the rows stamped with this
    sweep's id are the ones it won. Returns how many reminders this sweep sent.
    """
    # One order for every sweep: racing inserts then wait on each other's rows
    # in the same sequence and cannot deadlock.
    # A deactivated user is not reminded at all, so nothing is claimed for them either.
    fresh = sorted(
        {item.key: item for item in due if item.recipient.is_active}.values(),
        key=lambda item: item.key,
    )
    sent = 0
    for start in range(0, len(fresh), CLAIM_BATCH):
        batch = fresh[start : start + CLAIM_BATCH]
        claim = uuid.uuid4()
        with transaction.atomic():
            Reminder.objects.bulk_create(
                [
                    Reminder(
                        kind=item.kind,
                        subject=item.subject,
                        window_hours=item.window,
                        meeting=item.meeting,
                        meeting_starts_at=item.meeting.starts_at,
                        consultation=item.consultation,
                        recipient=item.recipient,
                        claimed_by=claim,
                    )
                    for item in batch
                ],
                ignore_conflicts=True,
            )
            won = {
                (subject, window, recipient_id, starts_at): pk
                for pk, subject, window, recipient_id, starts_at in Reminder.objects.filter(
                    meeting_id__in={item.meeting.pk for item in batch}, claimed_by=claim
                ).values_list("pk", "subject", "window_hours", "recipient_id", "meeting_starts_at")
            }
            ours = [item for item in batch if item.key in won]
            notifications = notifications_save(
                [
                    notification_build(
                        recipient=item.recipient,
                        kind=item.template,
                        context={**item.context, "window_hours": item.window},
                        url=item.url,
                        team=item.meeting.deal.team,
                        topic=item.meeting.deal.title,
                        email=item.recipient.email_reminders,
                    )
                    for item in ours
                ]
            )
            _link_notifications(
                [
                    (won[item.key], notification.pk)
                    for item, notification in zip(ours, notifications, strict=True)
                ]
            )
        sent += len(ours)
    return sent


def _link_notifications(links: list[tuple[int, int]]) -> None:
    """Point each won ledger row at its notification, in one UPDATE."""
    if not links:
        return
    table = Reminder._meta.db_table
    pairs = " UNION ALL ".join(["SELECT %s AS reminder_id, %s AS notification_id"] * len(links))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET notification_id = linked.notification_id "  # noqa: S608 - fixed names
            f"FROM ({pairs}) AS linked WHERE {table}.id = linked.reminder_id",
            [value for link in links for value in link],
        )


def reminders_send_due(*, now: datetime | None = None) -> int:
    """Send every reminder that is due now and not sent yet; returns how many were sent."""
    now = now or timezone.now()
    sent = _claim_and_notify(reminders_due(now=now, config=ReminderSettings.from_settings()))
    if sent:
        logger.info("Reminder sweep sent %s reminders", sent)
    return sent


def reminders_prune(*, now: datetime | None = None, limit: int | None = None) -> int:
    """Delete up to ``limit`` ledger rows of meetings the sweep will never look at again.

    Bounded, so a first prune of a long history spreads over several sweeps.
    Returns how many rows were deleted.
    """
    now = now or timezone.now()
    limit = settings.NEGPREP_REMINDER_PRUNE_BATCH if limit is None else limit
    if limit <= 0:
        return 0
    cutoff = reconsider_after(now=now, config=ReminderSettings.from_settings())
    past = Reminder.objects.filter(meeting_starts_at__lte=cutoff).order_by().values("pk")[:limit]
    deleted, _ = Reminder.objects.filter(pk__in=Subquery(past)).delete()
    return deleted
