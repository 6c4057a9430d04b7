from deals.services.reminders import reminders_prune, reminders_send_due
from teams.notifications import email_resend_due


def reminder_sweep() -> int:
    """One reminder sweep: reminders due now, e-mails left behind by a lost task or a
    dead worker, then a bounded batch of ledger rows no sweep needs any more.

    Returns how many reminders were sent. The Celery task ``deals.tasks.reminder_sweep``
    and ``manage.py send_reminders`` both run exactly this.
    """
    sent = reminders_send_due()
    email_resend_due()
    reminders_prune()
    return sent
