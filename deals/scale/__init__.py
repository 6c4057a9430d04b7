"""A company-sized data set on top of the demo data, for measuring pages and queries (seed_scale).

The demo users and teams stay as they are; the company adds about 50 teams,
each with managers, reps, production, supply chain and finance, a finance
policy, customers and contacts, and deals at every stage of their life:
meetings past and upcoming, briefings in every state with their versions and
approvals, consultations, payment-term requests, on-call cover,
co-negotiators, reports (some with breaches), the timeline and the inbox.

The figures are for 100,000 deals and scale with the number asked for: rita
owns 0.2 % of the deals, her team 2 %, the other teams share the rest.

Everything is drawn from seeded random generators (one for the people, one
per team for its deals), so the same number of deals gives the same data
(dates are relative to the hour it runs), whether one process or several
forked workers generate it. Rows are written in bulk with explicit ids (see
``bulk``); the values and JSON snapshots follow what the services write, using
their own helpers where they are pure functions (limits snapshot, policy
breaches, report breaches).

Modules: ``plan`` (the shares and errors), ``company`` (the tables and the
run), ``teams`` (teams, people, policies, customers), ``workers`` (the forked
processes), ``stories`` (one deal's rows, a module per part of its story),
``bulk`` (COPY or executemany), ``words`` (names and phrases, a module per area).
"""

import datetime
import multiprocessing
import os
import time
from collections.abc import Callable

from django.db import connection, transaction

from deals.scale.company import Company
from deals.scale.plan import MIN_DEALS, ScalePlan, ScaleResult, ScaleSeedError, scale_seeded_with

__all__ = ["ScalePlan", "ScaleResult", "ScaleSeedError", "default_workers", "scale_seed", "scale_seeded_with"]


def default_workers(deals: int) -> int:
    """Forked workers pay off on PostgreSQL with COPY and enough deals; elsewhere one process."""
    if (
        connection.vendor != "postgresql"
        or deals < 5_000
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        return 1
    return max(1, min(3, (os.cpu_count() or 1)))


def scale_seed(
    *,
    deals: int,
    log: Callable[[str], None] | None = None,
    workers: int | None = None,
    now: datetime.datetime | None = None,
) -> ScaleResult:
    """Add the company to a database that holds the demo data; refuses when it already ran.

    Dates are relative to ``now`` (default: the current hour).
    """
    if deals < MIN_DEALS:
        raise ScaleSeedError(f"Ask for at least {MIN_DEALS} deals: fewer cannot show every state.")
    seeded = scale_seeded_with()
    if seeded is not None:
        raise ScaleSeedError(
            f"seed_scale already ran on this database (with {seeded:,} deals): nothing changed. "
            "To seed again, start from an empty database (migrate, seed_demo, then seed_scale)."
        )
    started = mark = time.monotonic()
    phases = {}

    def lap(phase: str) -> None:
        nonlocal mark
        now = time.monotonic()
        phases[phase] = now - mark
        mark = now

    plan = ScalePlan.for_deals(deals)
    with transaction.atomic():
        company = Company(plan=plan, log=log, now=now)
        counts = company.run(workers=default_workers(deals) if workers is None else workers)
        lap("generated and written")
        if company.w.foreign_keys_deferred:
            broken = company.w.check_foreign_keys()
            if broken:
                raise ScaleSeedError(
                    f"Generated rows point nowhere: {', '.join(broken)}; nothing was written."
                )
            lap("foreign keys checked")
    lap("committed")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        lap("analyzed")
    return ScaleResult(counts=counts, seconds=time.monotonic() - started, phases=phases)
