"""The plans of the sweep's queries: EXPLAIN ANALYZE of each, and any sequential scan of a large table."""

import re

LARGE_TABLE_ROWS = 10_000


def _large_tables():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace "
            "AND reltuples >= %s",
            [LARGE_TABLE_ROWS],
        )
        return {name for (name,) in cursor.fetchall()}


def explain(statements):
    """EXPLAIN ANALYZE each distinct query the sweeps ran (writes inside a rolled-back savepoint)."""
    from django.db import connection, transaction

    large = _large_tables()
    seen = set()
    print(f"   EXPLAIN ANALYZE of every distinct query the sweeps ran (large: >= {LARGE_TABLE_ROWS:,} rows)")
    offenders = []
    for sql, params, many in statements:
        shape = re.sub(r"\s+", " ", re.sub(r"(%s(, )?)+", "%s", sql))
        if shape in seen or many or not re.match(r"\s*(SELECT|WITH|INSERT|UPDATE|DELETE)", sql, re.I):
            continue
        seen.add(shape)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT TEXT) {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            transaction.set_rollback(True)
        scans = sorted({table for table in re.findall(r"Seq Scan on (\w+)", plan) if table in large})
        took = re.search(r"Execution Time: ([\d.]+) ms", plan)
        verdict = "SEQ SCAN on " + ", ".join(scans) if scans else "no seq scan on a large table"
        print(f"     {float(took.group(1)) if took else 0:>8.2f} ms  {verdict:<32} {shape[:90]}")
        if scans:
            offenders.append((shape, plan))
    found = f"yes, in {len(offenders)} plans" if offenders else "none"
    print(f"   Seq Scan on a large table: {found}")
    for shape, plan in offenders:
        print(f"\n{shape}\n{plan}")
