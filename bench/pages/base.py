"""What the page benchmark runs against and how hard, the pages it measures, and its one error."""

import os

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
