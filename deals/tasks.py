from celery import shared_task

from deals.services import sweep


@shared_task
def reminder_sweep() -> int:
    """Periodic (beat): send the reminders that are due and the e-mails whose task was lost."""
    return sweep.reminder_sweep()
