"""Benchmark of the reminder sweep: its cost follows the work due, not the database size.

Run with ``make bench-reminders`` (PostgreSQL). It creates (or reuses) a
scratch database named by BENCH_DATABASE_URL, fills it, and prints the time
and query count of a sweep with nothing due and of one with about 5,000
reminders due, at 10,000 deals and at 100,000 deals, plus the EXPLAIN plan
of the due-query. Nothing is measured by the test suite: these are figures
to read, not assertions.
"""

import os
import random
import sys
import time
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlparse

BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/negprep_bench")
os.environ["DATABASE_URL"] = BENCH_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "negprep.settings.local")
# Reminder e-mails are queued in memory: the benchmark measures the sweep, not a broker.
os.environ["CELERY_BROKER_URL"] = "memory://"
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.dummy.EmailBackend")

DUE_DEALS = 2_500  # each owes one consultation to a named colleague: 2 reminders each
CONSULTATIONS_PER_DEAL = 4
BATCH = 5_000


def _create_database():
    import psycopg2

    url = urlparse(BENCH_URL)
    name = url.path.lstrip("/")
    admin = psycopg2.connect(
        host=url.hostname, port=url.port or 5432, user=url.username, password=url.password, dbname="postgres"
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def main():
    _create_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("The benchmark needs PostgreSQL: set BENCH_DATABASE_URL.")
    call_command("migrate", verbosity=0)
    from negprep.celery import app

    # The e-mail tasks go to the in-memory broker: a worker sends them, not the sweep.
    app.conf.task_always_eager = False

    _reset()
    world = _seed_base()
    _add_deals(world, total=10_000, due=DUE_DEALS)
    print("\n== 10,000 deals")
    _measure()
    _add_deals(world, total=100_000 - 10_000, due=0)
    print("\n== 100,000 deals")
    _measure()
    _explain()


def _reset():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE deals_reminder, teams_notification, deals_consultation, deals_meeting_contacts, "
            "deals_meeting, deals_briefing, deals_activity, deals_deal, deals_contact, deals_customer, "
            "teams_membership, teams_team RESTART IDENTITY CASCADE"
        )


def _seed_base():
    from deals.models import Customer
    from teams.models import Membership, Role, Team, User

    team = Team.objects.create(name="Benchmark team")
    users = {}
    for role in Role.values:
        user, _ = User.objects.get_or_create(
            username=f"bench_{role}", defaults={"email": f"{role}@bench.example"}
        )
        Membership.objects.create(user=user, team=team, role=role)
        users[role] = user
    customer = Customer.objects.create(team=team, name="Benchmark customer")
    return {"team": team, "users": users, "customer": customer}


def _add_deals(world, *, total, due):
    """``total`` deals with meetings over the next 60 days and four consultations each.

    The first ``due`` deals meet in 60–70 hours and owe one production
    consultation to a named colleague; every other consultation is answered.
    """
    from django.utils import timezone

    from deals.models import Consultation, Deal, Meeting

    started = time.perf_counter()
    now = timezone.now()
    rng = random.Random(total)  # noqa: S311 - spreads meeting times, nothing secret
    departments = ["boss", "production", "supply_chain", "finance"]
    done = 0
    while done < total:
        size = min(BATCH, total - done)
        deals = Deal.objects.bulk_create(
            [
                Deal(
                    team=world["team"],
                    owner=world["users"]["rep"],
                    customer=world["customer"],
                    title=f"Deal {done + i}",
                    scope="Valves",
                    estimated_value=Decimal("1000.00"),
                )
                for i in range(size)
            ]
        )
        meetings, consultations = [], []
        for index, deal in enumerate(deals):
            is_due = done + index < due
            hours = rng.uniform(60, 70) if is_due else rng.uniform(80, 60 * 24)
            starts = now + timedelta(hours=hours)
            meetings.append(Meeting(deal=deal, starts_at=starts, ends_at=starts + timedelta(hours=2)))
            for department in departments:
                unsettled = is_due and department == "production"
                consultations.append(
                    Consultation(
                        deal=deal,
                        department=department,
                        required=True,
                        status="requested" if unsettled else "answered",
                        assignee=world["users"]["production"] if unsettled else None,
                        due_at=starts - timedelta(hours=24),
                    )
                )
        Meeting.objects.bulk_create(meetings)
        Consultation.objects.bulk_create(consultations)
        done += size
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"seeded {total:,} deals, {total * CONSULTATIONS_PER_DEAL:,} consultations in "
        f"{time.perf_counter() - started:.1f} s"
    )


def _run_sweep(label):
    from django.db import connection

    from deals.services.reminders import reminders_sweep

    count = [0]

    def counter(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        started = time.perf_counter()
        sent = reminders_sweep()
        elapsed = time.perf_counter() - started
    print(f"{label:<32} {sent:>6} reminders  {elapsed * 1000:>9.1f} ms  {count[0]:>6} queries")


def _measure():
    from deals.models import Consultation, Reminder
    from teams.models import Notification

    due = Consultation.objects.filter(assignee__isnull=False)
    due.update(status="answered")
    _run_sweep("sweep with nothing due")
    due.update(status="requested")
    _run_sweep("sweep with reminders due")
    _run_sweep("repeat sweep (all already sent)")
    Reminder.objects.all().delete()
    Notification.objects.all().delete()


def _explain():
    from django.utils import timezone

    from deals.models import Meeting

    now = timezone.now()
    query = (
        Meeting.objects.filter(cancelled=False, starts_at__gt=now, starts_at__lte=now + timedelta(hours=72))
        .order_by("starts_at")
        .values_list("pk", "deal_id", "starts_at")
    )
    print("\n== EXPLAIN of the due-query (meetings starting within the largest window)")
    print(query.explain(analyze=True))


if __name__ == "__main__":
    main()
