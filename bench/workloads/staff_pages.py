"""The busy staff pages on the demo district as the liaison: median render and queries, each page.

Issue #22 asks 15 ms and 15 queries of each. The household page, the caseload and search are kept
for their reader (core/kept.py) while nothing in the district changed: their target is on the
kept page, and the same page just after a change (drawn afresh) is given beside it, as Today's
(worklist_today). The other pages are figures for context until they have a target.
"""

import time

from bench.harness import Result, demo_district, percentile, time_calls

# The pages kept for their reader, whose median is held to the target.
KEPT = {"household", "caseload", "search"}
TARGET_MS = 15


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
        cpu = time.process_time()
        samples = time_calls(lambda url=url: client.get(url), repeat=60)
        cpu_ms = (time.process_time() - cpu) * 1000 / 63  # with time_calls' 3 warm-up calls
        median = percentile(samples, 50)
        kept = name in KEPT
        yield Result(
            name=f"{name} page (liaison), median render",
            value=median,
            unit="ms",
            target=f"p50 < {TARGET_MS} ms" if kept else "",
            ok=median < TARGET_MS if kept else None,
            notes=f"{queries} queries; p95 {percentile(samples, 95):.1f} ms; "
            f"CPU {cpu_ms:.1f} ms a render" + ("; kept for the liaison" if kept else ""),
        )
        if kept:
            yield _after_a_change(client, name, url)


def _after_a_change(client, name: str, url: str) -> Result:
    """The page just after something in the district changed: drawn afresh from every source."""
    from liaison.core import kept

    def fresh():
        kept.changed()
        client.get(url)

    kept.changed()
    queries = _queries(client, url)
    cpu = time.process_time()
    samples = time_calls(fresh, repeat=40)
    cpu_ms = (time.process_time() - cpu) * 1000 / 43
    return Result(
        name=f"{name} page (liaison), median render just after a change",
        value=percentile(samples, 50),
        unit="ms",
        notes=f"drawn afresh ({queries} queries); p95 {percentile(samples, 95):.1f} ms; "
        f"CPU {cpu_ms:.1f} ms a render",
    )
