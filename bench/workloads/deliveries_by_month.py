"""Should deliveries be partitioned by month (issue #22.5)? A year of deliveries (5 million rows at
scale 1) as today's plain table and as a copy partitioned by its message's month, and the drain's
and the status callback's statements timed on both (PostgreSQL only: SQLite has no partitions).

Both tables are scratch copies of messaging_delivery made here, with its columns and its indexes
(the partitioned copy carries `message_at`, the message's time, in its primary and unique keys as
PostgreSQL requires), and dropped at the end. Each statement is timed on the server with EXPLAIN
ANALYZE (planning and execution, rolled back), 200 times on random rows, beside the wall time of
the same statement run from here."""

import datetime as dt
import os
import random
import time

from bench.harness import Result, percentile

# A year of a district sending a weekly announcement to 5,000 guardians, and more: 1,000 messages
# of 5,000 deliveries.
YEAR_ROWS = 5_000_000
PER_MESSAGE = 5_000
PLAIN, BY_MONTH = "bench_delivery_plain", "bench_delivery_by_month"
REPEAT = 200


def run(ctx):
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    rows = ctx.n(YEAR_ROWS)
    try:
        made = _make_tables(rows)
        yield Result(
            name=f"a year of deliveries ({rows:,} rows) written twice: plain, by month",
            value=made["plain"] + made["by_month"],
            unit="s",
            target="(context)",
            notes=(
                f"plain {made['plain']:.0f} s, by month {made['by_month']:.0f} s "
                f"(rows, then indexes); load average {os.getloadavg()[0]:.1f}"
            ),
        )
        yield from _compare(rows)
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {PLAIN}, {BY_MONTH}")


def _fill_sql(table: str, rows: int) -> str:
    """Rows spread evenly over the last 12 months; a message's deliveries share its time. The last
    message's are queued (the drain has them to claim), every other one delivered with a
    provider id (what a status callback looks up)."""
    return f"""
        INSERT INTO {table} (id, message_id, guardian_id, household_id, channel, address,
            language, state, next_attempt_at, attempts, lease_owner, provider_id, error,
            failure, needs_follow_up, urgent, created_at, sent_at, updated_at, message_at)
        SELECT g + 1, g / {PER_MESSAGE} + 1, mod(g, {PER_MESSAGE}) + 1, (mod(g, {PER_MESSAGE})) / 2 + 1,
            'sms', '+1555' || lpad((mod(g, {PER_MESSAGE}))::text, 7, '0'), 'es',
            CASE WHEN g / {PER_MESSAGE} = (%(rows)s - 1) / {PER_MESSAGE}
                 THEN 'queued' ELSE 'delivered' END,
            t, 1, '',
            CASE WHEN g / {PER_MESSAGE} = (%(rows)s - 1) / {PER_MESSAGE}
                 THEN '' ELSE 'SM' || md5(g::text) END,
            '', '', false, false, t, t, t, t
        FROM generate_series(0, %(rows)s - 1) g,
             LATERAL (SELECT %(start)s::timestamptz + make_interval(
                 secs => (g / {PER_MESSAGE}) * %(step)s) AS t) at_"""


def _make_tables(rows: int) -> dict[str, float]:
    from django.db import connection

    from liaison.core import partitions
    from liaison.messaging.models import Delivery

    source = Delivery._meta.db_table
    now = dt.datetime.now(dt.UTC)
    this_month = partitions.month_start(now.date())
    first = partitions.add_months(this_month, -11)
    start = dt.datetime(first.year, first.month, 1, tzinfo=dt.UTC)
    messages = -(-rows // PER_MESSAGE)
    # The last message is sent a minute ago: its deliveries are due now.
    step = ((now - start).total_seconds() - 60) / max(1, messages - 1)
    params = {"rows": rows, "start": start, "step": step}
    seconds = {}
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname <> %s",
            [source, f"{source}_pkey"],
        )
        indexes = cursor.fetchall()
        cursor.execute(f"DROP TABLE IF EXISTS {PLAIN}, {BY_MONTH}")

        began = time.perf_counter()
        cursor.execute(
            f"CREATE TABLE {PLAIN} (LIKE {source} INCLUDING DEFAULTS, message_at timestamptz)"
        )
        cursor.execute(_fill_sql(PLAIN, rows), params)
        cursor.execute(f"ALTER TABLE {PLAIN} ADD PRIMARY KEY (id)")
        for name, definition in indexes:
            cursor.execute(_index_on(definition, name, source, PLAIN))
        cursor.execute(f"ANALYZE {PLAIN}")
        seconds["plain"] = time.perf_counter() - began

        began = time.perf_counter()
        cursor.execute(
            f"CREATE TABLE {BY_MONTH} (LIKE {source} INCLUDING DEFAULTS, "
            f"message_at timestamptz NOT NULL) PARTITION BY RANGE (message_at)"
        )
        for n in range(12):
            month = partitions.add_months(first, n)
            cursor.execute(
                f"CREATE TABLE {BY_MONTH}_p{month:%Y_%m} PARTITION OF {BY_MONTH} "
                "FOR VALUES FROM (%s) TO (%s)",
                [month, partitions.add_months(month, 1)],
            )
        cursor.execute(f"CREATE TABLE {BY_MONTH}_default PARTITION OF {BY_MONTH} DEFAULT")
        cursor.execute(_fill_sql(BY_MONTH, rows), params)
        # The keys hold the partition column, as PostgreSQL requires: a message's deliveries share
        # its month, so (message, guardian, channel, message_at) is unique exactly when
        # (message, guardian, channel) is.
        cursor.execute(f"ALTER TABLE {BY_MONTH} ADD PRIMARY KEY (id, message_at)")
        for name, definition in indexes:
            definition = _index_on(definition, name, source, BY_MONTH)
            if "UNIQUE" in definition:
                definition = definition.replace("channel)", "channel, message_at)")
            cursor.execute(definition)
        cursor.execute(f"ANALYZE {BY_MONTH}")
        seconds["by_month"] = time.perf_counter() - began
        cursor.execute("RESET maintenance_work_mem")
    return seconds


def _index_on(definition: str, name: str, source: str, table: str) -> str:
    return definition.replace(
        f"INDEX {name} ON public.{source}", f"INDEX {table}_{name} ON {table}"
    )


def _compare(rows: int):
    """The same statements on both tables, each timed on the server and from here."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT provider_id, id, message_at FROM {PLAIN} WHERE provider_id <> ''")
        sent = random.Random(7).sample(cursor.fetchall(), REPEAT)
        cursor.execute(f"SELECT id, message_at FROM {PLAIN} WHERE state = 'queued'")
        queued = cursor.fetchall()
    # A status callback mostly answers a delivery sent in the last minutes: the newest ones.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT provider_id, id, message_at FROM {PLAIN} WHERE provider_id <> '' "
            "ORDER BY id DESC LIMIT %s",
            [REPEAT],
        )
        recent = cursor.fetchall()
    now = dt.datetime.now(dt.UTC)
    claim = """
        UPDATE {t} AS d SET state = 'leased', lease_owner = 'bench', lease_until = %s,
            updated_at = %s
        WHERE d.id IN (SELECT id FROM (
            SELECT id FROM (SELECT id FROM {t} WHERE state = 'leased' AND lease_until < %s
                ORDER BY lease_until LIMIT 100 FOR UPDATE SKIP LOCKED) AS expired
            UNION ALL
            SELECT id FROM (SELECT id FROM {t} WHERE state = 'queued' AND next_attempt_at <= %s
                ORDER BY next_attempt_at LIMIT 100 FOR UPDATE SKIP LOCKED) AS due
        ) AS claimable LIMIT 100)
        RETURNING d.id"""
    fan_out = f"""
        INSERT INTO {{t}} (id, message_id, guardian_id, household_id, channel, address, language,
            state, next_attempt_at, attempts, lease_owner, provider_id, error, failure,
            needs_follow_up, urgent, created_at, updated_at, message_at)
        SELECT 100000000 + %s * {PER_MESSAGE} + g, 1000000 + %s, g + 1, g / 2 + 1, 'sms',
            '+1555' || lpad(g::text, 7, '0'), 'es', 'queued', now(), 0, '', '', '', '', false,
            false, now(), now(), now()
        FROM generate_series(0, {PER_MESSAGE - 1}) g"""
    cases = [
        (
            f"an announcement's {PER_MESSAGE:,} deliveries written (INSERT … SELECT)",
            lambda t, i: (fan_out.format(t=t), [i, i]),
            lambda t, i: (fan_out.format(t=t), [i, i]),
        ),
        (
            "the drain's claim of 100 due deliveries",
            lambda t, i: (claim.format(t=t), [now + dt.timedelta(minutes=5), now, now, now]),
            lambda t, i: (claim.format(t=t), [now + dt.timedelta(minutes=5), now, now, now]),
        ),
        (
            "a hand-over recorded (UPDATE by id)",
            lambda t, i: (
                f"UPDATE {t} SET state = 'sent', provider_id = 'SMx', updated_at = now() "
                "WHERE id = %s",
                [queued[i % len(queued)][0]],
            ),
            # Partitioned, the row is found by id and its month (the claim returns both).
            lambda t, i: (
                f"UPDATE {t} SET state = 'sent', provider_id = 'SMx', updated_at = now() "
                "WHERE id = %s AND message_at = %s",
                list(queued[i % len(queued)]),
            ),
        ),
        (
            "a status callback's lookup by provider id (recent delivery)",
            lambda t, i: (f"SELECT * FROM {t} WHERE provider_id = %s LIMIT 1", [recent[i][0]]),
            lambda t, i: (f"SELECT * FROM {t} WHERE provider_id = %s LIMIT 1", [recent[i][0]]),
        ),
        (
            "a status callback's lookup by provider id (any delivery of the year)",
            lambda t, i: (f"SELECT * FROM {t} WHERE provider_id = %s LIMIT 1", [sent[i][0]]),
            lambda t, i: (f"SELECT * FROM {t} WHERE provider_id = %s LIMIT 1", [sent[i][0]]),
        ),
        (
            "the row read again by id (refresh_from_db, Django's save)",
            lambda t, i: (f"SELECT * FROM {t} WHERE id = %s", [sent[i][1]]),
            lambda t, i: (f"SELECT * FROM {t} WHERE id = %s", [sent[i][1]]),
        ),
    ]
    for label, plain_case, month_case in cases:
        # An announcement's rows are many: fewer of those (each rolled back) are enough.
        repeat = 20 if label.startswith("an announcement") else REPEAT
        figures = {}
        for table, case in ((PLAIN, plain_case), (BY_MONTH, month_case)):
            server, wall = [], []
            for i in range(repeat):
                sql, params = case(table, i)
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
                    plan = cursor.fetchone()[0][0]
                    server.append(plan["Planning Time"] + plan["Execution Time"])
                    transaction.set_rollback(True)
                with transaction.atomic(), connection.cursor() as cursor:
                    began = time.perf_counter()
                    cursor.execute(sql, params)
                    wall.append((time.perf_counter() - began) * 1000)
                    transaction.set_rollback(True)
            figures[table] = (percentile(server, 50), percentile(server, 95), percentile(wall, 50))
        (ps50, ps95, pw50), (ms50, ms95, mw50) = figures[PLAIN], figures[BY_MONTH]
        yield Result(
            name=f"{label}: by month / plain, server time p50",
            value=ms50 / ps50 if ps50 else None,
            unit="×",
            target="(context)",
            notes=(
                f"plain {ps50:.3f} ms p50 / {ps95:.3f} p95 on the server, {pw50:.3f} ms wall; "
                f"by month {ms50:.3f} / {ms95:.3f}, {mw50:.3f} ms wall ({rows:,} rows, 13 "
                f"partitions); load average {os.getloadavg()[0]:.1f}"
            ),
        )
