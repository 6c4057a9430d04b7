from celery import shared_task

from deals.services.sweep import sweep


@shared_task
def reminder_sweep() -> int:
    """Periodic (beat): send the reminders that are due and the e-mails whose task was lost."""
    return sweep()
