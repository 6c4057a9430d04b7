import smtplib

from celery import shared_task

from teams.notifications import email_attempt_failed, email_claim, email_deliver


# The attempts are counted in the database, not by Celery, so that a send
# re-enqueued by the sweep and one retried by Celery share one budget.
@shared_task(bind=True, max_retries=None)
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


@shared_task
def send_notification_emails(notification_ids: list[int]) -> None:
    """Fan out: one sending task per e-mail, so each keeps its own retries.

    A repeat of this task (a worker died half-way) is harmless: a row is sent
    only by the task that claims it.
    """
    for notification_id in notification_ids:
        send_notification_email.delay(notification_id)
