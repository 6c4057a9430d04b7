"""Benchmark of the reminder sweep: its cost follows the work due, not the database size.

Run with ``make bench-reminders`` or ``python -m bench.reminders`` (PostgreSQL).
It creates (or wipes) a scratch database (``--database-url``, else
BENCH_DATABASE_URL, else ``negprep_bench`` on the local server) and fills it
with a company's worth of data: 50 teams, deals with a past and an upcoming
meeting, four consultations each (some still unsettled), reports for most
past meetings, three notifications per deal and an old reminder ledger. At
each size (``--deals``, default 10,000 then 100,000) it prints, for the whole
``reminder_sweep()`` call (reminders, e-mail resend and ledger pruning), the time in
process, the part of it spent in the database and the query count of:

- a tick with nothing new due (everything due was sent by an earlier tick),
- a tick with about 5,000 reminders due (claimed, rendered, put in the
  inboxes and queued for e-mail; a worker sends them, not the sweep),
- the repeat of that tick,
- pruning the ledger of meetings whose windows have all passed,

and it runs EXPLAIN ANALYZE on every query the sweep ran, saying whether any
plan reads a large table with a sequential scan. ``--profile`` adds the
cProfile of the two sweeps. Nothing is measured by the test suite: these are
figures to read, not assertions.

The scratch database is only ever wiped when it is empty or was made by this
benchmark, so pointing it at a real database stops with a message instead.
"""
