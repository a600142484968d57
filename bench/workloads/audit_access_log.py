"""The cost of the access log: one insert per request that views a family record, written before
the response leaves (target p95 < 2 ms)."""

from bench.harness import Result, demo_district, percentile, time_calls, within


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
