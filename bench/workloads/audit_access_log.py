"""The cost of the access log: one insert per view of a family record (target p95 < 2 ms)."""

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
    # row to it, and the row is written once the response has been sent.
    request._access_log = []
    yield within(
        "access log, per-request overhead before the response",
        time_calls(one, repeat=2000, warmup=20),
        p=95,
        limit_ms=2,
        notes="record_access() with the middleware's buffer",
    )
    from liaison.audit.services import flush_access_log

    def flushed():
        one()
        flush_access_log(request._access_log)

    after = time_calls(flushed, repeat=1000, warmup=20)
    yield Result(
        name="access log, the INSERT after the response (worker time, not the person's)",
        value=percentile(after, 95),
        unit="ms",
        target="(context)",
        notes=f"p50 {percentile(after, 50):.2f} ms; one durable commit each",
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
