"""Monthly partitions of the tables that grow without end (PostgreSQL only; SQLite has none).

A partitioned table is split by one timestamp column into one partition a month,
`<table>_pYYYY_MM` (months in UTC), plus `<table>_default`, which catches any row outside the
months made so far. Django 6.1 knows nothing of it: the model state is unchanged, a migration
turns the table into a partitioned one (`partition_table`), `ensure_partitions` makes the coming
months' partitions (on `liaison migrate` and from `liaison scheduler`), and retention drops whole
months (`drop_months_before`) instead of deleting rows.

PostgreSQL requires the partition key in every unique constraint, so the primary key in the
database is (id, <column>) while Django keeps `id` as the model's pk. Ids still come from the one
identity sequence of the parent table, so they stay unique across partitions; a unique constraint
on other columns cannot be kept, which is why a table with one is not partitioned here.
"""

import datetime as dt
import re
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.backends.utils import CursorWrapper

# Tables partitioned by month: table -> timestamp column. Apps register theirs in ready().
TABLES: dict[str, str] = {}

# pg_advisory_xact_lock key: two schedulers (or a scheduler and a migrate) never make or drop
# partitions at the same time. Any fixed bigint of our own.
LOCK_KEY = 7_345_221_908

# Making or dropping a partition locks the parent table (briefly, but a queue of writes forms
# behind a lock that waits): give up rather than wait behind a long query; the next run retries.
LOCK_TIMEOUT = "5s"

_MONTH = re.compile(r"_p(\d{4})_(\d{2})$")


def register(table: str, column: str) -> None:
    TABLES[table] = column


def month_start(day: dt.date | dt.datetime) -> dt.date:
    return dt.date(day.year, day.month, 1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def partition_name(table: str, month: dt.date) -> str:
    return f"{table}_p{month:%Y_%m}"


def _bound(month: dt.date) -> str:
    return f"{month:%Y-%m-%d} 00:00:00+00"


@dataclass(frozen=True)
class Partition:
    name: str
    month: dt.date | None  # None: the default partition


def is_partitioned(table: str, using: BaseDatabaseWrapper | None = None) -> bool:
    conn = using or connection
    if conn.vendor != "postgresql":
        return False
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
            "WHERE c.relname = %s AND pg_table_is_visible(c.oid)",
            [table],
        )
        return cursor.fetchone() is not None


def partitions(table: str, using: BaseDatabaseWrapper | None = None) -> list[Partition]:
    """The partitions attached to `table`, monthly ones in order, the default last."""
    conn = using or connection
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass",
            [table],
        )
        names = [row[0] for row in cursor.fetchall()]
    monthly, default = [], []
    for name in names:
        found = _MONTH.search(name)
        if found:
            monthly.append(Partition(name, dt.date(int(found[1]), int(found[2]), 1)))
        else:
            default.append(Partition(name, None))
    return sorted(monthly, key=lambda p: p.month or dt.date.min) + default


def _prepare(cursor: CursorWrapper) -> None:
    """Take the partitions' lock, give up on a busy table rather than queue writes behind us, and
    check now the deferred foreign keys of rows written earlier in the same transaction
    (PostgreSQL refuses to drop or alter a table with checks still pending)."""
    cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def _make_month(cursor: CursorWrapper, table: str, column: str, month: dt.date) -> str:
    """Make the month's partition, moving into it any rows the default partition caught.

    Made as a plain table then attached: ATTACH locks the parent less than CREATE … PARTITION OF
    (writes to the other months go on), and the rows the default holds for that month must
    leave it first or PostgreSQL refuses the new partition."""
    qn = connection.ops.quote_name
    name = partition_name(table, month)
    lo, hi = _bound(month), _bound(add_months(month, 1))
    cursor.execute(f"CREATE TABLE {qn(name)} (LIKE {qn(table)} INCLUDING DEFAULTS)")
    default = f"{table}_default"
    cursor.execute("SELECT to_regclass(%s)", [default])
    if cursor.fetchone()[0] is not None:
        cursor.execute(
            f"WITH moved AS (DELETE FROM {qn(default)} WHERE {qn(column)} >= %s "  # noqa: S608
            f"AND {qn(column)} < %s RETURNING *) INSERT INTO {qn(name)} SELECT * FROM moved",
            [lo, hi],
        )
    cursor.execute(
        f"ALTER TABLE {qn(table)} ATTACH PARTITION {qn(name)} FOR VALUES FROM (%s) TO (%s)",
        [lo, hi],
    )
    return name


def ensure_partitions(months_ahead: int = 2, today: dt.date | None = None) -> list[str]:
    """Make the partitions of this month and the next `months_ahead` for every registered table
    that is partitioned; return the names made. Idempotent, and safe from several processes at
    once (an advisory lock). Does nothing on SQLite."""
    if connection.vendor != "postgresql":
        return []
    today = today or dt.datetime.now(dt.UTC).date()
    months = [add_months(month_start(today), n) for n in range(months_ahead + 1)]
    made = []
    for table in sorted(TABLES):
        made += make_months(table, months)
    return made


def make_months(table: str, months: list[dt.date]) -> list[str]:
    """Make `table`'s partitions of these months (firsts of months) where missing."""
    if not is_partitioned(table):
        return []
    made = []
    with transaction.atomic(), connection.cursor() as cursor:
        _prepare(cursor)
        # Read under the lock: another process may have made them while this one waited.
        have = {p.month for p in partitions(table)}
        for month in months:
            if month not in have:
                made.append(_make_month(cursor, table, TABLES[table], month))
    return made


def drop_months_before(table: str, month: dt.date) -> list[str]:
    """Drop `table`'s monthly partitions of months before `month` (whole months: a partition
    goes only when every row in it is older than `month`). Returns the names dropped."""
    if not is_partitioned(table):
        return []
    qn = connection.ops.quote_name
    dropped = []
    with transaction.atomic(), connection.cursor() as cursor:
        _prepare(cursor)
        for part in partitions(table):
            if part.month is not None and part.month < month:
                cursor.execute(f"ALTER TABLE {qn(table)} DETACH PARTITION {qn(part.name)}")
                cursor.execute(f"DROP TABLE {qn(part.name)}")
                dropped.append(part.name)
    return dropped


# --- migrations ------------------------------------------------------------------------------


def partition_table(
    schema_editor: BaseDatabaseSchemaEditor, table: str, column: str, months_ahead: int = 2
) -> None:
    """Turn `table` into one partitioned by month on `column`, rows, indexes, foreign keys and
    identity kept (for a migration's RunPython; PostgreSQL only).

    Nothing may point at the table by foreign key (a key to a partitioned table needs its whole
    primary key, id and timestamp); the table's own keys to other tables are remade."""
    conn = schema_editor.connection
    if conn.vendor != "postgresql" or is_partitioned(table, conn):
        return
    qn = schema_editor.quote_name
    old = f"{table}_unpartitioned"
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE confrelid = %s::regclass AND contype = 'f'",
            [table],
        )
        pointing = [row[0] for row in cursor.fetchall()]
        if pointing:
            raise RuntimeError(f"{table} is referenced by {pointing}: it cannot be partitioned.")
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
            "AND schemaname = current_schema() AND indexname <> %s",
            [table, f"{table}_pkey"],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('f', 'c')",
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            f"SELECT min({qn(column)}), max(id) FROM {qn(table)}"  # noqa: S608
        )
        oldest, max_id = cursor.fetchone()
        # The old table keeps its indexes and keys until it is dropped below; the new ones are made
        # afterwards under the same names.
        cursor.execute(f"ALTER TABLE {qn(table)} RENAME TO {qn(old)}")
        cursor.execute(
            f"ALTER TABLE {qn(old)} RENAME CONSTRAINT {qn(table + '_pkey')} TO {qn(old + '_pkey')}"
        )
        # The identity goes with the new parent: LIKE … INCLUDING IDENTITY makes a new sequence,
        # set past the old table's ids below.
        cursor.execute(
            f"CREATE TABLE {qn(table)} (LIKE {qn(old)} INCLUDING DEFAULTS INCLUDING IDENTITY, "
            f"CONSTRAINT {qn(table + '_pkey')} PRIMARY KEY (id, {qn(column)})) "
            f"PARTITION BY RANGE ({qn(column)})"
        )
        cursor.execute(f"CREATE TABLE {qn(table + '_default')} PARTITION OF {qn(table)} DEFAULT")
        today = dt.datetime.now(dt.UTC).date()
        month = month_start(oldest) if oldest else month_start(today)
        last = add_months(month_start(today), months_ahead)
        while month <= last:
            cursor.execute(
                f"CREATE TABLE {qn(partition_name(table, month))} PARTITION OF {qn(table)} "
                "FOR VALUES FROM (%s) TO (%s)",
                [_bound(month), _bound(add_months(month, 1))],
            )
            month = add_months(month, 1)
        cursor.execute(f"INSERT INTO {qn(table)} SELECT * FROM {qn(old)}")  # noqa: S608
        cursor.execute(f"DROP TABLE {qn(old)}")
        _keep_sequence(cursor, table, max_id)
        # Indexes made after the rows went in (faster than kept up row by row), under their
        # Django names so later migrations find them; on the parent, so every partition has them.
        for _name, definition in indexes:
            cursor.execute(definition)
        for name, definition in constraints:
            cursor.execute(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}")


def _keep_sequence(cursor: CursorWrapper, table: str, max_id: int | None) -> None:
    """The new table's identity carries on past the old one's ids, under the usual name (made
    while the old table still held it, PostgreSQL named it …_seq1)."""
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    (sequence,) = cursor.fetchone()
    if max_id is not None:
        cursor.execute("SELECT setval(%s, %s)", [sequence, max_id])
    wanted = f"{table}_id_seq"
    if sequence.rsplit(".", 1)[-1].strip('"') != wanted:
        cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {connection.ops.quote_name(wanted)}")


def unpartition_table(schema_editor: BaseDatabaseSchemaEditor, table: str) -> None:
    """The reverse of partition_table: one plain table again, rows, indexes and keys kept."""
    conn = schema_editor.connection
    if conn.vendor != "postgresql" or not is_partitioned(table, conn):
        return
    qn = schema_editor.quote_name
    old = f"{table}_partitioned"
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, pg_get_indexdef(c.oid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass "
            "AND NOT i.indisprimary",
            [table],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('f', 'c')",
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute(f"SELECT max(id) FROM {qn(table)}")  # noqa: S608
        (max_id,) = cursor.fetchone()
        cursor.execute(f"ALTER TABLE {qn(table)} RENAME TO {qn(old)}")
        cursor.execute(
            f"ALTER TABLE {qn(old)} RENAME CONSTRAINT {qn(table + '_pkey')} TO {qn(old + '_pkey')}"
        )
        cursor.execute(
            f"CREATE TABLE {qn(table)} (LIKE {qn(old)} INCLUDING DEFAULTS INCLUDING IDENTITY, "
            f"CONSTRAINT {qn(table + '_pkey')} PRIMARY KEY (id))"
        )
        cursor.execute(f"INSERT INTO {qn(table)} SELECT * FROM {qn(old)}")  # noqa: S608
        cursor.execute(f"DROP TABLE {qn(old)}")
        _keep_sequence(cursor, table, max_id)
        for _name, definition in indexes:
            # A partitioned table's index reads "ON ONLY <table>"; a plain table has no ONLY.
            cursor.execute(definition.replace(" ON ONLY ", " ON "))
        for name, definition in constraints:
            cursor.execute(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}")
