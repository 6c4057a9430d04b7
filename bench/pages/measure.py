"""The run: each database prepared, probed, served and loaded page by page, then the table."""

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, database_name, load_average
from bench.pages.base import BENCH_URL, CONNECTIONS, DEALS, DEMO_URL, HOST, SECONDS, WORKERS, BenchError
from bench.pages.databases import prepare, query
from bench.pages.serving import drain, get, gunicorn, wrk
from bench.pages.table import table


def _measure_database(label, url, env, scratch, *, scale, deal_title=None) -> dict:
    print(f"\n== {label}: {database_name(url)}")
    deals = prepare(url, env, scale=scale)
    out = scratch / f"probe-{database_name(url)}.json"
    db_env = {**env, "DATABASE_URL": url}
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "bench.pages", "--probe"],
        cwd=ROOT,
        env={**db_env, "BENCH_PROBE_OUT": str(out), "BENCH_DEAL_TITLE": deal_title or ""},
        check=True,
    )
    probed = json.loads(out.read_text())
    print(f"   deal page: rita's {probed['deal']!r}")
    try:
        with gunicorn(db_env, scratch / f"gunicorn-{database_name(url)}.log") as port:
            floor = probed["floor"]
            for page in probed["pages"].values():
                status, headers = get(port, page["path"], page["cookie"])
                if status != 200:
                    raise BenchError(f"{page['path']} answers {status} from gunicorn, not 200.")
                is_html = headers.get("Content-Type", "").startswith("text/html")
                if is_html and headers.get("Content-Encoding") != "gzip":
                    raise BenchError(f"{page['path']} is not sent gzipped.")
            wrk(port, floor["path"], None)  # warm-up, not counted
            drain(port)
            floors = [wrk(port, floor["path"], None)]
            drain(port)
            for name, page in probed["pages"].items():
                page["run"] = wrk(port, page["path"], page["cookie"])
                drain(port)
                floors.append(wrk(port, floor["path"], None))
                drain(port)
                around = (floors[-2].requests_per_second + floors[-1].requests_per_second) / 2
                page["floor_share"] = page["run"].requests_per_second / around if around else float("nan")
                run = page["run"]
                print(
                    f"   {name:<18} {run.requests_per_second:>8.1f} req/s  p99 {run.p99_ms:>8.1f} ms  "
                    f"floor {around:>7.1f} req/s"
                )
            probed["floor_runs"] = floors
    finally:
        query(url, "DELETE FROM django_session WHERE session_key = ANY(%s)", [probed["sessions"]])
    probed["deals"] = deals
    return probed


def _raise_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)


def main():
    if shutil.which("wrk") is None:
        raise BenchError("wrk is missing: apt-get install wrk (make bench-pages installs it).")
    # Ctrl-C raises KeyboardInterrupt even when started from a shell that ignores SIGINT for
    # background jobs; SIGTERM and SIGHUP end the run the same way, so gunicorn is always stopped.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    signal.signal(signal.SIGHUP, _raise_on_sigterm)
    load_before = load_average()
    print(f"load average before: {load_before} ({os.cpu_count()} cores)")
    print(f"{SECONDS} s per run, {CONNECTIONS} connections, gunicorn with {WORKERS} sync workers")
    scratch = Path(tempfile.mkdtemp(prefix="negprep-bench-pages-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "negprep.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": HOST,
        # Plain HTTP on loopback: no TLS in front, so no redirect to https.
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_DEBUG": "0",
        "NEGPREP_BENCH_FLOOR": "1",
        "NEGPREP_VAR_DIR": str(scratch),
        "CELERY_BROKER_URL": "memory://",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "DJANGO_LOG_LEVEL": "WARNING",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    try:
        started = time.perf_counter()
        subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=ROOT, env=env, check=True,
        )  # fmt: skip
        print(f"collectstatic into a scratch folder: {time.perf_counter() - started:.0f} s")
        demo = _measure_database("demo data", DEMO_URL, env, scratch, scale=False)
        big = _measure_database(
            f"{DEALS:,} deals", BENCH_URL, env, scratch, scale=True, deal_title=demo["deal"]
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    load_after = load_average()
    print(
        f"\n== Pages at {big['deals']:,} deals ({database_name(BENCH_URL)}) and on the demo data "
        f"({demo['deals']:,} deals); {CONNECTIONS} connections, {SECONDS} s per run\n"
    )
    print(table(big, demo))
    print(f"\nload average before: {load_before}; after: {load_after} ({os.cpu_count()} cores)")
    print(
        "'of floor': requests/s as a share of the floor runs just before and after the page; "
        "'cost vs demo': a request's cost (relative to its floor) at scale over the same on the demo data."
    )
