"""The run: the scratch database made safe to wipe, then each size seeded and measured."""

import argparse
import os
import sys

from bench import reminders
from bench.common import create_database, load_average
from bench.reminders.measuring import measure
from bench.reminders.seeding import reset, seed

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/negprep_bench"
MARKER = "bench_reminders_scratch"


def _parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m bench.reminders", description=reminders.__doc__.split("\n")[0]
    )
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


def main(argv=None):
    args = _parse_args(argv)
    sizes = sorted(int(size) for size in args.deals.split(","))
    create_database(args.database_url)
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
    print(f"load average at start: {load_average()}")
    world = reset()
    seeded = 0
    for size in sizes:
        seed(world, first=seeded + 1, last=size)
        seeded = size
        measure(size, profile=args.profile)
    print(f"\nload average at end: {load_average()}")


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
