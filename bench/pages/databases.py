"""Preparing a benchmark database: created, migrated and filled unless it already holds the data."""

import contextlib
import subprocess
import sys
import time

from bench.common import ROOT, connect, create_database, database_name
from bench.pages.base import DEALS, DEMO_MAX_DEALS, BenchError


def query(url, sql, params=()):
    with contextlib.closing(connect(url)) as conn, conn.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall() if cursor.description else None
        conn.commit()
        return rows


def _manage(env, *args):
    """Run a management command with DEBUG on (the seeding commands refuse without it)."""
    seeding_env = {**env, "DJANGO_SETTINGS_MODULE": "negprep.settings.local", "DJANGO_DEBUG": "1"}
    started = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=seeding_env, check=True)  # noqa: S603
    print(f"   manage.py {' '.join(args)}: {time.perf_counter() - started:.0f} s")


def prepare(url, env, *, scale: bool) -> int:
    """Create, migrate and (unless it already holds the data) fill the database; returns its deal count."""
    name = database_name(url)
    create_database(url)
    db_env = {**env, "DATABASE_URL": url}
    _manage(db_env, "migrate", "--noinput", "--verbosity", "0")
    deals = query(url, "SELECT count(*) FROM deals_deal")[0][0]
    if scale:
        if deals >= DEALS:
            print(f"   {name}: reusing {deals:,} deals")
            return deals
        if deals:
            raise BenchError(
                f"{name} holds {deals:,} deals, fewer than {DEALS:,}, and was not filled by this benchmark. "
                f"Drop it (dropdb {name}) to have it rebuilt, or name another with BENCH_DATABASE_URL."
            )
        _manage(db_env, "seed_demo")
        _manage(db_env, "seed_scale", "--deals", str(DEALS))
        query(url, "ANALYZE")
    else:
        if deals > DEMO_MAX_DEALS:
            raise BenchError(
                f"{name} holds {deals:,} deals: BENCH_DEMO_DATABASE_URL must name a demo-only database."
            )
        if not query(url, "SELECT 1 FROM teams_user WHERE username = 'rita'"):
            _manage(db_env, "seed_demo")
            query(url, "ANALYZE")
    deals = query(url, "SELECT count(*) FROM deals_deal")[0][0]
    print(f"   {name}: {deals:,} deals")
    return deals
