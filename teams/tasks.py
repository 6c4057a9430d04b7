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
