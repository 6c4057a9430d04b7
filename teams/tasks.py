"""The Celery tasks of teams, where Celery's autodiscovery looks for them (they live in the outbox)."""

from teams.notifications.outbox import send_notification_email, send_notification_emails

__all__ = ["send_notification_email", "send_notification_emails"]
