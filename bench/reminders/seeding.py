"""Seeding the scratch database: the teams and their people once, then the deals size by size."""

import re
import time

TEAMS = 50
REPS_PER_TEAM = 10


def reset():
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


def seed(world, *, first, last):
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
