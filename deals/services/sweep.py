from deals.services.reminders import reminders_prune, reminders_sweep
from teams.notifications import email_resend_due


def sweep() -> int:
    """One sweep: reminders due now, e-mails left behind by a lost task or a
    dead worker, then a bounded batch of ledger rows no sweep needs any more.

    Returns how many reminders were sent. The Celery task and
    ``manage.py send_reminders`` both run exactly this.
    """
    sent = reminders_sweep()
    email_resend_due()
    reminders_prune()
    return sent
