import logging
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "negprep.settings.local")

app = Celery("negprep")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


logger = logging.getLogger(__name__)


def delay_or_leave_to_sweep(task, *args, waiting: str) -> None:
    """Queue ``task``; when the broker is down, log that ``waiting`` waits for its sweep instead.

    For work the database already holds as due (an e-mail, a webhook delivery, an import): its sweep
    sends it once the broker is back, so a broker outage never fails the request that asked for it.
    """
    try:
        task.delay(*args)
    except Exception:
        logger.warning("Broker unavailable: %s waits for the sweep", waiting)
