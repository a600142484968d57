"""An open thread and the inbox that nothing happens to: database queries per minute of polling,
and how long a poll answered "nothing changed" takes (core/live.py)."""

import re
from html import unescape

from bench.harness import Result, demo_district, time_calls, within

POLLS_A_MINUTE = 20  # every 3 s (LIAISON_LIVE_POLL_SECONDS)


def _poll_url(page: str, element_id: str) -> str:
    tag = re.search(rf'<[a-z]+ id="{element_id}"[^>]*>', page, re.S).group(0)
    return unescape(re.search(r'hx-get="([^"]+)"', tag).group(1))


def run(ctx):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from liaison.messaging.models import Conversation
    from liaison.people.models import Household, User

    demo_district()
    liaison = User.objects.get(username="liaison")
    client = Client()
    client.force_login(liaison)
    household = Household.objects.in_caseload_of(liaison).order_by("pk").first()
    conversation = Conversation.objects.filter(household=household, staff=None).first()
    thread = client.get(f"/messages/threads/{conversation.pk}/").content.decode()
    inbox = client.get("/messages/").content.decode()
    for name, url in [
        ("open thread", _poll_url(thread, "thread")),
        ("inbox", _poll_url(inbox, "inbox-rows")),
    ]:
        with CaptureQueriesContext(connection) as queries:
            for _ in range(POLLS_A_MINUTE):
                assert client.get(url, HTTP_HX_REQUEST="true").status_code == 304
        n = len(queries.captured_queries)
        yield Result(
            name=f"{name}, idle: database queries a minute (polls every 3 s)",
            value=n,
            unit="queries",
            target="0",
            ok=n == 0,
        )
        yield within(
            f"{name}, idle poll answered 304",
            time_calls(lambda url=url: client.get(url, HTTP_HX_REQUEST="true"), repeat=300),
            p=95,
            limit_ms=5,
            notes="the version read from the live cache (files without Redis), no session read",
        )
