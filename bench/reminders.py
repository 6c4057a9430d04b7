"""Benchmark of the reminder sweep: its cost follows the work due, not the database size.

Run with ``make bench-reminders`` or ``python -m bench.reminders`` (PostgreSQL).
It creates (or wipes) a scratch database (``--database-url``, else
BENCH_DATABASE_URL, else ``negprep_bench`` on the local server) and fills it
with a company's worth of data: 50 teams, deals with a past and an upcoming
meeting, four consultations each (some still unsettled), reports for most
past meetings, three notifications per deal and an old reminder ledger. At
each size (``--deals``, default 10,000 then 100,000) it prints, for the whole
``reminder_sweep()`` call (reminders, e-mail resend and ledger pruning), the time in
process, the part of it spent in the database and the query count of:

- a tick with nothing new due (everything due was sent by an earlier tick),
- a tick with about 5,000 reminders due (claimed, rendered, put in the
  inboxes and queued for e-mail; a worker sends them, not the sweep),
- the repeat of that tick,
- pruning the ledger of meetings whose windows have all passed,

and it runs EXPLAIN ANALYZE on every query the sweep ran, saying whether any
plan reads a large table with a sequential scan. ``--profile`` adds the
cProfile of the two sweeps. Nothing is measured by the test suite: these are
figures to read, not assertions.

The scratch database is only ever wiped when it is empty or was made by this
benchmark, so pointing it at a real database stops with a message instead.
"""

import argparse
import cProfile
import os
import pstats
import re
import sys
import time
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import urlparse

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/negprep_bench"
MARKER = "bench_reminders_scratch"
TEAMS = 50
REPS_PER_TEAM = 10
WANTED_DUE = 5_000
LARGE_TABLE_ROWS = 10_000


def _parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.reminders", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL),
        help="scratch PostgreSQL database (wiped; created when missing)",
    )
    parser.add_argument(
        "--deals",
        default="10000,100000",
        help="comma-separated sizes, measured in turn as the database grows (default: 10000,100000)",
    )
    parser.add_argument("--profile", action="store_true", help="print the cProfile of the sweeps")
    return parser.parse_args(argv)


def _create_database(url):
    import psycopg2

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname="postgres",
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def main(argv=None):
    args = _parse_args(argv)
    sizes = sorted(int(size) for size in args.deals.split(","))
    _create_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "negprep.settings.local")
    # Reminder e-mails are queued in memory: the benchmark measures the sweep, not a broker.
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("The benchmark needs PostgreSQL: set --database-url or BENCH_DATABASE_URL.")
    _refuse_foreign_database()
    call_command("migrate", verbosity=0)
    from negprep.celery import app

    # The e-mail tasks go to the in-memory broker: a worker sends them, not the sweep.
    app.conf.task_always_eager = False

    print(f"== Reminder sweep benchmark on {connection.settings_dict['NAME']}")
    print(f"load average at start: {_loadavg()}")
    world = _reset()
    seeded = 0
    for size in sizes:
        _seed(world, first=seeded + 1, last=size)
        seeded = size
        _measure(size, profile=args.profile)
    print(f"\nload average at end: {_loadavg()}")


def _loadavg():
    try:
        with open("/proc/loadavg") as handle:
            return " ".join(handle.read().split()[:3])
    except OSError:
        return "unknown"


def _refuse_foreign_database():
    from django.db import connection

    tables = connection.introspection.table_names()
    if MARKER in tables:
        return
    if "deals_deal" in tables:
        with connection.cursor() as cursor:
            cursor.execute("SELECT EXISTS (SELECT 1 FROM deals_deal)")
            if cursor.fetchone()[0]:
                sys.exit(
                    f"{connection.settings_dict['NAME']} holds deals not made by this benchmark; "
                    "it wipes its database, so point --database-url at a scratch one."
                )
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {MARKER} (made_at timestamptz DEFAULT now())")


# Seeding ------------------------------------------------------------------------


def _reset():
    """Empty the scratch database and create the teams, their people and customers."""
    from django.db import connection

    from deals.models import Customer
    from teams.models import Membership, Role, Team, User

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE deals_reminder, teams_notification, deals_negotiationreport, deals_consultation, "
            "deals_meeting, deals_deal, deals_customer, teams_membership, teams_team RESTART IDENTITY CASCADE"
        )
    User.objects.filter(username__startswith="bench_").delete()
    staff = {
        Role.REP: REPS_PER_TEAM,
        Role.MANAGER: 1,
        Role.PRODUCTION: 2,
        Role.SUPPLY_CHAIN: 2,
        Role.FINANCE: 1,
    }
    teams, owners = [], []
    for index in range(TEAMS):
        team = Team.objects.create(name=f"Benchmark team {index}")
        people = {}
        for role, count in staff.items():
            count += 1 if role == Role.MANAGER and index % 5 == 0 else 0
            people[role] = User.objects.bulk_create(
                [
                    User(
                        username=f"bench_{index}_{role}_{number}",
                        email=f"{role}{number}@team{index}.bench.example",
                        first_name=f"{role.title()} {number}",
                        password="!",  # noqa: S106 - an unusable password
                    )
                    for number in range(count)
                ]
            )
            Membership.objects.bulk_create(
                [Membership(user=user, team=team, role=role) for user in people[role]]
            )
        customers = Customer.objects.bulk_create(
            [
                Customer(team=team, name=f"Customer {number} of team {index}")
                for number in range(REPS_PER_TEAM)
            ]
        )
        teams.append({"team": team, "people": people})
        owners += [
            (index * REPS_PER_TEAM + number, team.pk, rep.pk, customers[number].pk)
            for number, rep in enumerate(people[Role.REP])
        ]
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_owner (slot int PRIMARY KEY, team_id bigint, owner_id bigint, "
            "customer_id bigint, production_id bigint, finance_id bigint)"
        )
        cursor.executemany(
            "INSERT INTO bench_owner VALUES (%s, %s, %s, %s, %s, %s)",
            [
                (
                    slot,
                    team_id,
                    owner_id,
                    customer_id,
                    teams[slot // REPS_PER_TEAM]["people"][Role.PRODUCTION][0].pk,
                    teams[slot // REPS_PER_TEAM]["people"][Role.FINANCE][0].pk,
                )
                for slot, team_id, owner_id, customer_id in owners
            ],
        )
    return {"teams": teams}


# Deal g belongs to team g % 50 and to its rep (g // 50) % 10. It has a past
# meeting (id 2g - 1, within the last 90 days; 90 % have a report) and an
# upcoming one (id 2g, within the next 60 days), four consultations (4g - 3 ..
# 4g: boss, production, supply chain, finance; production and finance always
# required, the other two for every third deal; about 10 % unsettled), three
# notifications already e-mailed and two old ledger rows for the past meeting
# (these two with the ids the database gives them, as the sweep's own rows).
_SEED_SQL = [
    """
    INSERT INTO deals_deal (id, title, scope, special_requirements, estimated_value, currency,
        involves_production, involves_delivery, special_payment_terms, status, created_at, updated_at,
        customer_id, owner_id, team_id)
    SELECT g, 'Deal ' || g, 'Valves and fittings', '', 10000 + g % 90000, 'EUR', true, true, false,
        CASE WHEN g % 20 = 0 THEN 'won' WHEN g % 20 = 1 THEN 'lost' WHEN g % 20 = 2 THEN 'withdrawn'
             WHEN g % 3 = 0 THEN 'preparing' WHEN g % 3 = 1 THEN 'ready' ELSE 'negotiating' END,
        %(now)s - interval '120 days', %(now)s, o.customer_id, o.owner_id, o.team_id
    FROM generate_series(%(first)s::bigint, %(last)s::bigint) g
    JOIN bench_owner o ON o.slot = (g % 50) * 10 + (g / 50) % 10
    """,
    """
    INSERT INTO deals_meeting (id, starts_at, ends_at, location, video_link, stage, cancelled,
        cancelled_reason, created_at, updated_at, deal_id)
    SELECT 2 * g - 1 + upcoming, starts, starts + interval '90 minutes', 'At the customer', '',
        'negotiation', g % 50 = 7, '', %(now)s - interval '100 days', %(now)s, g
    FROM generate_series(%(first)s::bigint, %(last)s::bigint) g,
    LATERAL (VALUES
        (0, %(now)s - interval '2 hours' - (g * 104729 %% (90 * 24 * 60)) * interval '1 minute'),
        (1, %(now)s + interval '10 minutes' + (g * 7919 %% (60 * 24 * 60)) * interval '1 minute')
    ) AS m(upcoming, starts)
    """,
    """
    INSERT INTO deals_consultation (id, department, required, questions, status, answer, can_fulfil,
        missing, extra_resources, support, waive_reason, created_at, updated_at, deal_id, assignee_id)
    SELECT 4 * g - 3 + j, d.department, j IN (1, 3) OR g % 3 = 0, 'Can we deliver this in time?',
        CASE WHEN h < 4 THEN 'open' WHEN h < 10 THEN 'requested'
             WHEN h < 85 THEN 'answered' ELSE 'waived' END,
        '', '', '', '', '', '', %(now)s - interval '100 days', %(now)s, g,
        CASE WHEN h >= 4 AND h < 10 AND h %% 2 = 0 AND j = 1 THEN o.production_id END
    FROM generate_series(%(first)s::bigint, %(last)s::bigint) g
    JOIN bench_owner o ON o.slot = (g % 50) * 10 + (g / 50) % 10
    CROSS JOIN (VALUES (0, 'boss'), (1, 'production'), (2, 'supply_chain'), (3, 'finance'))
        AS d(j, department)
    CROSS JOIN LATERAL (SELECT (g * 31 + j * 17) %% 100 AS h) AS spread
    """,
    """
    INSERT INTO deals_negotiationreport (id, outcome, payment_terms, concessions_given,
        concessions_received, next_steps, lessons, breaches, ready_at_meeting, filed_at, updated_at,
        filed_by_id, meeting_id, corrected_breaches, correction_note)
    SELECT g, 'continue', '', '', '', 'Send the revised offer', '', '[]', true, m.ends_at, m.ends_at,
        d.owner_id, m.id, '[]', ''
    FROM generate_series(%(first)s::bigint, %(last)s::bigint) g
    JOIN deals_meeting m ON m.id = 2 * g - 1
    JOIN deals_deal d ON d.id = g
    WHERE g % 10 <> 3
    """,
    """
    INSERT INTO teams_notification (kind, title, body, url, created_at, email_status, email_subject,
        email_text, email_html, email_attempts, email_last_error, recipient_id, topic, in_inbox, team_id,
        email_sent_at, read_at)
    SELECT 'consultation_answered', 'The production consultation for Deal ' || g
        || ' is answered', 'Hello, the production consultation is answered. Open the deal to read it.',
        '/deals/' || g || '/', created, CASE WHEN g %% 97 = 0 AND n = 0 THEN 'failed' ELSE 'sent' END,
        'The production consultation for Deal ' || g || ' is answered',
        'Hello, the production consultation is answered. Open the deal to read it.',
        '<p>Hello, the production consultation is <strong>answered</strong>. Open the deal to read it.</p>',
        1, '', d.owner_id, 'Deal ' || g, true, d.team_id, created,
        CASE WHEN n > 0 THEN created END
    FROM generate_series(%(first)s::bigint, %(last)s::bigint) g
    JOIN deals_deal d ON d.id = g
    CROSS JOIN generate_series(0, 2) n
    CROSS JOIN LATERAL (
        SELECT %(now)s - interval '1 hour' - ((g * 3 + n) * 7907 %% (90 * 24 * 60)) * interval '1 minute'
    ) AS t(created)
    """,
    """
    INSERT INTO deals_reminder (kind, subject, window_hours, meeting_starts_at, status, created_at,
        meeting_id, recipient_id, consultation_id, claimed_by)
    SELECT 'consultation', 'consultation:' || (4 * g - 2), w.hours, m.starts_at, 'sent',
        m.starts_at - w.hours * interval '1 hour', m.id, d.owner_id, 4 * g - 2, NULL
    FROM generate_series(%(first)s::bigint, %(last)s::bigint) g
    JOIN deals_meeting m ON m.id = 2 * g - 1
    JOIN deals_deal d ON d.id = g
    CROSS JOIN (VALUES (72), (24)) AS w(hours)
    """,
]


def _seed(world, *, first, last):
    from django.db import connection
    from django.utils import timezone

    started = time.perf_counter()
    params = {"now": timezone.now(), "first": first, "last": last}
    with connection.cursor() as cursor:
        for statement in _SEED_SQL:
            # Literal percent signs are doubled for the driver's parameter style.
            cursor.execute(re.sub(r"(?<![%(])%(?![(%])", "%%", statement), params)
        for table in ("deals_deal", "deals_meeting", "deals_consultation", "deals_negotiationreport"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
            )
        cursor.execute("VACUUM ANALYZE")
    print(f"\n== {last:,} deals (seeded {last - first + 1:,} more in {time.perf_counter() - started:.1f} s)")
    print(_table_sizes())


def _table_sizes():
    from django.db import connection

    tables = [
        ("deals_deal", "deals"),
        ("deals_meeting", "meetings"),
        ("deals_consultation", "consultations"),
        ("deals_negotiationreport", "reports"),
        ("teams_notification", "notifications"),
        ("deals_reminder", "ledger rows"),
    ]
    with connection.cursor() as cursor:
        counts = []
        for table, label in tables:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed table names
            counts.append(f"{cursor.fetchone()[0]:,} {label}")
    return "   " + ", ".join(counts)


# Measuring ----------------------------------------------------------------------


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


def _measure(size, *, profile):
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
    _explain(statements)


# Plans --------------------------------------------------------------------------


def _large_tables():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace "
            "AND reltuples >= %s",
            [LARGE_TABLE_ROWS],
        )
        return {name for (name,) in cursor.fetchall()}


def _explain(statements):
    """EXPLAIN ANALYZE each distinct query the sweeps ran (writes inside a rolled-back savepoint)."""
    from django.db import connection, transaction

    large = _large_tables()
    seen = set()
    print(f"   EXPLAIN ANALYZE of every distinct query the sweeps ran (large: >= {LARGE_TABLE_ROWS:,} rows)")
    offenders = []
    for sql, params, many in statements:
        shape = re.sub(r"\s+", " ", re.sub(r"(%s(, )?)+", "%s", sql))
        if shape in seen or many or not re.match(r"\s*(SELECT|WITH|INSERT|UPDATE|DELETE)", sql, re.I):
            continue
        seen.add(shape)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT TEXT) {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            transaction.set_rollback(True)
        scans = sorted({table for table in re.findall(r"Seq Scan on (\w+)", plan) if table in large})
        took = re.search(r"Execution Time: ([\d.]+) ms", plan)
        verdict = "SEQ SCAN on " + ", ".join(scans) if scans else "no seq scan on a large table"
        print(f"     {float(took.group(1)) if took else 0:>8.2f} ms  {verdict:<32} {shape[:90]}")
        if scans:
            offenders.append((shape, plan))
    found = f"yes, in {len(offenders)} plans" if offenders else "none"
    print(f"   Seq Scan on a large table: {found}")
    for shape, plan in offenders:
        print(f"\n{shape}\n{plan}")


if __name__ == "__main__":
    main()
