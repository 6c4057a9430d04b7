"""Bulk insertion for seed_scale: rows with explicit primary keys, written in large batches.

On PostgreSQL (psycopg2) the rows go in with ``COPY`` (CSV) from a
background thread on the same connection, so the database stores one batch
while Python generates the next; the secondary indexes are rebuilt after the
load, and the foreign keys are checked with one query per key instead of one
trigger per row. Elsewhere (SQLite for small data sets and tests) with one
``executemany`` per batch. Either way no model ``save()`` runs: the generator
sets every value itself, timestamps included, so history can lie in the past.
"""

import csv
import io
import json
import os
import queue
import threading

from django.core.management.color import no_style
from django.db import connection
from django.db.models import Max


def _fire_deferred_checks(cursor) -> None:
    """Run the foreign-key checks waiting for the commit now: PostgreSQL refuses index changes
    on a table with checks pending (say, rows written earlier in the same transaction)."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _is_key(field) -> bool:
    """A column holding the id of another row (ForeignKey or OneToOneField)."""
    return field.is_relation and (field.many_to_one or field.one_to_one)


class Table:
    """The rows of one table; ``add`` returns the new row's primary key."""

    def __init__(self, writer: "BulkWriter", model, *, with_ids: bool = True, start_id: int | None = None):
        self.writer = writer
        self.model = model
        self.db_table = model._meta.db_table
        self.fields = [f for f in model._meta.concrete_fields if with_ids or not f.primary_key]
        self.columns = [f.attname for f in self.fields]
        self.names = set(self.columns)
        self.defaults = [None if f.primary_key else f.get_default() for f in self.fields]
        # For COPY in CSV format: JSON is dumped by hand, and an empty unquoted value is NULL
        # except in the text columns that cannot be NULL, where it is the empty string.
        self.json_columns = [i for i, f in enumerate(self.fields) if f.get_internal_type() == "JSONField"]
        self.text_columns = [
            f.column
            for f in self.fields
            if not f.null and f.get_internal_type() in ("CharField", "TextField", "EmailField", "URLField")
        ]
        self.with_ids = with_ids
        self.rows: list[list] = []
        self.count = 0
        self.first_id = self.next_id = None
        if with_ids:
            if start_id is None:
                start_id = (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
            self.first_id = self.next_id = start_id
        # The columns holding ids, with the model whose id they hold: see ``shift``.
        self.id_columns = [
            (i, (f.related_model if f.is_relation else model)._meta.label)
            for i, f in enumerate(self.fields)
            if f.primary_key or _is_key(f)
        ]

    def add(self, **values) -> int | None:
        if self.count < 1000 and not values.keys() <= self.names:
            raise TypeError(f"{self.model.__name__} has no field(s) {sorted(values.keys() - self.names)}")
        pk = None
        if self.with_ids:
            pk = values["id"] = self.next_id
            self.next_id += 1
        get = values.get
        self.rows.append(
            [get(name, default) for name, default in zip(self.columns, self.defaults, strict=True)]
        )
        self.count += 1
        if len(self.rows) >= self.writer.batch_size:
            self.flush()
        return pk

    def shift(self, rows: list[list], offsets: dict[str, int]) -> None:
        """Add ``offsets[model label]`` to every id of such a model in the rows (rows made with local ids)."""
        columns = [(i, offsets[label]) for i, label in self.id_columns if offsets.get(label)]
        for row in rows:
            for i, offset in columns:
                if row[i] is not None:
                    row[i] += offset

    def extend(self, rows: list[list], *, ids: int) -> None:
        """Write rows made elsewhere, whose ``ids`` new ids start at ``next_id``."""
        self.count += len(rows)
        if self.with_ids:
            self.next_id += ids
        for start in range(0, len(rows), self.writer.batch_size):
            self.writer.write(self, rows[start : start + self.writer.batch_size])

    def write_csv(self, rows: list[list], file) -> None:
        """The rows as COPY reads them (CSV): str() of every value, JSON dumped."""
        if self.json_columns:
            for row in rows:
                for index in self.json_columns:
                    row[index] = json.dumps(row[index])
        csv.writer(file, lineterminator="\n").writerows(rows)

    def copy_file(self, path: str) -> None:
        with open(path, newline="") as file, connection.cursor() as cursor:
            cursor.copy_expert(self.insert_sql(), file)

    def flush(self) -> None:
        if self.writer.local:
            return  # rows stay in memory for whoever made them
        if self.rows:
            rows, self.rows = self.rows, []
            self.writer.write(self, rows)

    def insert_sql(self) -> str:
        columns = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        table = connection.ops.quote_name(self.db_table)
        if self.writer.use_copy:
            options = "FORMAT csv"
            if self.text_columns:
                options += (
                    ", FORCE_NOT_NULL ("
                    + ", ".join(connection.ops.quote_name(c) for c in self.text_columns)
                    + ")"
                )
            return f"COPY {table} ({columns}) FROM STDIN WITH ({options})"
        marks = ", ".join(["%s"] * len(self.columns))
        return f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608 - quoted names of our models


class BulkWriter:
    """Tables to fill; ``local`` ones keep their rows in memory and number them from 1."""

    def __init__(self, *, batch_size: int = 20_000, local: bool = False, threaded: bool = True):
        self.batch_size = batch_size
        self.local = local
        self.threaded = threaded
        if not local:
            connection.ensure_connection()
        # COPY through psycopg2's copy_expert; psycopg 3 and other databases take executemany.
        self.use_copy = (
            not local and connection.vendor == "postgresql" and connection.Database.__name__ == "psycopg2"
        )
        self.tables: dict[str, Table] = {}
        self._queue: queue.Queue | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self.foreign_keys_deferred = False
        self.dropped_indexes: list[str] = []

    def table(self, model, *, with_ids: bool = True, key: str | None = None) -> Table:
        key = key or model._meta.label
        if key not in self.tables:
            start_id = 1 if self.local else None
            self.tables[key] = Table(self, model, with_ids=with_ids, start_id=start_id)
        return self.tables[key]

    # Writing batches ---------------------------------------------------------------------------

    def write(self, table: Table, rows: list[list]) -> None:
        if not self.use_copy:
            prepared = [
                [f.get_db_prep_save(v, connection) for f, v in zip(table.fields, row, strict=True)]
                for row in rows
            ]
            with connection.cursor() as cursor:
                cursor.executemany(table.insert_sql(), prepared)
            return
        if not self.threaded:
            buffer = io.StringIO()
            table.write_csv(rows, buffer)
            buffer.seek(0)
            with connection.cursor() as cursor:
                cursor.copy_expert(table.insert_sql(), buffer)
            return
        self._start_thread()
        self._queue.put((table, rows, None))

    def write_file(self, table: Table, path: str) -> None:
        """COPY a CSV file written by ``Table.write_csv``, then delete it."""
        if not self.threaded:
            table.copy_file(path)
            os.remove(path)
            return
        self._start_thread()
        self._queue.put((table, None, path))

    def drain(self) -> None:
        """Wait until every batch handed over is in the database."""
        if self._thread is not None:
            self._queue.join()
        self._raise_worker_error()

    def _start_thread(self) -> None:
        self._raise_worker_error()
        if self._thread is None:
            # The thread uses the raw connection of this one, hence this transaction; this
            # thread leaves the connection alone until drain() or finish().
            self._queue = queue.Queue(maxsize=3)
            self._thread = threading.Thread(
                target=self._copy_worker, args=(connection.connection,), daemon=True
            )
            self._thread.start()

    def _copy_worker(self, raw_connection) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                if self._error is not None:
                    continue
                table, rows, path = item
                if path is not None:
                    with open(path, newline="") as file, raw_connection.cursor() as cursor:
                        cursor.copy_expert(table.insert_sql(), file)
                    os.remove(path)
                    continue
                buffer = io.StringIO()
                table.write_csv(rows, buffer)
                buffer.seek(0)
                with raw_connection.cursor() as cursor:
                    cursor.copy_expert(table.insert_sql(), buffer)
            except BaseException as error:  # handed to the main thread
                self._error = error
            finally:
                self._queue.task_done()

    def stop(self) -> None:
        """After a failure: let the thread skip what is queued and end, before the rollback."""
        if self._thread is not None:
            self._error = self._error or RuntimeError("seed_scale stopped")
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def _raise_worker_error(self) -> None:
        if self._error is not None:
            raise self._error

    def finish(self) -> None:
        """Write what is left, then move the id sequences past the ids written here."""
        for table in self.tables.values():
            table.flush()
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
            self._raise_worker_error()
        self._create_indexes()
        models = [t.model for t in self.tables.values() if t.with_ids]
        statements = connection.ops.sequence_reset_sql(no_style(), models)
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)

    def counts(self) -> dict[str, int]:
        return {key: table.count for key, table in self.tables.items()}

    # Indexes ---------------------------------------------------------------------------------

    def drop_indexes(self) -> None:
        """On PostgreSQL, drop the secondary indexes of the tables about to be filled.

        Building an index once over all rows is much cheaper than updating it row by row;
        ``finish`` creates them again from their own definitions, in this transaction.
        Indexes behind a constraint (primary keys, unique constraints) stay.
        """
        if not self.use_copy:
            return
        tables = [t.db_table for t in self.tables.values()]
        with connection.cursor() as cursor:
            _fire_deferred_checks(cursor)
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i "
                "WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s) "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname) "
                "ORDER BY i.indexname",
                [tables],
            )
            for name, definition in cursor.fetchall():
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
                self.dropped_indexes.append(definition)

    def _create_indexes(self) -> None:
        with connection.cursor() as cursor:
            if self.dropped_indexes:
                _fire_deferred_checks(cursor)
            for definition in self.dropped_indexes:
                cursor.execute(definition)
        self.dropped_indexes = []

    # Foreign keys ------------------------------------------------------------------------------

    def defer_foreign_key_checks(self) -> bool:
        """On PostgreSQL as a superuser, skip the per-row foreign-key triggers for this transaction.

        ``check_foreign_keys`` then checks every written row in one query per foreign key,
        which is much cheaper than a trigger per row at commit.
        """
        if connection.vendor != "postgresql":
            return False
        with connection.cursor() as cursor:
            cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            row = cursor.fetchone()
            if not row or not row[0]:
                return False
            cursor.execute("SET LOCAL session_replication_role = replica")
        self.foreign_keys_deferred = True
        return True

    def check_foreign_keys(self) -> list[str]:
        """Every foreign key of the written rows that points nowhere, as "table.column"."""
        quote = connection.ops.quote_name
        broken = []
        with connection.cursor() as cursor:
            for table in self.tables.values():
                for f in table.fields:
                    if not _is_key(f):
                        continue
                    target = f.target_field
                    where = f"c.{quote(f.column)} IS NOT NULL"
                    if table.with_ids:
                        where += f" AND c.{quote(table.model._meta.pk.column)} >= {int(table.first_id)}"
                    cursor.execute(
                        f"SELECT 1 FROM {quote(table.db_table)} c WHERE {where} AND NOT EXISTS ("  # noqa: S608
                        f"SELECT 1 FROM {quote(target.model._meta.db_table)} p "
                        f"WHERE p.{quote(target.column)} = c.{quote(f.column)}) LIMIT 1"
                    )
                    if cursor.fetchone():
                        broken.append(f"{table.db_table}.{f.column}")
            cursor.execute("SET LOCAL session_replication_role = origin")
        return broken
