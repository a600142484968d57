"""The cost of the access log: one insert per request that views a family record, written before
the response leaves (target p95 < 2 ms); on PostgreSQL, the same write and the leaders'
break-the-glass page with a year of a large district's log (50 million rows at scale 1, monthly
partitions; target write p95 < 0.5 ms)."""

import datetime as dt
import math
import os
import re
import time

from bench.harness import Result, demo_district, percentile, time_calls, within

# A year of a large district's access log (issue #22): 50 million rows at --scale 1.
FULL_YEAR_ROWS = 50_000_000
# Rows the fill writes are marked so that only they are removed at the end.
FILL_USERNAME = "bench-fill"


def run(ctx):
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import Client, RequestFactory

    from liaison.audit.models import AccessLog
    from liaison.audit.services import record_access
    from liaison.people.models import Household, User

    demo_district()
    liaison = User.objects.get(username="liaison")
    households = list(Household.objects.order_by("id").values_list("id", flat=True)[:500])
    request = RequestFactory().get("/people/households/1/", HTTP_USER_AGENT="bench")
    request.user = liaison
    request.session = SessionStore()
    state = {"i": 0}

    def one():
        pk = households[state["i"] % len(households)]
        record_access(request, kind=AccessLog.Kind.HOUSEHOLD, object_id=pk, household_id=pk)
        state["i"] += 1

    # As in a request: AccessLogMiddleware gives the request a buffer, record_access() adds the
    # row to it, and the middleware writes the buffer (one INSERT, durable) before the
    # response leaves. That write is on the person's path: it is the figure with the target.
    from liaison.audit.services import flush_access_log

    def request_cycle():
        request._access_log = []
        one()
        flush_access_log(request._access_log)

    cycle = time_calls(request_cycle, repeat=1000, warmup=20)
    yield within(
        "access log, per request: record_access() and the INSERT before the response",
        cycle,
        p=95,
        limit_ms=2,
        notes=f"p50 {percentile(cycle, 50):.2f} ms; one durable commit per request",
    )

    # For comparison: many requests' rows written together (what a per-process buffer would
    # save, at the price of losing the buffer if the worker dies).
    batch = 20

    def batched():
        request._access_log = []
        for _ in range(batch):
            one()
        flush_access_log(request._access_log)

    per_row = [t / batch for t in time_calls(batched, repeat=100, warmup=5)]
    yield Result(
        name=f"access log, {batch} requests' rows in one INSERT, per row",
        value=percentile(per_row, 95),
        unit="ms",
        target="(context)",
        notes=f"p50 {percentile(per_row, 50):.2f} ms; not used: a killed worker would lose them",
    )
    del request._access_log

    from django.db import connection

    if connection.vendor == "postgresql":
        yield from a_year_of_log(ctx, request_cycle, households)

    # The same view with and without the log, as a whole page: what a person waits for.
    admin = User.objects.get(username="admin")
    client = Client()
    client.force_login(admin)
    pk = households[0]
    url = f"/people/households/{pk}/"

    def page():
        client.get(url)

    with_log = time_calls(page, repeat=300)
    yield Result(
        name="household page with its access-log row (admin)",
        value=percentile(with_log, 95),
        unit="ms",
        target="(context)",
        notes=f"p50 {percentile(with_log, 50):.2f} ms; the log row is part of this",
    )


def a_year_of_log(ctx, request_cycle, households):
    """Fill the log with a year of rows straight in SQL, time the same per-request write and the
    break-the-glass page over it, then remove the rows the fill made."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from liaison.audit.models import AccessLog
    from liaison.core import partitions
    from liaison.people.models import User

    table = AccessLog._meta.db_table
    rows = ctx.n(FULL_YEAR_ROWS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
        (before_id,) = cursor.fetchone()
    fill_start, fill_cpu = time.perf_counter(), time.process_time()
    made, fill = _fill_year(table, rows, households)
    fill_wall, fill_cpu = time.perf_counter() - fill_start, time.process_time() - fill_cpu
    try:
        yield Result(
            name=f"access log filled with {rows:,} rows over 12 months (INSERT … SELECT a month)",
            value=fill_wall,
            unit="s",
            target="(context)",
            notes=(
                f"rows {fill['insert']:.0f} s, indexes and attach {fill['index']:.0f} s, "
                f"ANALYZE {fill['analyze']:.0f} s, VACUUM of the page's months "
                f"{fill['vacuum']:.0f} s (the server's work; this process "
                f"{fill_cpu:.1f} s CPU); load average {os.getloadavg()[0]:.1f} at the end"
            ),
        )
        cpu = []

        def timed_cycle():
            start = time.process_time()
            request_cycle()
            cpu.append((time.process_time() - start) * 1000)

        cycle = time_calls(timed_cycle, repeat=2000, warmup=50)
        server = _server_insert_ms(table)
        floor = _driver_floor_ms(table)
        yield within(
            f"access log at {rows:,} rows, per request: record_access() and the INSERT",
            cycle,
            p=95,
            limit_ms=0.5,
            notes=(
                f"p50 {percentile(cycle, 50):.2f} ms wall; CPU p50 {percentile(cpu, 50):.2f} / "
                f"p95 {percentile(cpu, 95):.2f} ms (this process); the INSERT on the server "
                f"{server}; the INSERT and its commit sent by the driver alone {floor}; "
                f"load average {os.getloadavg()[0]:.1f}"
            ),
        )

        client = Client()
        client.force_login(User.objects.get(username="leader"))
        url = "/audit/break-glass/"
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, response.status_code
        # Read now: captured_queries is a slice of the connection's query log, which later
        # queries would shift.
        queries = [q["sql"] for q in captured.captured_queries if table in q["sql"]]
        page_cpu = []

        def page():
            start = time.process_time()
            client.get(url)
            page_cpu.append((time.process_time() - start) * 1000)

        page_times = time_calls(page, repeat=50, warmup=3)
        # The partitions the page's queries read (pruning leaves the months of its period) and
        # what those queries cost the server.
        read, explained, server_ms = set(), 0, 0.0
        with connection.cursor() as cursor:
            for sql in queries:
                cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
                plan = cursor.fetchone()[0][0]
                server_ms += plan["Planning Time"] + plan["Execution Time"]
                read |= set(re.findall(rf"'Relation Name': '({table}_\w+)'", str(plan)))
                explained += 1
        yield Result(
            name=f"break-the-glass page (leader, last 3 months) at {rows:,} rows, median",
            value=percentile(page_times, 50),
            unit="ms",
            target="(context)",
            notes=(
                f"p95 {percentile(page_times, 95):.1f} ms wall; CPU p50 "
                f"{percentile(page_cpu, 50):.1f} ms (this process); its {explained} access-log "
                f"queries take the server {server_ms:.2f} ms (EXPLAIN ANALYZE, planning included) "
                f"and read {len(read)} of {len(partitions.partitions(table))} partitions; "
                f"load average {os.getloadavg()[0]:.1f}"
            ),
        )
    finally:
        _remove_fill(table, before_id, made)


def _fill_year(table, rows, households):
    """Write `rows` access-log rows spread evenly over the last 12 months, one INSERT … SELECT
    generate_series a month, straight into that month's partition (no routing). A month the
    table does not have yet is filled as a plain table and then attached: PostgreSQL builds its
    indexes (those of production: the parent's) once over the month instead of keeping them up
    row by row. The month that has rows already (this one) is written with its indexes in place.
    One in a thousand rows is a break-the-glass opening of a demo family, spread over the demo's
    first households (g / 1000 in the pick: with g alone every such row was the same family, one
    outside the leader's sites, and the page had nothing to show). Returns the partitions made and the seconds each step took."""
    from django.db import connection

    from liaison.core import partitions

    now = dt.datetime.now(dt.UTC)
    this_month = partitions.month_start(now.date())
    months = [partitions.add_months(this_month, -n) for n in range(11, -1, -1)]
    year_start = dt.datetime(months[0].year, months[0].month, 1, tzinfo=dt.UTC)
    step = (now - year_start).total_seconds() / rows
    have = {p.month for p in partitions.partitions(table)}
    hh = "{" + ",".join(str(h) for h in households) + "}"
    seconds = {"insert": 0.0, "index": 0.0, "analyze": 0.0, "vacuum": 0.0}
    made = []
    with connection.cursor() as cursor:
        # Index builds in this session only may use more memory (sorts in memory, not on disk).
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        (sequence,) = cursor.fetchone()
        cursor.execute("SELECT nextval(%s)", [sequence])
        (first_id,) = cursor.fetchone()
        # Ids first_id … first_id + rows - 1 are the fill's; the sequence carries on after them.
        cursor.execute("SELECT setval(%s, %s)", [sequence, first_id + rows - 1])
        for month in months:
            lo = dt.datetime(month.year, month.month, 1, tzinfo=dt.UTC)
            nxt = partitions.add_months(month, 1)
            hi = dt.datetime(nxt.year, nxt.month, 1, tzinfo=dt.UTC)
            g_lo = max(0, math.ceil((lo - year_start).total_seconds() / step))
            g_hi = min(rows, math.ceil((hi - year_start).total_seconds() / step))
            if g_lo >= g_hi:
                continue
            name = partitions.partition_name(table, month)
            attach = month not in have
            if attach:
                cursor.execute(f"CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS)")
                made.append(name)
            # A year's rows at once would set autovacuum on them during the timings below; old
            # months in production were vacuumed long ago.
            if attach:
                cursor.execute(f"ALTER TABLE {name} SET (autovacuum_enabled = false)")
            start = time.perf_counter()
            cursor.execute(
                f"""INSERT INTO {name} (id, at, username, kind, object_id, household_id, action,
                    path, ip, user_agent, reason, user_id)
                SELECT %s + g, %s::timestamptz + make_interval(secs => g * %s),
                       %s, 'household', h, h,
                       CASE WHEN g %% 1000 = 0 THEN 'break_glass' ELSE 'view' END,
                       '/people/households/' || h || '/', '10.0.0.1', 'Mozilla/5.0 (bench)',
                       CASE WHEN g %% 1000 = 0 THEN 'Covering for a colleague' ELSE '' END, NULL
                FROM generate_series(%s::bigint, %s::bigint) g,
                     LATERAL (SELECT (%s::bigint[])[1 + ((g + g / 1000) * 7919) %% %s] AS h) pick""",
                [first_id, year_start, step, FILL_USERNAME, g_lo, g_hi - 1, hh, len(households)],
            )
            seconds["insert"] += time.perf_counter() - start
            if attach:
                start = time.perf_counter()
                cursor.execute(
                    f"ALTER TABLE {table} ATTACH PARTITION {name} FOR VALUES FROM (%s) TO (%s)",
                    [lo, hi],
                )
                seconds["index"] += time.perf_counter() - start
        start = time.perf_counter()
        cursor.execute(f"ANALYZE {table}")
        seconds["analyze"] = time.perf_counter() - start
        # In production a month is vacuumed by autovacuum soon after it ends; the fill's months
        # were just written (hint bits unset, no visibility map). The months the page below reads
        # (its last 3) are vacuumed as they would be; the older ones it never reads are left.
        start = time.perf_counter()
        for month in months[-4:]:
            cursor.execute(f"VACUUM {partitions.partition_name(table, month)}")
        seconds["vacuum"] = time.perf_counter() - start
        cursor.execute("RESET maintenance_work_mem")
    return made, seconds


def _server_insert_ms(table):
    """What one access-log INSERT costs the server now (EXPLAIN ANALYZE, rolled back): planning
    and execution, the median of 50."""
    from django.db import connection, transaction

    times = []
    with connection.cursor() as cursor:
        for _ in range(50):
            with transaction.atomic():
                cursor.execute(
                    f"""EXPLAIN (ANALYZE, FORMAT JSON) INSERT INTO {table} (at, username, kind,
                        object_id, household_id, action, path, ip, user_agent, reason, user_id)
                    VALUES (now(), 'bench-explain', 'household', 1, 1, 'view',
                        '/people/households/1/', '10.0.0.1', 'bench', '', NULL) RETURNING id"""
                )
                plan = cursor.fetchone()[0][0]
                times.append(plan["Planning Time"] + plan["Execution Time"])
                transaction.set_rollback(True)
    return (
        f"{percentile(times, 50):.3f} ms p50 / {percentile(times, 95):.3f} ms p95 (EXPLAIN ANALYZE)"
    )


def _driver_floor_ms(table):
    """The same one-row INSERT, each a durable commit, sent by the driver alone (psycopg, the
    values bound by the server, no Django): what the round trip and the disk allow whatever the
    application does. Its rows are the fill's (removed with it)."""
    import psycopg
    from django.db import connection

    connection.ensure_connection()
    sql = f"""INSERT INTO {table} (at, username, kind, object_id, household_id, action, path, ip,
        user_agent, reason, user_id) VALUES (now(), %s, 'household', 1, 1, 'view',
        '/people/households/1/', '10.0.0.1', 'bench', '', NULL)"""
    with psycopg.Cursor(connection.connection) as cursor:
        times = time_calls(lambda: cursor.execute(sql, [FILL_USERNAME]), repeat=1000, warmup=50)
    return f"{percentile(times, 50):.2f} ms p50 / {percentile(times, 95):.2f} ms p95"


def _remove_fill(table, before_id, made):
    """The months the fill made are detached and dropped (at once); elsewhere the fill's own rows
    are deleted."""
    from django.db import connection

    from liaison.core import partitions

    with connection.cursor() as cursor:
        for name in made:
            cursor.execute(f"ALTER TABLE {table} DETACH PARTITION {name}")
            cursor.execute(f"DROP TABLE {name}")
        for part in partitions.partitions(table):
            cursor.execute(
                f"DELETE FROM {part.name} WHERE id > %s AND username = %s",
                [before_id, FILL_USERNAME],
            )
        if connection.get_autocommit():  # VACUUM cannot run inside a transaction
            cursor.execute(f"VACUUM ANALYZE {table}")
