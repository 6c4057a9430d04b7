"""What Celery beat runs, and the settings of each sweep (loaded by base.py).

Every sweep is on a queue of its own (``CELERY_TASK_ROUTES``), so that it never waits behind
e-mails or imports, and each also deletes what is past keeping, a bounded batch per tick.
"""

from negprep.settings.env import env_float, env_int, env_int_list
from negprep.settings.webhooks import *  # noqa: F403 - retries, timeouts, which addresses, keeping
from negprep.settings.webhooks import NEGPREP_WEBHOOK_SWEEP_SECONDS

# How often the reminder sweep runs, and the windows before a meeting in
# which reminders go out (hours).
NEGPREP_SWEEP_INTERVAL_SECONDS = env_float("NEGPREP_SWEEP_INTERVAL_SECONDS", 300.0)
NEGPREP_REMINDER_WINDOWS_HOURS = env_int_list("NEGPREP_REMINDER_WINDOWS_HOURS", [72, 24, 4])
# From this window on the team's managers are told what is still missing.
NEGPREP_ESCALATION_FROM_HOURS = env_int("NEGPREP_ESCALATION_FROM_HOURS", 24)
# After a meeting without a report: remind the rep, then tell the managers (hours after its end).
NEGPREP_REPORT_REMINDER_HOURS = env_int_list("NEGPREP_REPORT_REMINDER_HOURS", [24, 72])
NEGPREP_REPORT_LOOKBACK_DAYS = env_int("NEGPREP_REPORT_LOOKBACK_DAYS", 14)
# Each sweep deletes at most this many ledger rows of meetings whose windows
# (the report windows after it included) have all passed; 0 keeps them all.
NEGPREP_REMINDER_PRUNE_BATCH = env_int("NEGPREP_REMINDER_PRUNE_BATCH", 2000)

# Imports (README, "Import and export"): the sweep sends again the tasks the broker lost, ends a
# job that has not finished NEGPREP_IMPORT_GIVE_UP_MINUTES after it was started or confirmed
# (nothing of it is written: the import is one transaction), and deletes jobs, their files and
# previews NEGPREP_IMPORT_KEEP_DAYS after the upload.
NEGPREP_IMPORT_SWEEP_SECONDS = env_float("NEGPREP_IMPORT_SWEEP_SECONDS", 120.0)
NEGPREP_IMPORT_GIVE_UP_MINUTES = env_int("NEGPREP_IMPORT_GIVE_UP_MINUTES", 60, minimum=15)
NEGPREP_IMPORT_KEEP_DAYS = env_int("NEGPREP_IMPORT_KEEP_DAYS", 30, minimum=1)

CELERY_BEAT_SCHEDULE = {
    "reminder-sweep": {
        "task": "deals.tasks.reminder_sweep",
        "schedule": NEGPREP_SWEEP_INTERVAL_SECONDS,
        # A sweep that could not start in time is skipped: the next one covers it.
        # On its own queue (CELERY_TASK_ROUTES) it waits for a free worker
        # process at most, never for the e-mails queued before it.
        "options": {"expires": NEGPREP_SWEEP_INTERVAL_SECONDS},
    },
    "webhook-sweep": {
        "task": "deals.tasks.webhook_sweep",
        "schedule": NEGPREP_WEBHOOK_SWEEP_SECONDS,
        "options": {"expires": NEGPREP_WEBHOOK_SWEEP_SECONDS},
    },
    "import-sweep": {
        "task": "deals.tasks.import_sweep",
        "schedule": NEGPREP_IMPORT_SWEEP_SECONDS,
        "options": {"expires": NEGPREP_IMPORT_SWEEP_SECONDS},
    },
}
