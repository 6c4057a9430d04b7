from deals.services.reminders import reminders_sweep
from teams.notifications import email_resend_due


def sweep() -> int:
    """One sweep: reminders due now, then e-mails left behind by a lost task or a dead worker.

    Returns how many reminders were sent. The Celery task and
    ``manage.py send_reminders`` both run exactly this.
    """
    sent = reminders_sweep()
    email_resend_due()
    return sent
