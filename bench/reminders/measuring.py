"""Measuring the sweep at one size: catching up, pruning, the ticks, then the plans of their queries."""

import cProfile
import pstats
import sys
import time
from contextlib import contextmanager
from datetime import timedelta

from bench.reminders.plans import explain

WANTED_DUE = 5_000


class _Recorder:
    """Counts the queries of a block, the time spent in them, and keeps them for EXPLAIN."""

    def __init__(self):
        self.queries = []
        self.database_seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.database_seconds += time.perf_counter() - started
            self.queries.append((sql, params, many))


@contextmanager
def _recording():
    from django.db import connection

    recorder = _Recorder()
    with connection.execute_wrapper(recorder):
        yield recorder


def _timed_sweep(label, *, profile=False, statements=None):
    from deals.services.sweep import reminder_sweep

    profiler = cProfile.Profile() if profile else None
    with _recording() as recorder:
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        sent = reminder_sweep()
        if profiler:
            profiler.disable()
        elapsed = time.perf_counter() - started
    database = recorder.database_seconds
    print(
        f"   {label:<44} {sent:>6,} sent {elapsed * 1000:>9.1f} ms in process "
        f"({database * 1000:.1f} ms database, {(elapsed - database) * 1000:.1f} ms Python) "
        f"{len(recorder.queries):>4} queries"
    )
    if profiler:
        print(f"   -- cProfile of '{label}' (top 15 by cumulative time)")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(15)
    if statements is not None:
        statements.extend(recorder.queries)
    return sent


def _make_due(limit):
    """Unsettle answered production and finance consultations of open deals meeting in 25 to 72
    hours: each reminds the rep and the named colleague at the 72-hour window."""
    from django.db import connection
    from django.utils import timezone

    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE deals_consultation c
            SET status = 'requested',
                assignee_id = CASE WHEN c.department = 'production' THEN o.production_id ELSE o.finance_id END
            FROM (
                SELECT c.id, (d.id %% 50) * 10 + (d.id / 50) %% 10 AS slot
                FROM deals_consultation c
                JOIN deals_deal d ON d.id = c.deal_id
                JOIN deals_meeting m ON m.deal_id = d.id AND m.id = 2 * d.id
                WHERE c.department IN ('production', 'finance') AND c.status = 'answered'
                  AND d.status IN ('preparing', 'ready', 'negotiating') AND NOT m.cancelled
                  AND m.starts_at > %s AND m.starts_at <= %s
                ORDER BY c.id
                LIMIT %s
            ) AS chosen
            JOIN bench_owner o ON o.slot = chosen.slot
            WHERE c.id = chosen.id
            """,
            [now + timedelta(hours=25), now + timedelta(hours=71), limit],
        )
        return cursor.rowcount


def _worker_sends():
    """What a worker does within seconds: the queued e-mails go out (so no later tick resends them)."""
    from django.utils import timezone

    from teams.models import EmailStatus, Notification

    Notification.objects.filter(email_status=EmailStatus.PENDING).update(
        email_status=EmailStatus.SENT, email_attempts=1, email_sent_at=timezone.now()
    )
    _analyze()


def _analyze():
    """What autovacuum does soon after bulk changes: fresh statistics for the planner."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE deals_reminder, teams_notification, deals_consultation")


def measure(size, *, profile):
    from django.conf import settings
    from django.utils import timezone

    from deals.domain.reminders import ReminderSettings, reconsider_after
    from deals.models import Reminder
    from deals.services.reminders import reminders_prune, reminders_send_due

    statements = []
    batch = settings.NEGPREP_REMINDER_PRUNE_BATCH
    print(f"   reminder_sweep() = reminders, e-mail resend, ledger prune (batches of {batch:,})")
    # What an earlier tick would have sent already, and the ledger history no
    # sweep needs any more: afterwards the database is in its steady state.
    started = time.perf_counter()
    caught_up = reminders_send_due()
    print(f"   catching up: {caught_up:,} reminders in flight sent in {time.perf_counter() - started:.1f} s")
    _worker_sends()
    cutoff = reconsider_after(now=timezone.now(), config=ReminderSettings.from_settings())
    prunable = Reminder.objects.filter(meeting_starts_at__lte=cutoff).count()
    with _recording() as recorder:
        started = time.perf_counter()
        first_batch = reminders_prune()
        first_ms = (time.perf_counter() - started) * 1000
    statements.extend(recorder.queries)
    started = time.perf_counter()
    batches, pruned = 1, first_batch
    while True:
        deleted = reminders_prune()
        if not deleted:
            break
        pruned += deleted
        batches += 1
    total = time.perf_counter() - started + first_ms / 1000
    _analyze()
    print(
        f"   prune: {pruned:,} of {Reminder.objects.count() + pruned:,} ledger rows were past "
        f"({prunable:,} counted), deleted in {batches} batches, {total:.1f} s; "
        f"one batch of {first_batch:,}: {first_ms:.0f} ms, {len(recorder.queries)} queries"
    )
    for _ in range(2):
        _timed_sweep("warm-up tick", statements=None)
    _timed_sweep("tick with nothing new due", profile=profile, statements=statements)
    _timed_sweep("tick with nothing new due (again)")
    unsettled = _make_due(WANTED_DUE // 2)
    print(f"   made {unsettled:,} consultations unsettled (the rep and a colleague each)")
    _timed_sweep("tick with about 5,000 due", profile=profile, statements=statements)
    _worker_sends()
    _timed_sweep("repeat tick (all already sent)", statements=statements)
    again = reminders_send_due()
    print(f"   a sweep after pruning sends {again} more (a pruned meeting is never reminded again)")
    explain(statements)
