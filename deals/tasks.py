from celery import shared_task

from deals.services import sweep


@shared_task
def reminder_sweep() -> int:
    """Periodic (beat): send the reminders that are due and the e-mails whose task was lost.

    Routed to a queue of its own (``CELERY_TASK_ROUTES``), so it never waits behind e-mails.
    """
    return sweep.reminder_sweep()


# Webhook deliveries: the tasks live beside what they call; imported here for discovery.
from deals.services.webhook_delivery import webhook_deliver, webhook_sweep  # noqa: E402, F401
