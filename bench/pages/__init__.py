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
