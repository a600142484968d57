"""Today, the liaison's home page, on the demo district: median render and a fixed query count."""

from bench.harness import Result, demo_district, percentile, time_calls


def _queries(client, district_id) -> tuple[int, int]:
    """The queries of Today built afresh (as just after a change), and the rows it shows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from liaison.core import today_writes

    today_writes.changed(district_id)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert response.status_code == 200, response.status_code
    return len(queries.captured_queries), response.content.count(b'class="today-row')


def run(ctx):
    import datetime as dt

    from django.test import Client
    from django.utils import timezone

    from liaison.core import today_writes
    from liaison.people.models import Household, User
    from liaison.worklist import services

    demo_district()
    liaison = User.objects.get(username="liaison")
    liaison_district = liaison.memberships.filter(is_active=True).values_list(
        "district_id", flat=True
    )[0]
    client = Client()
    client.force_login(liaison)
    today = timezone.localdate()
    families = list(Household.objects.in_caseload_of(liaison)[:41])
    first = services.create_task(
        owner=liaison, household=families.pop(), title="Bench follow-up", due_on=today, by=liaison
    )
    client.get("/")
    before, rows_before = _queries(client, liaison_district)
    # Grow the queue: 40 more follow-ups due (some late) on the liaison's families.
    made = [first] + [
        services.create_task(
            owner=liaison,
            household=household,
            title=f"Bench follow-up {i}",
            due_on=today - dt.timedelta(days=i % 3),
            by=liaison,
        )
        for i, household in enumerate(families)
    ]
    after, rows_after = _queries(client, liaison_district)
    samples = time_calls(lambda: client.get("/"), repeat=200)
    median = percentile(samples, 50)

    # The same page just after something it shows changed (a colleague logged a call, a family
    # wrote): the queue is built again from every source.
    def after_a_change():
        today_writes.changed(liaison_district)
        client.get("/")

    cold = time_calls(after_a_change, repeat=100)
    for task in made:
        task.delete()
    yield Result(
        name="Today (liaison), median render",
        value=median,
        unit="ms",
        target="p50 < 15 ms",
        ok=median < 15,
        notes=f"{rows_after} rows in the queue; p95 {percentile(samples, 95):.1f} ms; "
        "the queue kept in the cache as nothing it shows changed between visits",
    )
    cold_median = percentile(cold, 50)
    yield Result(
        name="Today (liaison), median render just after a change",
        value=cold_median,
        unit="ms",
        target="",
        ok=None,
        notes=f"every source asked again ({after} queries); p95 {percentile(cold, 95):.1f} ms",
    )
    yield Result(
        name="Today (liaison), queries",
        value=after,
        unit="queries",
        target="the same with 40 more rows",
        ok=after == before,
        notes=f"{before} queries for {rows_before} rows, {after} for {rows_after}",
    )
