"""The cost of the access log: one insert per request that views a family record, written before
the response leaves (target p95 < 2 ms); on PostgreSQL, the same write and the leaders'
break-the-glass page with a year of a large district's log (50 million rows at scale 1, monthly
partitions; target write p95 < 0.5 ms)."""

import datetime as dt
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
    this_month = partitions.month_start(dt.datetime.now(dt.UTC).date())
    months = [partitions.add_months(this_month, -n) for n in range(11, -1, -1)]
    partitions.make_months(table, months)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
        (before_id,) = cursor.fetchone()
    fill_start, fill_cpu = time.perf_counter(), time.process_time()
    # One statement a month, the rows spread evenly over the year up to now; one in a thousand is
    # a break-the-glass opening of a demo family (the page has something to show).
    year_start = dt.datetime(months[0].year, months[0].month, 1, tzinfo=dt.UTC)
    span = (dt.datetime.now(dt.UTC) - year_start).total_seconds()
    per_chunk = -(-rows // 12)
    hh = "{" + ",".join(str(h) for h in households) + "}"
    with connection.cursor() as cursor:
        for chunk in range(12):
            lo = chunk * per_chunk
            hi = min(rows, lo + per_chunk)
            if lo >= hi:
                break
            cursor.execute(
                f"""INSERT INTO {table} (at, username, kind, object_id, household_id, action, path,
                    ip, user_agent, reason, user_id)
                SELECT %s::timestamptz + make_interval(secs => g * %s),
                       %s, 'household', h, h,
                       CASE WHEN g %% 1000 = 0 THEN 'break_glass' ELSE 'view' END,
                       '/people/households/' || h || '/', '10.0.0.1', 'Mozilla/5.0 (bench)',
                       CASE WHEN g %% 1000 = 0 THEN 'Covering for a colleague' ELSE '' END, NULL
                FROM generate_series(%s::bigint, %s::bigint) g,
                     LATERAL (SELECT (%s::bigint[])[1 + (g * 7919) %% %s] AS h) pick""",
                [year_start, span / rows, FILL_USERNAME, lo, hi - 1, hh, len(households)],
            )
        cursor.execute(f"ANALYZE {table}")
    fill_wall, fill_cpu = time.perf_counter() - fill_start, time.process_time() - fill_cpu
    try:
        yield Result(
            name=f"access log filled with {rows:,} rows over 12 months (INSERT … SELECT)",
            value=fill_wall,
            unit="s",
            target="(context)",
            notes=f"load average {os.getloadavg()[0]:.1f} at the end",
        )
        cpu = []

        def timed_cycle():
            start = time.process_time()
            request_cycle()
            cpu.append((time.process_time() - start) * 1000)

        cycle = time_calls(timed_cycle, repeat=2000, warmup=50)
        yield within(
            f"access log at {rows:,} rows, per request: record_access() and the INSERT",
            cycle,
            p=95,
            limit_ms=0.5,
            notes=(
                f"p50 {percentile(cycle, 50):.2f} ms wall; CPU p50 {percentile(cpu, 50):.2f} / "
                f"p95 {percentile(cpu, 95):.2f} ms (this process); "
                f"load average {os.getloadavg()[0]:.1f}"
            ),
        )

        client = Client()
        client.force_login(User.objects.get(username="leader"))
        url = "/audit/break-glass/"
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, response.status_code
        page_times = time_calls(lambda: client.get(url), repeat=50, warmup=3)
        # The partitions the page's queries read: pruning leaves the months of its period.
        read, explained = set(), 0
        with connection.cursor() as cursor:
            for query in captured.captured_queries:
                if table not in query["sql"]:
                    continue
                cursor.execute("EXPLAIN " + query["sql"])
                plan = "\n".join(row[0] for row in cursor.fetchall())
                read |= set(re.findall(rf"\bon ({table}_(?:p\d{{4}}_\d{{2}}|default))\b", plan))
                explained += 1
        yield Result(
            name=f"break-the-glass page (leader, last 3 months) at {rows:,} rows, median",
            value=percentile(page_times, 50),
            unit="ms",
            target="(context)",
            notes=(
                f"p95 {percentile(page_times, 95):.1f} ms; its {explained} access-log queries "
                f"read {len(read)} of {len(partitions.partitions(table))} partitions"
            ),
        )
    finally:
        _remove_fill(table, before_id)


def _remove_fill(table, before_id):
    """Months that held nothing but the fill are emptied whole (TRUNCATE, at once); elsewhere
    the fill's own rows are deleted."""
    from django.db import connection

    from liaison.core import partitions

    with connection.cursor() as cursor:
        for part in partitions.partitions(table):
            cursor.execute(
                f"SELECT EXISTS (SELECT 1 FROM {part.name} WHERE id <= %s) "
                f"OR EXISTS (SELECT 1 FROM {part.name} WHERE username <> %s)",
                [before_id, FILL_USERNAME],
            )
            if cursor.fetchone()[0]:
                cursor.execute(
                    f"DELETE FROM {part.name} WHERE id > %s AND username = %s",
                    [before_id, FILL_USERNAME],
                )
            else:
                cursor.execute(f"TRUNCATE {part.name}")
        if connection.get_autocommit():  # VACUUM cannot run inside a transaction
            cursor.execute(f"VACUUM ANALYZE {table}")
