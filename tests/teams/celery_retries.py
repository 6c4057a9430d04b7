"""Celery retries in eager mode, run as a worker runs them: after their countdown.

An eager task re-runs a retry inline at once; a worker waits out its
countdown first. ``retries_run_later`` moves the clock on by the countdown
before each re-run (a retry that came early would find the e-mail still
waiting out its backoff, and take nothing), and keeps the retry from being
raised to the caller, which a worker never does either.
"""

from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import time_machine
from django.utils import timezone

from negprep.celery import app as celery_app
from teams.tasks import send_notification_email


@contextmanager
def retries_run_later():
    before = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    retry = send_notification_email.retry
    try:
        with time_machine.travel(timezone.now()) as clock:

            def retry_later(*args, countdown, **kwargs):
                clock.shift(timedelta(seconds=countdown))
                return retry(*args, countdown=countdown, **kwargs)

            with mock.patch.object(send_notification_email, "retry", retry_later):
                yield clock
    finally:
        celery_app.conf.task_eager_propagates = before
