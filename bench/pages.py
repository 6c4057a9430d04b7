"""Benchmark of the pages under load: each page against a floor, at 100,000 deals and on the demo data.

Run with ``make bench-pages`` (PostgreSQL and ``wrk``). For each of two
databases it serves NegPrep with gunicorn (production settings, 2 sync
workers, plain HTTP on a loopback port) and drives ``wrk`` at 32 connections:

- BENCH_DATABASE_URL (default: a scratch database ``negprep_bench_pages``) with
  BENCH_DEALS deals (100,000). Reused when it already holds that many deals;
  otherwise it is migrated and filled with ``seed_demo`` and ``seed_scale``.
- BENCH_DEMO_DATABASE_URL (default ``negprep_bench_demo``): ``seed_demo`` only,
  the same pages with the demo data.

Every page is measured between two runs of a floor view served by the same
server (one ``SELECT 1``, a two-byte answer), so that noise from the machine
touches both, and its throughput is given as a share of those floors. Query
counts and HTML sizes come from the Django test client against the same
database. Each run lasts BENCH_SECONDS (10). Sessions are created directly
(no login form, so the login throttle does not interfere) and deleted at the
end; gunicorn is stopped at the end, also on Ctrl-C or failure.

Nothing here runs in the test suite: these are figures to read, not assertions.
"""

import contextlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/negprep_bench_pages")
DEMO_URL = os.environ.get("BENCH_DEMO_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/negprep_bench_demo")
DEALS = int(os.environ.get("BENCH_DEALS", "100000"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
WORKERS = 2
HOST = "127.0.0.1"  # loopback only: the load never leaves this machine
# A demo database holds a handful of deals; more means BENCH_DEMO_DATABASE_URL names the wrong one.
DEMO_MAX_DEALS = 1_000
# A slow page must be measured, not dropped: wrk's own 2 s timeout would hide it.
REQUEST_TIMEOUT = 60
# After a run, wait at most this long for the requests wrk left queued to finish.
DRAIN_TIMEOUT = 600

# name, signed-in user, how the probe builds its path
PAGES = [
    # The layout alone for a signed-in user: no page can cost less (routed only when benchmarking).
    ("empty signed-in page", "rita", "empty_page"),
    ("rep home", "rita", "home"),
    ("deal list", "rita", "deal_list"),
    ("deal page", "rita", "deal"),
    ("briefing", "rita", "briefing"),
    ("briefing history", "rita", "briefing_history"),
    ("meeting brief", "rita", "meeting_brief"),
    ("meeting .ics", "rita", "meeting_ics"),
    ("manager home", "max", "home"),
    ("approval queue", "max", "approvals"),
    ("team results", "max", "team_results"),
    ("finance home", "fiona", "home"),
    ("production home", "paul", "home"),
    ("notifications", "rita", "notifications"),
]


class BenchError(Exception):
    """Something the person running the benchmark must fix; printed without a traceback."""


# Preparing the databases ------------------------------------------------------


def _connect(url, *, dbname=None):
    import psycopg2

    parsed = urlparse(url)
    return psycopg2.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        dbname=dbname or parsed.path.lstrip("/"),
    )


def _database_name(url) -> str:
    return urlparse(url).path.lstrip("/")


def _create_database(url):
    admin = _connect(url, dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [_database_name(url)])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{_database_name(url)}"')
    admin.close()


def _query(url, sql, params=()):
    with contextlib.closing(_connect(url)) as conn, conn.cursor() as cursor:
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


def _prepare(url, env, *, scale: bool) -> int:
    """Create, migrate and (unless it already holds the data) fill the database; returns its deal count."""
    name = _database_name(url)
    _create_database(url)
    db_env = {**env, "DATABASE_URL": url}
    _manage(db_env, "migrate", "--noinput", "--verbosity", "0")
    deals = _query(url, "SELECT count(*) FROM deals_deal")[0][0]
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
        _query(url, "ANALYZE")
    else:
        if deals > DEMO_MAX_DEALS:
            raise BenchError(
                f"{name} holds {deals:,} deals: BENCH_DEMO_DATABASE_URL must name a demo-only database."
            )
        if not _query(url, "SELECT 1 FROM teams_user WHERE username = 'rita'"):
            _manage(db_env, "seed_demo")
            _query(url, "ANALYZE")
    deals = _query(url, "SELECT count(*) FROM deals_deal")[0][0]
    print(f"   {name}: {deals:,} deals")
    return deals


# The probe: paths, sessions, query counts and sizes, in process ----------------


def _rich_deal(*, owner, title):
    """The owner's deal with the longest history whose briefing can be edited and that has a meeting.

    With ``title`` (the deal chosen on the demo database) the same deal is taken, so
    both databases serve the same page; seed_demo's deal is the oldest of that title.
    """
    from django.db.models import Count

    from deals.models import BriefingStatus, Deal

    deals = (
        Deal.objects.filter(owner=owner, meetings__cancelled=False)
        .exclude(briefing__status=BriefingStatus.SUBMITTED)
        .distinct()
    )
    if title:
        chosen = deals.filter(title=title).order_by("pk").first()
        if chosen is not None:
            return chosen
    chosen = deals.annotate(entries=Count("activities", distinct=True)).order_by("-entries", "pk").first()
    if chosen is None:
        raise BenchError(f"{owner.username} has no deal with a meeting and an editable briefing.")
    return chosen


def _paths(*, deal) -> dict[str, str]:
    from django.urls import reverse
    from django.utils import timezone

    meetings = deal.meetings.filter(cancelled=False)
    meeting = (
        meetings.filter(starts_at__gte=timezone.now()).order_by("starts_at").first()
        or meetings.order_by("-starts_at").first()
    )
    return {
        "empty_page": reverse("bench_empty_page"),
        "home": reverse("home"),
        "deal_list": reverse("deals:list"),
        "deal": reverse("deals:detail", args=[deal.pk]),
        "briefing": reverse("deals:briefing_edit", args=[deal.pk]),
        "briefing_history": reverse("deals:briefing_history", args=[deal.pk]),
        "meeting_brief": reverse("deals:meeting_brief", args=[meeting.pk]),
        "meeting_ics": reverse("deals:meeting_ics", args=[meeting.pk]),
        "approvals": reverse("deals:approvals"),
        "team_results": reverse("deals:team_results"),
        "notifications": reverse("notifications"),
    }


def _probe_one(client, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path)  # the first request fills the per-process caches
    with CaptureQueriesContext(connection) as queries:
        plain = client.get(path)
    # Counted now: the next request empties the connection's query log.
    count = len(queries)
    compressed = client.get(path, HTTP_ACCEPT_ENCODING="gzip")
    if plain.status_code != 200:
        raise BenchError(f"{path} answers {plain.status_code} in process, not 200.")
    return {"queries": count, "raw": len(plain.content), "gzip": len(compressed.content)}


def probe():
    """In a child process on one database: write what the load runs need to BENCH_PROBE_OUT."""
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.urls import reverse

    from teams.models import User

    users = {name: User.objects.get(username=name) for name in {user for _, user, _ in PAGES}}
    deal = _rich_deal(owner=users["rita"], title=os.environ.get("BENCH_DEAL_TITLE"))
    paths = _paths(deal=deal)
    clients = {}
    for name, user in users.items():
        clients[name] = Client(HTTP_HOST=HOST)
        clients[name].force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    floor = reverse("bench_floor")
    result = {
        "deal": deal.title,
        "sessions": [client.session.session_key for client in clients.values()],
        "floor": {"path": floor, "cookie": None, **_probe_one(Client(HTTP_HOST=HOST), floor)},
        "pages": {},
    }
    for page, user, key in PAGES:
        cookie = f"{settings.SESSION_COOKIE_NAME}={clients[user].session.session_key}"
        measured = _probe_one(clients[user], paths[key])
        result["pages"][page] = {"path": paths[key], "cookie": cookie, **measured}
    Path(os.environ["BENCH_PROBE_OUT"]).write_text(json.dumps(result))


# Serving and loading ------------------------------------------------------------


@dataclass
class Run:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    failures: int  # non-2xx/3xx answers, socket errors and timeouts


def _free_port() -> int:
    if os.environ.get("BENCH_PORT"):
        return int(os.environ["BENCH_PORT"])
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _get(port, path, cookie=None, timeout=REQUEST_TIMEOUT):
    """One GET, redirects not followed; returns (status, headers)."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        headers = {"Accept-Encoding": "gzip", **({"Cookie": cookie} if cookie else {})}
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, dict(response.getheaders())
    finally:
        connection.close()


@contextlib.contextmanager
def _gunicorn(env, log_path):
    """gunicorn serving on a free loopback port; stopped (with its workers) however the block ends."""
    port = _free_port()
    command = [
        sys.executable, "-m", "gunicorn", "negprep.wsgi:application",
        "--bind", f"{HOST}:{port}", "--workers", str(WORKERS), "--no-control-socket",
        # Slow pages are measured, not killed.
        "--timeout", str(DRAIN_TIMEOUT),
    ]  # fmt: skip
    with open(log_path, "ab") as log:
        server = subprocess.Popen(  # noqa: S603
            command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise BenchError(f"gunicorn stopped (exit {server.returncode}):\n{_tail(log_path)}")
            with contextlib.suppress(OSError):
                if _get(port, "/bench/floor", timeout=5)[0] == 200:
                    break
            if time.monotonic() > deadline:
                raise BenchError(f"gunicorn did not answer within 60 s:\n{_tail(log_path)}")
            time.sleep(0.2)
        yield port
    finally:
        _stop(server)


def _stop(server):
    if server.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)  # its own group: the master and its workers
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


def _tail(path, lines=20):
    return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _latency_ms(output, percentile) -> float:
    match = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M)
    return float(match[1]) * _UNITS_MS[match[2]] if match else float("nan")


def _wrk(port, path, cookie) -> Run:
    command = [
        "wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", f"--timeout={REQUEST_TIMEOUT}s",
        "-H", "Accept-Encoding: gzip",
    ]  # fmt: skip
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    command.append(f"http://{HOST}:{port}{path}")
    done = subprocess.run(  # noqa: S603
        command, capture_output=True, text=True, timeout=SECONDS + REQUEST_TIMEOUT + 30, check=True
    )
    output = done.stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    failures = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket_errors:
        failures += sum(int(n) for n in socket_errors.groups())
    return Run(
        requests_per_second=float(rate[1]) if rate else 0.0,
        p50_ms=_latency_ms(output, 50),
        p99_ms=_latency_ms(output, 99),
        requests=int(total[1]) if total else 0,
        failures=failures,
    )


def _drain(port):
    """Wait for the requests wrk left in the queue, so that the next run starts on an idle server."""
    for _ in range(WORKERS):
        _get(port, "/bench/floor", timeout=DRAIN_TIMEOUT)


def _measure_database(label, url, env, scratch, *, scale, deal_title=None) -> dict:
    print(f"\n== {label}: {_database_name(url)}")
    deals = _prepare(url, env, scale=scale)
    out = scratch / f"probe-{_database_name(url)}.json"
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
        with _gunicorn(db_env, scratch / f"gunicorn-{_database_name(url)}.log") as port:
            floor = probed["floor"]
            for page in probed["pages"].values():
                status, headers = _get(port, page["path"], page["cookie"])
                if status != 200:
                    raise BenchError(f"{page['path']} answers {status} from gunicorn, not 200.")
                is_html = headers.get("Content-Type", "").startswith("text/html")
                if is_html and headers.get("Content-Encoding") != "gzip":
                    raise BenchError(f"{page['path']} is not sent gzipped.")
            _wrk(port, floor["path"], None)  # warm-up, not counted
            _drain(port)
            floors = [_wrk(port, floor["path"], None)]
            _drain(port)
            for name, page in probed["pages"].items():
                page["run"] = _wrk(port, page["path"], page["cookie"])
                _drain(port)
                floors.append(_wrk(port, floor["path"], None))
                _drain(port)
                around = (floors[-2].requests_per_second + floors[-1].requests_per_second) / 2
                page["floor_share"] = page["run"].requests_per_second / around if around else float("nan")
                run = page["run"]
                print(
                    f"   {name:<18} {run.requests_per_second:>8.1f} req/s  p99 {run.p99_ms:>8.1f} ms  "
                    f"floor {around:>7.1f} req/s"
                )
            probed["floor_runs"] = floors
    finally:
        _query(url, "DELETE FROM django_session WHERE session_key = ANY(%s)", [probed["sessions"]])
    probed["deals"] = deals
    return probed


# The table -------------------------------------------------------------------


def _kb(size) -> str:
    return f"{size / 1024:.1f}"


def _share(value) -> str:
    if value < 0.01:
        return f"{value:.2%}"
    return f"{value:.1%}" if value < 0.1 else f"{value:.0%}"


def _ms(value) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def _table(big, demo) -> str:
    rows = [
        "| page | queries | HTML KB | gzip KB | req/s | of floor | p50 ms | p99 ms "
        "| demo req/s | demo of floor | demo p99 ms | cost vs demo |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    failed = []
    for name, page in big["pages"].items():
        other = demo["pages"][name]
        run, other_run = page["run"], other["run"]
        queries = str(page["queries"])
        if other["queries"] != page["queries"]:
            queries += f" (demo {other['queries']})"
        # A request's cost relative to the floor beside it, at 100k deals over on the demo data.
        cost = other["floor_share"] / page["floor_share"] if page["floor_share"] else float("inf")
        mark = ""
        for label, measured in (("at scale", run), ("demo data", other_run)):
            if measured.failures:
                mark = " ⚠"
                failed.append(f"{name} ({label}): {measured.failures} of {measured.requests} requests failed")
        rows.append(
            f"| {name}{mark} | {queries} | {_kb(page['raw'])} | {_kb(page['gzip'])} "
            f"| {run.requests_per_second:.1f} | {_share(page['floor_share'])} "
            f"| {_ms(run.p50_ms)} | {_ms(run.p99_ms)} "
            f"| {other_run.requests_per_second:.1f} | {_share(other['floor_share'])} "
            f"| {_ms(other_run.p99_ms)} "
            f"| {cost:.2f}× |"
        )
    rows.append("")
    for label, measured in ((f"{big['deals']:,} deals", big), ("demo data", demo)):
        floors = measured["floor_runs"]
        rates = [f.requests_per_second for f in floors]
        rows.append(
            f"floor ({label}, {len(floors)} runs): {min(rates):.0f}–{max(rates):.0f} req/s, "
            f"p99 {min(f.p99_ms for f in floors):.1f}–{max(f.p99_ms for f in floors):.1f} ms, "
            f"{measured['floor']['queries']} query"
        )
    if failed:
        rows.append("\n⚠ failed requests (timeouts, errors or non-2xx answers):\n  " + "\n  ".join(failed))
    return "\n".join(rows)


def _load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


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
    load_before = _load_average()
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
    load_after = _load_average()
    print(
        f"\n== Pages at {big['deals']:,} deals ({_database_name(BENCH_URL)}) and on the demo data "
        f"({demo['deals']:,} deals); {CONNECTIONS} connections, {SECONDS} s per run\n"
    )
    print(_table(big, demo))
    print(f"\nload average before: {load_before}; after: {load_after} ({os.cpu_count()} cores)")
    print(
        "'of floor': requests/s as a share of the floor runs just before and after the page; "
        "'cost vs demo': a request's cost (relative to its floor) at scale over the same on the demo data."
    )


if __name__ == "__main__":
    try:
        if "--probe" in sys.argv[1:]:
            probe()
        else:
            main()
    except BenchError as error:
        sys.exit(f"bench-pages: {error}")
    except KeyboardInterrupt:
        sys.exit("bench-pages: interrupted; gunicorn stopped.")
