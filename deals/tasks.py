from celery import shared_task

from deals.services import sweep


@shared_task
def reminder_sweep() -> int:
    """Periodic (beat): send the reminders that are due and the e-mails whose task was lost.

    Routed to a queue of its own (``CELERY_TASK_ROUTES``), so it never waits behind e-mails.
    """
    return sweep.reminder_sweep()
