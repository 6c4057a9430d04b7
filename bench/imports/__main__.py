"""python -m bench.imports: a 10,000-row file imported through the real Celery task, on PostgreSQL.

Generates a CSV file (one row per deal, each with its contact; five deals per customer), uploads it
as a rep would (an import job), and has a real Celery worker (solo pool, Redis broker) check it and
then write it; then imports the same file again (every row unchanged: nothing is duplicated). Prints
the seconds of each phase and the rows per second, with the load average.

Needs PostgreSQL (BENCH_DATABASE_URL, default a scratch database negprep_io_bench) and Redis
(BENCH_REDIS_URL, default redis://127.0.0.1:6379/13). Never part of the test suite or CI.
"""

import argparse
import csv
import io
import os
import subprocess
import sys
import time
import uuid

from bench.common import ROOT, create_database, load_average

COLUMNS = [
    "customer_external_id",
    "customer_name",
    "customer_industry",
    "contact_external_id",
    "contact_name",
    "contact_title",
    "contact_buying_role",
    "contact_email",
    "deal_external_id",
    "deal_title",
    "deal_scope",
    "estimated_value",
    "currency",
    "quantity",
    "involves_production",
    "involves_delivery",
]
ROLES = ["Decision maker", "Economic buyer", "Technical evaluator", "User", "Influencer"]


def _arguments():
    parser = argparse.ArgumentParser(prog="python -m bench.imports")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/negprep_io_bench"),
    )
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13"))
    return parser.parse_args()


def generate(rows: int, run: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for n in range(rows):
        customer = n // 5
        writer.writerow(
            [
                f"B{run}-C-{customer}",
                f"Bench customer {run}-{customer} GmbH",
                "Manufacturing",
                f"B{run}-P-{n}",
                f"Contact {n}",
                "Head of Purchasing",
                ROLES[n % len(ROLES)],
                f"contact{n}@example.com",
                f"B{run}-D-{n}",
                f"Valves lot {n}",
                f"{100 + n % 900} hydraulic valves, model HV-200",
                f"{10000 + n * 7}.50",
                "EUR",
                str(100 + n % 900),
                "yes" if n % 3 == 0 else "no",
                "yes" if n % 4 == 0 else "no",
            ]
        )
    return out.getvalue().encode("utf-8")


def _setup(database_url: str, redis_url: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "negprep.settings.local"
    os.environ["DATABASE_URL"] = database_url
    os.environ["CELERY_BROKER_URL"] = redis_url
    os.environ["DJANGO_DEBUG"] = "0"
    create_database(database_url)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _worker(queue: str, log) -> subprocess.Popen:
    env = {**os.environ, "CELERY_TASK_DEFAULT_QUEUE": queue, "CELERY_SWEEP_QUEUE": f"{queue}-sweep"}
    return subprocess.Popen(  # noqa: S603 - a fixed command line
        [sys.executable, "-m", "celery", "-A", "negprep", "worker", "-Q", queue, "--pool", "solo"]
        + ["--loglevel", "WARNING", "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _wait(job_id: int, status: str, timeout: float = 600.0) -> float:
    from deals.models import ImportJob

    started = time.monotonic()
    while time.monotonic() - started < timeout:
        job = ImportJob.objects.defer("content").get(pk=job_id)
        if job.status == status:
            return time.monotonic() - started
        if job.status == "failed":
            raise SystemExit(f"the import failed: {job.problem}")
        time.sleep(0.05)
    raise SystemExit(f"timed out waiting for {status}")


def _import(*, content: bytes, team, rep, queue: str) -> tuple[float, float, dict]:
    from deals.models import ImportJob
    from deals.services.imports import import_job_confirm, import_job_create
    from deals.tasks import import_check, import_write

    job = import_job_create(by=rep, team=team, file_name="bench.csv", file_format="csv", content=content)
    import_check.apply_async(args=[job.pk], queue=queue)
    check = _wait(job.pk, "checked")
    job = ImportJob.objects.defer("content").get(pk=job.pk)
    counts = {"new": job.new_rows, "updated": job.updated_rows, "unchanged": job.unchanged_rows}
    counts["errors"] = job.error_rows
    import_job_confirm(job=job, by=rep, skip_errors=False)
    import_write.apply_async(args=[job.pk], queue=queue)
    write = _wait(job.pk, "done")
    return check, write, counts


def main():
    args = _arguments()
    _setup(args.database_url, args.redis_url)
    from deals.models import Deal
    from teams.models import Membership, Role, Team, User

    run = uuid.uuid4().hex[:6]
    team = Team.objects.create(name=f"Bench imports {run}")
    rep = User.objects.create(username=f"bench-import-{run}")
    Membership.objects.create(user=rep, team=team, role=Role.REP)
    content = generate(args.rows, run)
    queue = f"bench-imports-{run}"
    log_path = ROOT / "var" / f"bench-imports-{run}.log"
    log_path.parent.mkdir(exist_ok=True)
    with log_path.open("w") as log:
        worker = _worker(queue, log)
        try:
            print(f"bench-imports: {args.rows:,} rows ({len(content) / 1e6:.1f} MB), load {load_average()}")
            print(f"{'run':<12} {'preview s':>9} {'import s':>9} {'total s':>8} {'rows/s':>8}  rows")
            for name in ("first", "again"):
                check, write, counts = _import(content=content, team=team, rep=rep, queue=queue)
                total = check + write
                shown = ", ".join(f"{value:,} {key}" for key, value in counts.items())
                print(
                    f"{name:<12} {check:>9.1f} {write:>9.1f} {total:>8.1f} {args.rows / total:>8.0f}  {shown}"
                )
            deals = Deal.objects.filter(team=team).count()
            print(f"deals in the team after both runs: {deals:,} (no duplicates: {deals == args.rows})")
            print(f"load after: {load_average()}")
        finally:
            worker.terminate()
            worker.wait(timeout=30)


if __name__ == "__main__":
    main()
