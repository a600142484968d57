"""Small database helpers that differ between SQLite and PostgreSQL."""

import contextlib
import inspect
import json
import sqlite3
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from django.db import connection, connections
from django.db.models import Expression, F
from django.db.models.lookups import Lookup
from django.dispatch import Signal

# Sent (sender: the model) after insert_rows, insert_new_rows, update_rows, upsert_rows or delete_rows
# wrote rows,
# which no model signal reports: the access policy drops its kept scope sets when a table they read
# was written, core/kept.py makes the kept parts that show it stale. With `households` (the
# inserting loaders), the ids of the households the new rows belong to, when the rows name them (a
# `household_id` or `household_id_copy` column) and they are few; None when they cannot be named
# (an update, which may move a row from one household to another, or too many).
rows_written = Signal()
# More households than this in one write are not named one by one (core/kept.py draws the
# version of every household of the district instead).
MANY_HOUSEHOLDS = 50
HOUSEHOLD_COLUMNS = ("household_id", "household_id_copy")


def households_in(columns: list[str], rows: list) -> set[int] | None:
    """The households the inserted rows belong to (see rows_written): None when the rows hold no
    household column, one without a household, or more than MANY_HOUSEHOLDS of them."""
    at = next((columns.index(c) for c in HOUSEHOLD_COLUMNS if c in columns), None)
    if at is None:
        return None
    found: set[int] = set()
    for row in rows:
        household = row[at]
        if household is None:
            return None
        found.add(household)
        if len(found) > MANY_HOUSEHOLDS:
            return None
    return found


class IdIn(Lookup):
    """`column IN (ids)` with the ids bound as one parameter (a JSON array read by json_each on
    SQLite, an array on PostgreSQL): the statement and its compilation cost the same for ten ids
    or ten thousand, where Django's `__in` binds (and converts) each id on its own.

    A Lookup, so that a filter takes it as it is: any other conditional expression is compared
    with true on SQLite (`(… IN …) = 1`), which no index can serve."""

    lookup_name = "id_in"
    prepare_rhs = False
    array_type = "bigint[]"  # PostgreSQL's type of the bound array

    def __init__(self, column: str | Expression, ids) -> None:
        super().__init__(F(column) if isinstance(column, str) else column, sorted(ids))

    @property
    def ids(self) -> list[int]:
        return self.rhs

    def as_sql(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.lhs)
        if connection.vendor == "postgresql":
            return f"{sql} = ANY(%s::{self.array_type})", [*params, self.pg_value()]
        # the column is compiled by Django; the ids are bound
        return f"{sql} IN (SELECT value FROM json_each(%s))", [*params, json.dumps(self.rhs)]  # noqa: S608

    def pg_value(self) -> Any:
        """The ids as PostgreSQL reads them: the array's text, which str.join writes and the
        server parses in C. psycopg dumps a list element by element: with a liaison's site of
        1,430 families, each of Today's six scoped queries took 1.9 ms against 0.5 ms so."""
        return array_param(self.rhs, "bigint")[1]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.lhs!r}, <{len(self.rhs)} ids>)"


class TextIn(IdIn):
    """IdIn for text keys (sourced ids): `column IN (keys)`, the keys bound as one parameter."""

    lookup_name = "text_in"
    array_type = "text[]"

    def pg_value(self) -> Any:
        return list(self.rhs)  # psycopg quotes each key (commas, quotes, braces in sourced ids)


def refresh_statistics(*models) -> None:
    """After a bulk load, let the query planner see the new row counts (both databases plan by them).

    PostgreSQL analyses these tables (or all); SQLite runs PRAGMA optimize, which re-analyses the
    tables whose size has moved far from their statistics. Analysing a few SQLite tables by name
    while others keep old statistics misleads its planner (an announcement's audience query went
    from seconds to many minutes): for a self-contained set of tables, see analyze_tables.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
            cursor.execute(f"ANALYZE {tables}" if tables else "ANALYZE")
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA optimize")


def analyze_on_postgresql(*models) -> None:
    """After a bulk write, let PostgreSQL's planner see the new rows of these tables (ANALYZE), as
    autovacuum would, later. Nothing on SQLite, which has no statistics until asked: statistics
    for a few of its tables can mislead its planner (see refresh_statistics), and the paths that
    call this were measured on SQLite without them."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
            cursor.execute(f"ANALYZE {tables}")


def without_jit() -> None:
    """Turn PostgreSQL's JIT compilation off until the current transaction ends (SET LOCAL).

    The statements that read a district's students at once (a day's nudges and positive notes)
    carry correlated EXISTS filters whose estimated cost, once the tables have statistics, crosses
    the JIT threshold: compiling then took seconds for statements that run in a few hundred
    milliseconds. Nothing to do on SQLite. Call it inside transaction.atomic()."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


def reserve_ids(model, n: int) -> list[int] | None:
    """`n` primary keys drawn from the table's sequence, for rows written later in the
    transaction (so that rows pointing at them can be written first, with their foreign key set,
    rather than updated afterwards); None on SQLite, which has no sequence to draw from. A key
    drawn and not used is a gap in the ids, as after a rollback."""
    if connection.vendor != "postgresql" or n <= 0:
        return None
    return _draw_ids(model, n)


def _draw_ids(model, n: int) -> list[int]:
    """PostgreSQL: `n` ids from the sequence of the table's key."""
    with bulk_cursor() as cursor:
        # The sequence's name first: pg_get_serial_sequence() inside the series would be
        # evaluated for every row (a sixth of a second per 100,000 ids).
        table = connection.ops.quote_name(model._meta.db_table)
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, model._meta.pk.column])
        (sequence,) = cursor.fetchone()
        if sequence is None:
            raise ValueError(f"{model._meta.label}: ids wanted, but its key has no sequence")
        cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, n])
        return [i for (i,) in cursor.fetchall()]


def analyze_tables(*models) -> None:
    """Analyse exactly these tables on either database: for a set of tables that its own queries
    read together (the resource directory), right after it was reloaded."""
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


# Column types whose Python values the drivers take as they are; other types (dates, times, JSON)
# go through the field's own conversion, once per distinct value where it can be cached.
_PLAIN = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "EmailField",
    "ForeignKey",
    "IntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
}


def _converters(model, columns: list[str]) -> list:
    fields = {f.attname: f for f in model._meta.concrete_fields}
    out: list[Callable[..., Any] | None] = []
    for name in columns:
        field = fields[name]
        if field.get_internal_type() in _PLAIN:
            out.append(None)
            continue
        if field.get_internal_type() == "JSONField" and connection.vendor != "postgresql":
            # What the field's own conversion does on SQLite, without its per-value checks (a
            # district's recompute writes two JSON values per student).
            out.append(partial(_json_value, field=field))
            continue
        cache: dict = {}

        def convert(value, field=field, cache=cache):
            if value is None:
                return None
            try:
                return cache[value]
            except TypeError:  # unhashable (JSON lists and dicts)
                return field.get_db_prep_save(value, connection)
            except KeyError:
                cache[value] = done = field.get_db_prep_save(value, connection)
                return done

        out.append(convert)
    return out


def _json_value(value, *, field):
    if value is None:  # SQL NULL or JSON null: the field decides
        return field.get_db_prep_save(value, connection)
    return json.dumps(value, cls=field.encoder)


def _prepared(model, columns, rows):
    converters = _converters(model, columns)
    if not any(converters):
        return rows
    pairs = list(enumerate(converters))
    return [tuple(c(v) if c else v for (_i, c), v in zip(pairs, row, strict=True)) for row in rows]


def _columns(model, attnames: list[str]) -> list[str]:
    fields = {f.attname: f.column for f in model._meta.concrete_fields}
    return [fields[a] for a in attnames]


def _batch_rows(n_columns: int) -> int:
    limit = connection.features.max_query_params or 65535
    return max(1, min(limit, 30000) // max(1, n_columns))


def insert_rows(
    model, columns: list[str], rows, *, returning: str | None = None, prepared: bool = False
) -> list:
    """INSERT plain tuples (values of `columns`, attnames): COPY on PostgreSQL, multi-row
    statements elsewhere.

    Much cheaper than bulk_create for large loads: no model instances, no per-value compilation.
    With `returning` (a column among `columns`), returns (returning, pk) pairs of the new rows.
    `prepared`: the rows hold what the database takes already (on SQLite, dates as ISO text), so
    the fields' conversions are skipped (a million-row load spends seconds in them).
    """
    rows = list(rows)
    out = _insert_rows(model, columns, rows, returning=returning, prepared=prepared)
    rows_written.send(sender=model, households=households_in(columns, rows))
    return out


def _insert_rows(
    model, columns: list[str], rows, *, returning: str | None = None, prepared: bool = False
) -> list:
    rows = list(rows)
    if not rows:
        return []
    if connection.vendor == "postgresql":
        return _copy_rows(model, columns, rows, returning)
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in _columns(model, columns))
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    tail = ""
    if returning:
        pk = model._meta.pk.column
        tail = f" RETURNING {connection.ops.quote_name(returning)}, {connection.ops.quote_name(pk)}"
    out: list[Any] = []
    size = _batch_rows(len(columns))
    if prepared and not returning and connection.vendor == "sqlite":
        # The driver's own cursor, with its own placeholders: Django's rewrites every %s of a
        # 30,000-value statement with a regular expression (half a second per 150,000 rows).
        connection.ensure_connection()
        raw = connection.connection.cursor()
        one = "(" + ", ".join(["?"] * len(columns)) + ")"
        try:
            for start in range(0, len(rows), size):
                chunk = rows[start : start + size]
                sqlite3.Cursor.execute(  # not Django's wrapper, which rewrites placeholders
                    raw,
                    f"INSERT INTO {table} ({cols}) VALUES {', '.join([one] * len(chunk))}",  # noqa: S608 - names from the model, values bound
                    [v for row in chunk for v in row],
                )
        finally:
            raw.close()
        return out
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            if not prepared:
                chunk = _prepared(model, columns, chunk)
            sql = f"INSERT INTO {table} ({cols}) VALUES {', '.join([one] * len(chunk))}{tail}"  # noqa: S608 - names from the model, values bound
            cursor.execute(sql, [v for row in chunk for v in row])
            if returning:
                out.extend(cursor.fetchall())
    return out


def insert_new_rows(model, columns: list[str], rows, *, returning: str | None = None) -> list:
    """INSERT plain tuples as insert_rows does, leaving out every row a unique constraint already
    holds (ON CONFLICT DO NOTHING: on PostgreSQL a row another transaction is writing waits for it,
    then is left out). With `returning` (a column among `columns`), returns (returning, pk) pairs
    of the rows this call wrote, and of no other: what a caller claims by writing it is its own."""
    rows = list(rows)
    out = _insert_new_rows(model, columns, rows, returning=returning)
    rows_written.send(sender=model, households=households_in(columns, rows))
    return out


def _insert_new_rows(model, columns: list[str], rows, *, returning: str | None) -> list:
    rows = list(rows)
    if not rows:
        return []
    q = connection.ops.quote_name
    table = q(model._meta.db_table)
    cols = ", ".join(q(c) for c in _columns(model, columns))
    tail = " ON CONFLICT DO NOTHING"
    if returning:
        tail += f" RETURNING {q(returning)}, {q(model._meta.pk.column)}"
    out: list = []
    if connection.vendor == "postgresql":
        select, arrays = _unnest(model, list(columns))
        sql = f"INSERT INTO {table} ({cols}) {select}{tail}"
        with bulk_cursor() as cursor:
            for start in range(0, len(rows), 20000):
                cursor.execute(sql, arrays(rows[start : start + 20000]))
                if returning:
                    out.extend(cursor.fetchall())
        return out
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    size = _batch_rows(len(columns))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            chunk = _prepared(model, columns, rows[start : start + size])
            values = ", ".join([one] * len(chunk))
            sql = f"INSERT INTO {table} ({cols}) VALUES {values}{tail}"  # noqa: S608 - names from the model
            cursor.execute(sql, [v for row in chunk for v in row])
            if returning:
                out.extend(cursor.fetchall())
    return out


def _copy_rows(model, columns: list[str], rows: list, returning: str | None) -> list:
    """PostgreSQL: COPY the rows in. psycopg formats COPY data in C, where an INSERT from arrays
    dumps every array element in Python, and the server neither parses nor plans a statement per
    batch. COPY cannot return ids, so when they are wanted the ids are drawn from the table's
    sequence first (one statement) and written with the rows; the sequence stays the only source
    of ids, so concurrent inserts elsewhere cannot collide with them."""
    q = connection.ops.quote_name
    table = q(model._meta.db_table)
    names = list(columns)
    out = []
    if returning:
        pk = model._meta.pk
        key = _columns(model, names).index(returning)
        if pk.attname in names:  # ids given (reserve_ids)
            at = names.index(pk.attname)
            out = [(row[key], row[at]) for row in rows]
        else:
            ids = _draw_ids(model, len(rows))
            rows = [(*row, i) for row, i in zip(rows, ids, strict=True)]
            out = [(row[key], i) for row, i in zip(rows, ids, strict=True)]
            names.append(pk.attname)
    types, converters = _copy_types(model, names)
    cols = ", ".join(q(c) for c in _columns(model, names))
    sql = f"COPY {table} ({cols}) FROM STDIN" + (" (FORMAT BINARY)" if types else "")
    with bulk_cursor() as cursor, cursor.copy(sql) as copy:
        if types:
            copy.set_types(types)
        write = copy.write_row
        if any(converters):
            pairs = list(enumerate(converters))
            for row in rows:
                write([c(v) if c else v for (_i, c), v in zip(pairs, row, strict=True)])
        else:
            for row in rows:
                write(row)
    return out


# Column types whose binary COPY format psycopg dumps from the Python values Django models hold
# (ints, floats, str, bool, date, aware datetime; JSON through a converter); binary saves the
# client formatting dates and times as text. Any other type in a table makes its COPY use the
# text format, which takes whatever Python value psycopg can write.
_BINARY_COPY = {
    "int2",
    "int4",
    "int8",
    "float8",
    "varchar",
    "text",
    "bool",
    "date",
    "timestamptz",
    "jsonb",
}


def _copy_types(model, columns: list[str]) -> tuple[list[str] | None, list]:
    """The PostgreSQL type of each column for a binary COPY (None: use text), and per column None
    or a function making the value COPY takes (JSON is dumped with the field's encoder)."""
    from psycopg.types.json import Jsonb

    fields = {f.attname: f for f in model._meta.concrete_fields}
    registry = connection.connection.adapters.types
    types, dumps = [], []
    for name in columns:
        field = fields[name]
        db_type = field.db_type(connection).split("(")[0].strip()
        info = registry.get(db_type)
        types.append(info.name if info else db_type)
        dumps.append(partial(json.dumps, cls=field.encoder) if db_type == "jsonb" else None)
    binary = all(t in _BINARY_COPY for t in types)
    converters: list[Callable[..., Any] | None] = []
    for d in dumps:
        if d is None:
            converters.append(None)
        elif binary:
            converters.append(lambda v, d=d: None if v is None else Jsonb(v, dumps=d))
        else:
            converters.append(lambda v, d=d: None if v is None else d(v))
    return (types if binary else None), converters


@contextlib.contextmanager
def bulk_cursor():
    """A cursor for the few statements that carry thousands of values in one parameter.

    PostgreSQL: a psycopg cursor that binds on the server, on Django's own connection (so inside
    its transaction), so arrays travel as one parameter each (array_param: ints and dates as the
    array's text, the rest in binary); Django's cursors bind on the client and quote every array
    element in Python. It bypasses Django's query logging (and
    assertNumQueries). Elsewhere: Django's cursor.
    """
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    import psycopg

    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        yield cursor


_INT_TYPES = frozenset({"smallint", "integer", "int", "bigint"})


def array_param(values, db_type: str) -> tuple[str, Any]:
    """The placeholder and the value that bind `values` as one PostgreSQL array of `db_type`
    ("bigint", "date", …) on a bulk_cursor: ints and dates as the array's text, which Python
    writes with str.join and PostgreSQL reads in C (100,000 ids: 16 ms, where psycopg's binary
    dump, element by element, took 40), numbers with decimals as text too (psycopg quotes them
    quicker than it dumps them), anything else in binary (psycopg dumps text, times and booleans
    in C)."""
    values = values if isinstance(values, list) else list(values)
    if db_type in _INT_TYPES:
        if None in values:
            text = ",".join("NULL" if v is None else str(int(v)) for v in values)
        else:
            text = ",".join(map(str, map(int, values)))
        return f"%s::{db_type}[]", "{" + text + "}"
    if db_type == "date":
        seen: dict[Any, str] = {}

        def iso(v: Any) -> str:
            if v is None:
                return "NULL"
            if v not in seen:
                seen[v] = v.isoformat() if hasattr(v, "isoformat") else str(v)
            return seen[v]

        return f"%s::{db_type}[]", "{" + ",".join(map(iso, values)) + "}"
    if db_type.startswith("numeric"):
        return f"%s::{db_type}[]", values
    return f"%b::{db_type}[]", values


def _unnest(model, columns: list[str]):
    """`SELECT … FROM unnest(%s::type[], …)` for these columns, and a function giving the
    statement's parameters (an array per column, array_param's) for a list of rows (JSON travels
    as text and is cast back)."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    selects: list[str] = []
    types: list[str] = []
    converters: list[Callable[..., Any] | None] = []
    for i, name in enumerate(columns):
        field = fields[name]
        db_type = field.db_type(connection)
        if db_type == "jsonb":
            types.append("text")
            selects.append(f"c{i}::jsonb AS c{i}")
            converters.append(
                lambda v, f=field: None if v is None else json.dumps(v, cls=f.encoder)
            )
        else:
            types.append(db_type)
            selects.append(f"c{i}")
            converters.append(None)
    # The placeholders depend on the type only: asked of array_param with no values.
    casts = [array_param([], t)[0] for t in types]
    names = ", ".join(f"c{i}" for i in range(len(columns)))
    select = f"SELECT {', '.join(selects)} FROM unnest({', '.join(casts)}) AS u({names})"  # noqa: S608
    pairs = list(enumerate(converters))

    def params(rows: list[tuple]) -> list[Any]:
        if any(converters):
            rows = [
                tuple(c(v) if c else v for (_i, c), v in zip(pairs, row, strict=True))
                for row in rows
            ]
        return [
            array_param(list(column), t)[1]
            for column, t in zip(zip(*rows, strict=True), types, strict=True)
        ]

    return select, params


def rows_where_in(model, columns: list[str], column: str, values) -> list[tuple]:
    """(values of `columns`) of the rows whose `column` (attnames) is one of `values`, as the
    database returns them (no field conversions: for ints, text and booleans).

    PostgreSQL: one `= ANY(%s)` array per statement, bound on the server; an IN list of thousands
    of bind parameters costs more to build and quote in Python than the query takes. Elsewhere: the
    plain IN lists, in batches the database accepts.
    """
    values = list(values)
    if not values:
        return []
    q = connection.ops.quote_name
    cols = ", ".join(q(c) for c in _columns(model, columns))
    (where,) = _columns(model, [column])
    if connection.vendor != "postgresql":
        # Plain IN lists: the ORM prepares each of thousands of values one by one.
        out = []
        size = _batch_rows(1)
        with connection.cursor() as cursor:
            for start in range(0, len(values), size):
                chunk = values[start : start + size]
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(
                    f"SELECT {cols} FROM {q(model._meta.db_table)} WHERE {q(where)} IN ({marks})",  # noqa: S608
                    chunk,
                )
                out.extend(cursor.fetchall())
        return out
    db_type = {f.attname: f for f in model._meta.concrete_fields}[column].db_type(connection)
    mark = array_param([], db_type)[0]
    sql = f"SELECT {cols} FROM {q(model._meta.db_table)} WHERE {q(where)} = ANY({mark})"  # noqa: S608
    out = []
    with bulk_cursor() as cursor:
        for start in range(0, len(values), 20000):
            # Never prepared: a plan made generic for any array would be chosen without the
            # size of this one, on a table this transaction may have just filled.
            chunk = array_param(values[start : start + 20000], db_type)[1]
            cursor.execute(sql, [chunk], prepare=False)
            out.extend(cursor.fetchall())
    return out


def update_rows(model, columns: list[str], rows) -> None:
    """UPDATE by primary key from plain tuples: each row is (*values of `columns`, pk)."""
    _update_rows(model, columns, rows)
    rows_written.send(sender=model)


def _update_rows(model, columns: list[str], rows) -> None:
    rows = list(rows)
    if not rows:
        return
    q = connection.ops.quote_name
    sets = ", ".join(f"{q(c)} = %s" for c in _columns(model, columns))
    sql = f"UPDATE {q(model._meta.db_table)} SET {sets} WHERE {q(model._meta.pk.column)} = %s"  # noqa: S608
    names = [*columns, model._meta.pk.attname]
    if connection.vendor == "postgresql":
        # One statement per batch, from arrays, rather than a round trip per row.
        select, arrays = _unnest(model, names)
        pk = len(columns)
        sets = ", ".join(f"{q(c)} = u.c{i}" for i, c in enumerate(_columns(model, columns)))
        sql = (
            f"UPDATE {q(model._meta.db_table)} SET {sets} FROM ({select}) AS u "  # noqa: S608
            f"WHERE {q(model._meta.db_table)}.{q(model._meta.pk.column)} = u.c{pk}"
        )
        with bulk_cursor() as cursor:
            for start in range(0, len(rows), 20000):
                cursor.execute(sql, arrays(rows[start : start + 20000]))
        return
    rows = _prepared(model, names, rows)
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def upsert_rows(model, columns: list[str], rows, *, conflict: list[str]) -> None:
    """INSERT plain tuples (values of `columns`, attnames, as insert_rows takes them), each row
    already held under the unique `conflict` columns updated in place (INSERT … ON CONFLICT DO
    UPDATE, the other columns set from the new row).

    PostgreSQL: from arrays bound on the server, 20,000 rows a statement (no value quoted in
    Python); SQLite: the driver's own cursor and placeholders, as insert_rows does."""
    _upsert_rows(model, columns, rows, conflict=conflict)
    rows_written.send(sender=model)


def _upsert_rows(model, columns: list[str], rows, *, conflict: list[str]) -> None:
    rows = list(rows)
    if not rows:
        return
    q = connection.ops.quote_name
    table = q(model._meta.db_table)
    names = _columns(model, columns)
    keys = set(_columns(model, conflict))
    cols = ", ".join(q(c) for c in names)
    tail = (
        f" ON CONFLICT ({', '.join(q(c) for c in _columns(model, conflict))}) DO UPDATE SET "
        + ", ".join(f"{q(c)} = excluded.{q(c)}" for c in names if c not in keys)
    )
    if connection.vendor == "postgresql":
        select, arrays = _unnest(model, list(columns))
        sql = f"INSERT INTO {table} ({cols}) {select}{tail}"
        with bulk_cursor() as cursor:
            for start in range(0, len(rows), 20000):
                cursor.execute(sql, arrays(rows[start : start + 20000]))
        return
    size = _batch_rows(len(columns))
    if connection.vendor != "sqlite":  # pragma: no cover - the two databases Liaison runs on
        with connection.cursor() as cursor:
            one = "(" + ", ".join(["%s"] * len(columns)) + ")"
            for start in range(0, len(rows), size):
                chunk = _prepared(model, columns, rows[start : start + size])
                values = ", ".join([one] * len(chunk))
                cursor.execute(
                    f"INSERT INTO {table} ({cols}) VALUES {values}{tail}",  # noqa: S608
                    [v for row in chunk for v in row],
                )
        return
    connection.ensure_connection()
    raw = connection.connection.cursor()
    one = "(" + ", ".join(["?"] * len(columns)) + ")"
    try:
        for start in range(0, len(rows), size):
            chunk = _prepared(model, columns, rows[start : start + size])
            sqlite3.Cursor.execute(  # not Django's wrapper, which rewrites every placeholder
                raw,
                f"INSERT INTO {table} ({cols}) VALUES {', '.join([one] * len(chunk))}{tail}",  # noqa: S608 - names from the model, values bound
                [v for row in chunk for v in row],
            )
    finally:
        raw.close()


def delete_rows(model, column: str, values, *, households: Iterable[int] | None = None) -> None:
    """DELETE the rows whose `column` is in `values`, in batches the database accepts; the kept
    parts that read them are told (rows_written), of these `households` (None: of any)."""
    values = list(values)
    if not values:
        return
    q = connection.ops.quote_name
    (column,) = _columns(model, [column])
    size = _batch_rows(1)
    with connection.cursor() as cursor:
        for start in range(0, len(values), size):
            chunk = values[start : start + size]
            cursor.execute(
                f"DELETE FROM {q(model._meta.db_table)} WHERE {q(column)} IN "  # noqa: S608
                f"({', '.join(['%s'] * len(chunk))})",
                chunk,
            )
    rows_written.send(sender=model, households=None if households is None else set(households))


class Compiled:
    """A query run on every request, compiled to SQL once per database instead of on every call.

    `build(*values)` returns the QuerySet; it is built once with stand-in integers no row has
    (negative, far out of any id's range), and each call binds the real values where the stand-ins
    were bound. Django's compiler is the costly part of a small query (the signed-in person with
    their memberships: 1.7 ms to compile, 0.2 to run on SQLite). A stand-in that does not come out
    as a bound parameter (a value the compiler inlined) makes the query compile on every call as
    before; nothing else changes."""

    _STAND_IN = -7_300_000_000_000_000

    def __init__(self, build: Callable[..., Any]) -> None:
        self.build = build
        self.arity = len(inspect.signature(build).parameters)
        self.model: Any = None
        self._plans: dict[str, tuple[str, list[Any], list[int | None]] | None] = {}

    def _plan(self, alias: str) -> tuple[str, list[Any], list[int | None]] | None:
        if alias not in self._plans:
            marks = [self._STAND_IN - i for i in range(self.arity)]
            queryset = self.build(*marks)
            self.model = queryset.model
            sql, params = queryset.query.get_compiler(using=alias).as_sql()
            where: list[int | None] = [
                marks.index(p) if type(p) is int and p in marks else None for p in params
            ]
            bound = {i for i in where if i is not None}
            self._plans[alias] = (
                (sql, list(params), where) if bound == set(range(self.arity)) else None
            )
        return self._plans[alias]

    def _bind(self, alias: str, values: tuple[Any, ...]) -> tuple[str, list[Any]] | None:
        plan = self._plan(alias)
        if plan is None:
            return None
        sql, params, where = plan
        return sql, [p if i is None else values[i] for p, i in zip(params, where, strict=True)]

    def instances(self, *values: Any, using: str = "default") -> list[Any]:
        """The model instances the QuerySet would give (its annotations set on each)."""
        bound = self._bind(using, values)
        if bound is None:
            return list(self.build(*values).using(using))
        return list(self.model._default_manager.raw(bound[0], bound[1], using=using))

    def rows(self, *values: Any, using: str = "default") -> list[tuple[Any, ...]]:
        """The rows of a values_list() QuerySet, as tuples, as the database gives them (no field's
        conversion from the database: for text and integer columns)."""
        bound = self._bind(using, values)
        if bound is None:
            return [tuple(r) for r in self.build(*values).using(using)]
        with connections[using].cursor() as cursor:
            cursor.execute(*bound)
            return [tuple(r) for r in cursor.fetchall()]
