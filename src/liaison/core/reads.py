"""Several small reads of one page in one round trip to the database.

A page made of parts (the household page's panels and timeline feeds, each from its own app) reads
a dozen short lists, each its own query. Inside `together()`, a part asks for its rows with
`later(queryset)` instead of reading them: it gets a lazy list, and the first list of the batch that
is used reads every list asked for so far in one SELECT, each queryset's rows as a JSON array in a
column of its own, which the queryset's own iterable then turns into objects or tuples as if it had
read them itself (its prefetches still run after, as their own queries). Outside `together()` a
lazy list reads its rows alone, when first used, as the queryset would.

Only what is certain to decode the same is batched: a queryset with a column of a type this module
does not know, or one Django compiles to something other than a plain SELECT, is read on its own
(correct, one query more). Each list keeps its own ORDER BY and LIMIT inside its subquery; both
databases aggregate the rows of an ordered subquery in that order.
"""

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import QuerySet
from django.utils.dateparse import parse_date, parse_datetime, parse_time

_batch: ContextVar["_Batch | None"] = ContextVar("liaison_reads_batch", default=None)

# PostgreSQL hands JSON values back as JSON types: these columns are made into what psycopg would
# have returned. SQLite's JSON holds exactly what its driver returns (text, integers, reals).
_PG_DECODE: dict[str, Callable[[Any], Any]] = {
    "DateTimeField": parse_datetime,
    "DateField": parse_date,
    "TimeField": parse_time,
    "DecimalField": Decimal,
    "FloatField": float,
    "UUIDField": UUID,
    "JSONField": json.dumps,  # Django reads jsonb as text and parses it itself
}
_PLAIN = {
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveBigIntegerField",
    "PositiveSmallIntegerField",
    "BooleanField",
    "CharField",
    "TextField",
    "EmailField",
    "SlugField",
    "URLField",
    "FileField",
    "ImageField",
    "ForeignKey",
    "OneToOneField",
}
# PostgreSQL takes at most 100 arguments in a function call: a row's columns go in groups.
_GROUP = 90


def _internal_type(expression: Any) -> str:
    field = expression.output_field
    kind = field.get_internal_type()
    if kind in {"ForeignKey", "OneToOneField"}:
        kind = field.target_field.get_internal_type()
    return str(kind)


class _Read:
    """One queryset of a batch: its compiler (which fixes the order of its columns) and SQL."""

    def __init__(self, queryset: QuerySet[Any, Any]) -> None:
        self.queryset = queryset.all()  # a copy, whose compiler this read patches
        query = self.queryset.query
        self.compiler = query.get_compiler(using=self.queryset.db)
        self.empty = False
        self.sql: str | None = None
        self.params: list[Any] = []
        self.decoders: list[Callable[[Any], Any] | None] = []
        self.grouped = False
        try:
            sql, params = self.compiler.as_sql()
        except EmptyResultSet:
            self.empty = True
            return
        self._prepare(sql, list(params))

    def _prepare(self, sql: str, params: list[Any]) -> None:
        compiler, connection = self.compiler, self.compiler.connection
        query = compiler.query
        if query.combinator or query.distinct_fields or compiler.has_extra_select:
            return
        columns = compiler.select[: compiler.col_count]
        out, row_sql, row_params = [], [], []
        for expression, (s_sql, s_params), alias in columns:
            kind = _internal_type(expression)
            if kind not in _PLAIN and kind not in _PG_DECODE:
                return
            self.decoders.append(
                _PG_DECODE.get(kind) if connection.vendor == "postgresql" else None
            )
            out.append(f"{s_sql} AS {connection.ops.quote_name(alias)}" if alias else s_sql)
            row_sql.append(s_sql)
            row_params.extend(s_params)
        head = "SELECT DISTINCT " if query.distinct else "SELECT "
        prefix = head + ", ".join(out)
        if not sql.startswith(prefix + " FROM "):
            return  # compiled some other way (a wrapped subquery ...): read on its own
        # jsonb on PostgreSQL: a DISTINCT query compares its rows, and json has no equality.
        make = "jsonb_build_array" if connection.vendor == "postgresql" else "json_array"
        if len(row_sql) <= _GROUP:
            row = f"{make}({', '.join(row_sql)})"
        else:  # an array of arrays, flattened when read
            self.grouped = True
            groups = [row_sql[i : i + _GROUP] for i in range(0, len(row_sql), _GROUP)]
            parts = [f"{make}({', '.join(group)})" for group in groups]
            row = f"{make}({', '.join(parts)})"
        # The row goes last: an ORDER BY may name the columns by their position.
        inner = f'{prefix}, {row} AS "liaison_row"{sql[len(prefix) :]}'
        # Django compiled `inner` (values are bound as parameters); nothing here comes from input.
        if connection.vendor == "postgresql":
            aggregate = "COALESCE(jsonb_agg(\"liaison_row\"), '[]'::jsonb)::text"
            self.sql = f'(SELECT {aggregate} FROM ({inner}) AS "liaison_read")'  # noqa: S608
        else:  # the rows' JSON joined as it is (json_group_array would parse each row again)
            joined = "'[' || COALESCE(group_concat(\"liaison_row\", ','), '') || ']'"
            self.sql = f"(SELECT {joined} FROM ({inner}))"  # noqa: S608
        selected = len(row_params)  # the columns' own parameters come first, the same again
        self.params = params[:selected] + row_params + params[selected:]

    def rows(self, text: str) -> list[list[Any]]:
        # Real numbers exactly as written (a decimal column's digits); only the columns that
        # PostgreSQL wrote as JSON types are decoded (_PLAIN columns hold no real numbers).
        parse_float = Decimal if self.compiler.connection.vendor == "postgresql" else None
        rows: list[list[Any]] = json.loads(text, parse_float=parse_float)
        if self.grouped:
            rows = [[value for group in groups for value in group] for groups in rows]
        decoded = [(i, decode) for i, decode in enumerate(self.decoders) if decode is not None]
        if decoded:
            for row in rows:
                for i, decode in decoded:
                    if row[i] is not None:
                        row[i] = decode(row[i])
        return rows

    def fill(self, rows: list[list[Any]]) -> list[Any]:
        """The queryset's result from these rows, through its own iterable (and prefetches)."""
        compiler = self.compiler

        def execute_sql(*args: Any, **kwargs: Any) -> list[list[list[Any]]]:
            return [rows]

        compiler.execute_sql = execute_sql
        self.queryset.query.get_compiler = lambda *a, **k: compiler  # type: ignore[method-assign]
        self.queryset._fetch_all()
        return list(self.queryset._result_cache or [])


class _Batch:
    def __init__(self) -> None:
        self.waiting: list[Later] = []

    def run(self) -> None:
        waiting, self.waiting = self.waiting, []
        batched: list[tuple[Later, _Read]] = []
        for lazy in waiting:
            read = _Read(lazy.source)
            if read.empty:
                lazy.settle([])
            elif read.sql is None or len(waiting) == 1:
                lazy.settle(list(lazy.source))
            else:
                batched.append((lazy, read))
        if len(batched) == 1:
            lazy, _ = batched[0]
            lazy.settle(list(lazy.source))
        elif batched:
            using = batched[0][0].source.db
            sql = "SELECT " + ", ".join(read.sql or "" for _, read in batched)
            params = [p for _, read in batched for p in read.params]
            with connections[using].cursor() as cursor:
                cursor.execute(sql, params)
                texts = cursor.fetchone()
            for (lazy, read), text in zip(batched, texts, strict=True):
                lazy.settle(read.fill(read.rows(text)))


@contextmanager
def together() -> Iterator[None]:
    """Reads asked for with `later()` inside this block go to the database together (a block
    inside another joins it)."""
    if _batch.get() is not None:
        yield
        return
    token = _batch.set(_Batch())
    try:
        yield
    finally:
        _batch.reset(token)


class Later(Sequence[Any]):
    """A queryset's rows (or what `then` makes of them), read when first used."""

    def __init__(
        self,
        queryset: QuerySet[Any, Any] | None,
        *,
        parent: "Later | None" = None,
        then: Callable[[list[Any]], Any] | None = None,
    ) -> None:
        self.queryset = queryset
        self.parent = parent
        self.then_fn = then
        self._rows: list[Any] | None = None
        self.batch: _Batch | None = None
        if queryset is not None:
            self.batch = _batch.get() or _Batch()
            self.batch.waiting.append(self)

    @property
    def source(self) -> QuerySet[Any, Any]:
        assert self.queryset is not None
        return self.queryset

    def settle(self, rows: list[Any]) -> None:
        self._rows = rows

    def then(self, fn: Callable[[list[Any]], Any]) -> "Later":
        """A lazy list of fn(rows), read with this one."""
        return Later(None, parent=self, then=fn)

    @property
    def rows(self) -> list[Any]:
        if self._rows is None:
            if self.parent is not None:
                assert self.then_fn is not None
                self._rows = list(self.then_fn(self.parent.rows))
            else:
                assert self.batch is not None
                self.batch.run()
        assert self._rows is not None
        return self._rows

    def __iter__(self) -> Iterator[Any]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __bool__(self) -> bool:
        return bool(self.rows)

    def __getitem__(self, index: Any) -> Any:
        return self.rows[index]

    def __repr__(self) -> str:
        return f"<Later {'read' if self._rows is not None else 'unread'}>"


def later(queryset: QuerySet[Any, Any], then: Callable[[list[Any]], Any] | None = None) -> Later:
    """The queryset's rows (as list(queryset) gives them), read with the rest of the batch when
    first used; `then`: what the caller makes of them (a list), made once."""
    lazy = Later(queryset)
    return lazy.then(then) if then is not None else lazy


def offer(field: Any, rows: Any) -> None:
    """Show these rows (a list, or a lazy list read when the form is drawn) as a ModelChoiceField's
    choices; its queryset still checks what is sent (the field would read its queryset again to
    list them, a query of its own)."""
    empty = [("", field.empty_label)] if field.empty_label is not None else []
    field.widget.choices = lambda: (
        empty + [(field.prepare_value(row), field.label_from_instance(row)) for row in rows]
    )
