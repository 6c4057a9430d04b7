"""Webhooks' settings (README, "Webhooks"), loaded by base.py.

A delivery that fails is tried again with a backoff (1 min, 5 min, 30 min, 2 h, then every 6 h) for
NEGPREP_WEBHOOK_RETRY_HOURS, then given up and the team's managers told. Each attempt waits at most
NEGPREP_WEBHOOK_TIMEOUT_SECONDS to connect and for each part of the answer, and twice that in all; a
worker holds a claimed delivery for NEGPREP_WEBHOOK_LEASE_SECONDS before another may take it over. With
NEGPREP_WEBHOOKS_ALLOW_PRIVATE off (always, in production) an endpoint must be https and no delivery
reaches a loopback, private, link-local or otherwise internal address; local development and the tests
turn it on, so that a receiver on the same machine works.
"""

from negprep.settings.env import env_bool, env_float, env_int

NEGPREP_WEBHOOK_RETRY_HOURS = env_float("NEGPREP_WEBHOOK_RETRY_HOURS", 24.0)
NEGPREP_WEBHOOK_TIMEOUT_SECONDS = env_float("NEGPREP_WEBHOOK_TIMEOUT_SECONDS", 5.0)
NEGPREP_WEBHOOK_LEASE_SECONDS = env_int("NEGPREP_WEBHOOK_LEASE_SECONDS", 120, minimum=30)
NEGPREP_WEBHOOKS_ALLOW_PRIVATE = env_bool("NEGPREP_WEBHOOKS_ALLOW_PRIVATE", False)
# How often beat looks for deliveries that are due (retries, and those whose task was lost).
NEGPREP_WEBHOOK_SWEEP_SECONDS = env_float("NEGPREP_WEBHOOK_SWEEP_SECONDS", 30.0)
# Events and their delivery log are deleted this many days after the event (the retry period is
# always over by then), a bounded batch per sweep.
NEGPREP_WEBHOOK_KEEP_DAYS = env_int("NEGPREP_WEBHOOK_KEEP_DAYS", 30, minimum=2)
