"""The busy staff pages on the demo district as the liaison: median render and queries, each page.

Figures for context (no target yet): issue #22 asks 15 ms and 15 queries of each; Today has its
own workload (worklist_today) with the target.
"""

from bench.harness import Result, demo_district, percentile, time_calls


def _queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries.captured_queries)


def run(ctx):
    from django.test import Client
    from django.urls import reverse

    from liaison.messaging.models import Conversation
    from liaison.people.models import Household, User

    demo_district()
    liaison = User.objects.get(username="liaison")
    client = Client()
    client.force_login(liaison)
    families = Household.objects.in_caseload_of(liaison).order_by("pk")
    household = families.first()
    thread = Conversation.objects.filter(household__in=families).order_by("pk").first()
    pages = {
        "household": reverse("people:household", args=[household.pk]),
        "caseload": reverse("people:caseload"),
        "inbox": reverse("messaging:inbox"),
        "thread": reverse("messaging:conversation", args=[thread.pk]),
        "concerns": reverse("concerns:queue"),
        "search": reverse("people:search") + "?q=garcia",
        "events": reverse("events:list"),
        "insights": reverse("insights:dashboard"),
    }
    for name, url in pages.items():
        client.get(url)
        queries = _queries(client, url)
        samples = time_calls(lambda url=url: client.get(url), repeat=60)
        median = percentile(samples, 50)
        yield Result(
            name=f"{name} page (liaison), median render",
            value=median,
            unit="ms",
            notes=f"{queries} queries; p95 {percentile(samples, 95):.1f} ms",
        )
