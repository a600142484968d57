"""Live updates (core/live.py): an open thread or inbox that nothing happens to costs no database
work (its poll is answered 304 before the session is read), a change shows at the next poll or
at once through the stream, and a poll or stream URL is of no use to anyone but the session it
was given to."""

import asyncio
import re
import threading
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from asgiref.sync import sync_to_async
from django.db import connection, connections
from django.test import AsyncClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from liaison.core import live
from liaison.messaging import services
from liaison.messaging.choices import Channel
from liaison.messaging.models import Conversation
from tests.core.conftest import REDIS_URL
from tests.core.test_page_cost import just_seen

pytestmark = pytest.mark.django_db


def _run(scenario):
    """Run the async scenario in a thread of its own: a Playwright test earlier in this worker
    leaves an event loop running in the main thread, where asyncio.run() refuses to start."""
    failure = []

    def target():
        try:
            asyncio.run(scenario())
        except BaseException as error:  # re-raised in the test's thread
            failure.append(error)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


@pytest.fixture(autouse=True)
def live_cache(settings, tmp_path):
    """Versions in files of this test's own (as on one server without Redis)."""
    settings.CACHES = {
        **settings.CACHES,
        "live": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "live"),
            "TIMEOUT": None,
        },
    }
    settings.LIAISON_LIVE_REDIS_URL = ""


@pytest.fixture
def thread(world):
    guardian = world.caseload_family.guardians.order_by("pk").first()
    services.record_family_reply(guardian=guardian, body="Hola, ¿a qué hora?", channel=Channel.SMS)
    return guardian, Conversation.objects.get(household=world.caseload_family, staff=None)


def poll_url(page: str, element_id: str) -> str:
    tag = re.search(rf'<[a-z]+ id="{element_id}"[^>]*>', page, re.S).group(0)
    return unescape(re.search(r'hx-get="([^"]+)"', tag).group(1))


def _trigger(page: str, element_id: str) -> str:
    tag = re.search(rf'<[a-z]+ id="{element_id}"[^>]*>', page, re.S).group(0)
    return re.search(r'hx-trigger="([^"]+)"', tag).group(1)


def _open_thread(client, conversation) -> str:
    page = client.get(reverse("messaging:conversation", args=[conversation.pk])).content.decode()
    just_seen(client)
    return poll_url(page, "thread")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """The test's transaction never commits: run what waits for the commit as it would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_an_open_thread_that_nothing_happens_to_is_answered_without_a_query(
    client, world, thread, committed
):
    guardian, conversation = thread
    client.force_login(world.liaison)
    poll = _open_thread(client, conversation)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(20):  # a minute of polls every 3 s
            quiet = client.get(poll, HTTP_HX_REQUEST="true")
            assert quiet.status_code == 304
            assert quiet.content == b""
    assert len(queries.captured_queries) == 0

    with committed():
        services.record_family_reply(guardian=guardian, body="Ya llegué", channel=Channel.SMS)
    changed = client.get(poll, HTTP_HX_REQUEST="true")
    assert changed.status_code == 200
    assert "Ya llegué" in changed.content.decode()
    # The refreshed part polls with the new version: quiet again.
    again = poll_url(changed.content.decode(), "thread")
    assert again != poll
    assert client.get(again, HTTP_HX_REQUEST="true").status_code == 304


def test_the_thread_polls_every_few_seconds_without_a_stream(client, world, thread, settings):
    settings.LIAISON_LIVE_POLL_SECONDS = 3
    client.force_login(world.liaison)
    page = client.get(reverse("messaging:conversation", args=[thread[1].pk])).content.decode()
    assert _trigger(page, "thread") == "every 3s"
    assert "sse-connect" not in page  # gunicorn (WSGI) cannot hold a stream open


def test_a_reply_sent_from_the_thread_changes_its_version(client, world, thread, committed):
    _guardian, conversation = thread
    client.force_login(world.liaison)
    poll = _open_thread(client, conversation)
    with committed():
        services.send_message(household=world.caseload_family, body="A las cinco", by=world.admin)
    assert client.get(poll, HTTP_HX_REQUEST="true").status_code == 200


def test_a_change_is_announced_once_committed(world, thread, committed):
    guardian, conversation = thread
    topic = f"thread:{conversation.pk}"
    before = live.version([topic])
    with committed():
        services.record_family_reply(guardian=guardian, body="Gracias", channel=Channel.SMS)
        assert live.version([topic]) == before  # a page refreshing now would not see it yet
    assert live.version([topic]) != before


def test_the_poll_url_of_one_session_is_no_use_to_another(client, world, thread):
    """A teacher who is handed the liaison's poll URL gets the door's 404, not a version."""
    _guardian, conversation = thread
    client.force_login(world.liaison)
    poll = _open_thread(client, conversation)
    client.logout()
    client.force_login(world.teacher)
    assert client.get(poll, HTTP_HX_REQUEST="true").status_code == 404
    client.logout()
    signed_out = client.get(poll, HTTP_HX_REQUEST="true")
    assert signed_out.status_code == 302 and "/sign-in/" in signed_out["Location"]


def test_a_made_up_token_goes_to_the_view(client, world, thread):
    _guardian, conversation = thread
    client.force_login(world.liaison)
    poll = reverse("messaging:conversation_messages", args=[conversation.pk])
    version = live.version([f"thread:{conversation.pk}"])
    response = client.get(f"{poll}?live=not-a-token&lv={version}", HTTP_HX_REQUEST="true")
    assert response.status_code == 200


def test_the_inbox_that_nothing_happens_to_is_answered_without_a_query(
    client, world, thread, committed
):
    _guardian, _conversation = thread
    client.force_login(world.liaison)
    page = client.get(reverse("messaging:inbox")).content.decode()
    just_seen(client)
    poll = poll_url(page, "inbox-rows")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(poll, HTTP_HX_REQUEST="true").status_code == 304
    assert len(queries.captured_queries) == 0
    other = world.site_family.guardians.order_by("pk").first()
    with committed():
        services.record_family_reply(guardian=other, body="Buenos días", channel=Channel.SMS)
    changed = client.get(poll, HTTP_HX_REQUEST="true")
    assert changed.status_code == 200 and world.site_family.name in changed.content.decode()


# --- the stream (ASGI, Redis) --------------------------------------------------------------------


@pytest.fixture
def live_redis(settings, redis_db):
    settings.LIAISON_LIVE_REDIS_URL = REDIS_URL
    settings.CACHES = {
        **settings.CACHES,
        "live": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "TIMEOUT": None,
        },
    }
    return redis_db


async def close_connections():
    """The views ran in asgiref's thread: its database connection is closed there (PostgreSQL
    would not drop the test database while it is open)."""
    await sync_to_async(connections.close_all)()


async def _next_event(chunks, timeout=5.0) -> str:
    while True:
        chunk = await asyncio.wait_for(anext(chunks), timeout)
        text = chunk.decode() if isinstance(chunk, bytes) else chunk
        if text.startswith("event:"):
            return text


@pytest.mark.django_db(transaction=True)
def test_the_stream_tells_an_open_thread_of_a_reply_at_once(world, live_redis):
    guardian = world.caseload_family.guardians.order_by("pk").first()
    conversation = services.conversation_for(world.caseload_family)
    topic = f"thread:{conversation.pk}"

    async def scenario():
        client = AsyncClient()
        await client.aforce_login(world.liaison)
        page = await client.get(reverse("messaging:conversation", args=[conversation.pk]))
        html = page.content.decode()
        assert f"sse:thread-{conversation.pk}" in _trigger(html, "thread")
        stream_url = unescape(re.search(r'sse-connect="([^"]+)"', html).group(1))
        response = await client.get(stream_url)
        assert response["Content-Type"] == "text/event-stream"
        chunks = aiter(response.streaming_content)
        # On connecting: one event per topic (a change made meanwhile is fetched).
        assert await _next_event(chunks) == f"event: thread-{conversation.pk}\ndata: connected\n\n"
        await asyncio.to_thread(
            lambda: services.record_family_reply(
                guardian=guardian, body="Llego tarde", channel=Channel.SMS
            )
        )
        # The page's stream also carries its navigation's counts (inbox-<district>, tasks-<id>).
        events = [await _next_event(chunks)]
        while events[-1] != f"event: thread-{conversation.pk}\ndata: changed\n\n":
            events.append(await _next_event(chunks))
        assert f"event: inbox-{world.district.pk}\ndata: changed\n\n" in events
        await chunks.aclose()
        await close_connections()

    before = live.version([topic])
    _run(scenario)
    assert live.version([topic]) != before


@pytest.mark.django_db(transaction=True)
def test_the_stream_is_refused_to_a_session_it_was_not_given_to(world, live_redis):
    conversation = services.conversation_for(world.caseload_family)

    async def scenario():
        liaison = AsyncClient()
        await liaison.aforce_login(world.liaison)
        page = await liaison.get(reverse("messaging:conversation", args=[conversation.pk]))
        stream_url = unescape(re.search(r'sse-connect="([^"]+)"', page.content.decode()).group(1))
        teacher = AsyncClient()
        await teacher.aforce_login(world.teacher)
        assert (await teacher.get(stream_url)).status_code == 204  # EventSource stops trying
        assert (await AsyncClient().get(stream_url)).status_code == 204
        await close_connections()

    _run(scenario)


def test_a_reply_is_kept_when_redis_cannot_be_reached(world, thread, committed, settings, caplog):
    """Telling open pages is a courtesy: Redis down must not lose the family's message."""
    guardian, conversation = thread
    settings.LIAISON_LIVE_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    with committed():
        message = services.record_family_reply(
            guardian=guardian, body="¿Me escuchan?", channel=Channel.SMS
        )
    assert conversation.messages.filter(pk=message.pk, body="¿Me escuchan?").exists()
    assert "Error calling" in caplog.text  # logged for the operator


# --- the navigation's counts ---------------------------------------------------------------------


def _counts_poll(client) -> str:
    """What a page does: its empty counts ask at once; the answer carries the live poll URL."""
    first = client.get(reverse("worklist:counts"), HTTP_HX_REQUEST="true")
    assert first.status_code == 200
    just_seen(client)
    return poll_url(first.content.decode(), "nav-counts")


def _count(html: str, label: str) -> int:
    return int(re.search(rf'count-n">(\d+)</span> {label}', html).group(1))


def test_the_navigation_counts_that_nothing_changes_are_answered_without_a_query(
    client, world, thread, committed
):
    """The counts used to poll every 45 s through the database; an idle page now costs nothing,
    and a task made for the liaison, or a family writing, shows at the next poll."""
    client.force_login(world.liaison)
    poll = _counts_poll(client)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(20):
            assert client.get(poll, HTTP_HX_REQUEST="true").status_code == 304
    assert len(queries.captured_queries) == 0

    from liaison.worklist import services as worklist

    with committed():
        task = worklist.create_task(
            owner=world.liaison,
            household=world.caseload_family,
            title="Call back",
            due_on=timezone.localdate(),
            by=world.admin,
        )
    changed = client.get(poll, HTTP_HX_REQUEST="true")
    assert changed.status_code == 200
    assert _count(changed.content.decode(), "due today") == 1
    poll = poll_url(changed.content.decode(), "nav-counts")
    assert client.get(poll, HTTP_HX_REQUEST="true").status_code == 304

    with committed():
        worklist.complete(task=task, outcome="Done by phone", by=world.liaison)
    done = client.get(poll, HTTP_HX_REQUEST="true")
    assert _count(done.content.decode(), "due today") == 0
    poll = poll_url(done.content.decode(), "nav-counts")

    awaiting = _count(done.content.decode(), "awaiting reply")
    other = world.site_family.guardians.order_by("pk").first()
    with committed():
        services.record_family_reply(
            guardian=other, body="¿Hay clases mañana?", channel=Channel.SMS
        )
    replied = client.get(poll, HTTP_HX_REQUEST="true")
    assert _count(replied.content.decode(), "awaiting reply") == awaiting + 1


def test_a_task_handed_over_moves_between_the_two_navigations(client, world, committed):
    from liaison.worklist import services as worklist

    task = worklist.create_task(
        owner=world.liaison,
        title="Call",
        due_on=timezone.localdate(),
        by=world.liaison,
        district=world.district,
    )
    client.force_login(world.leader)
    leaders = _counts_poll(client)
    assert client.get(leaders, HTTP_HX_REQUEST="true").status_code == 304
    with committed():
        worklist.reassign(task=task, owner=world.leader, by=world.liaison)
    now = client.get(leaders, HTTP_HX_REQUEST="true")
    assert _count(now.content.decode(), "due today") == 1


def test_the_counts_are_counted_once_per_change_not_once_per_page(client, world, thread):
    """Each page a person opens asks for its counts: after the first, they come from the live
    cache until a write they depend on bumps a topic."""
    client.force_login(world.liaison)
    client.get(reverse("worklist:counts"), HTTP_HX_REQUEST="true")
    with CaptureQueriesContext(connection) as queries:
        again = client.get(reverse("worklist:counts"), HTTP_HX_REQUEST="true")
    assert _count(again.content.decode(), "awaiting reply") == 1
    counted = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert counted == []


def test_a_family_put_on_the_caseload_is_counted_on_the_next_page(client, world, committed):
    """No topic tells of a change of caseload: the kept counts follow the policy's scope version,
    so a family given to the liaison, its message waiting, is in the counts of the next page she
    opens (they were kept up to 10 minutes)."""
    from liaison.people import services as people

    guardian = world.other_site_family.guardians.order_by("pk").first()
    services.record_family_reply(guardian=guardian, body="¿Quién me ayuda?", channel=Channel.SMS)
    client.force_login(world.liaison)
    before = client.get(reverse("worklist:counts"), HTTP_HX_REQUEST="true").content.decode()
    with committed():
        people.assign_household(
            household=world.other_site_family, staff=world.liaison, by=world.admin
        )
    after = client.get(reverse("worklist:counts"), HTTP_HX_REQUEST="true").content.decode()
    assert _count(after, "awaiting reply") == _count(before, "awaiting reply") + 1


def test_the_due_count_is_asked_again_once_the_day_turns(world):
    """No write tells of midnight: the count's "day" topic is the date itself."""
    from liaison.core.policy import access_for
    from liaison.worklist.today import due_topics

    topics = due_topics(access_for(world.liaison))
    assert live.DAY in topics
    today = live.version(topics)
    with timezone.override("Pacific/Kiritimati"):  # already tomorrow there, most of the day
        later = live.version(topics)
    with timezone.override("Pacific/Pago_Pago"):  # still yesterday there
        earlier = live.version(topics)
    assert len({today, later, earlier}) >= 2


# --- concerns and events -------------------------------------------------------------------------


def test_an_idle_concerns_queue_costs_no_query_and_a_new_concern_shows(client, world, committed):
    from tests.concerns.factories import concern

    client.force_login(world.admin)
    page = client.get(reverse("concerns:queue") + "?queue=all").content.decode()
    just_seen(client)
    poll = poll_url(page, "concern-rows")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(poll, HTTP_HX_REQUEST="true").status_code == 304
    assert len(queries.captured_queries) == 0
    with committed():
        made = concern(world.site_family)
    changed = client.get(poll, HTTP_HX_REQUEST="true")
    assert changed.status_code == 200
    html = changed.content.decode()
    assert f"#{made.pk} " in html and "<h1>" not in html  # the rows alone


def test_a_concern_page_shows_its_new_assignee_without_a_reload(client, world, committed):
    from liaison.concerns import services as concerns
    from tests.concerns.factories import concern

    made = concern(world.caseload_family)
    client.force_login(world.admin)
    page = client.get(reverse("concerns:detail", args=[made.pk])).content.decode()
    just_seen(client)
    head, history = poll_url(page, "concern-head"), poll_url(page, "concern-history")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(head, HTTP_HX_REQUEST="true").status_code == 304
        assert client.get(history, HTTP_HX_REQUEST="true").status_code == 304
    assert len(queries.captured_queries) == 0
    with committed():
        concerns.assign_concern(concern=made, assignee=world.liaison, by=world.admin)
    name = world.liaison.get_full_name() or world.liaison.username
    changed = client.get(head, HTTP_HX_REQUEST="true").content.decode()
    assert name in changed and 'id="concern-head"' in changed and "Move it forward" not in changed
    assert name in client.get(history, HTTP_HX_REQUEST="true").content.decode()


def test_an_event_page_hears_of_an_rsvp_without_a_query_while_none_comes(client, world, committed):
    from liaison.events import services as events
    from tests.events.access import _event

    event = _event(world)
    invitation = events.invite_households(event=event, households=[world.site_family], send=False)[
        0
    ]
    client.force_login(world.admin)
    page = client.get(reverse("events:event", args=[event.pk])).content.decode()
    just_seen(client)
    counts, rsvps = poll_url(page, "event-counts"), poll_url(page, "event-rsvps")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(counts, HTTP_HX_REQUEST="true").status_code == 304
        assert client.get(rsvps, HTTP_HX_REQUEST="true").status_code == 304
    assert len(queries.captured_queries) == 0
    with committed():
        events.respond(invitation=invitation, answer="yes", party_size=3, needs_transport=True)
    assert "1 families need a ride" in client.get(counts, HTTP_HX_REQUEST="true").content.decode()
    listed = client.get(rsvps, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="event-rsvps"' in listed and "ride" in listed and "Answers and needs" not in listed


# --- pages under WSGI, /live/ from an ASGI server beside them ------------------------------------


def test_a_page_served_under_wsgi_gets_the_stream_when_an_asgi_server_serves_live_beside_it(
    client, world, thread, live_redis, settings
):
    settings.LIAISON_LIVE_ASGI_BESIDE = True
    _guardian, conversation = thread
    client.force_login(world.liaison)
    page = client.get(reverse("messaging:conversation", args=[conversation.pk])).content.decode()
    assert f"sse:thread-{conversation.pk}" in _trigger(page, "thread")
    stream_url = unescape(re.search(r'sse-connect="([^"]+)"', page).group(1))
    # The stream carries the navigation's counts too: its part listens for their topics.
    counts = client.get(reverse("worklist:counts"), HTTP_HX_REQUEST="true").content.decode()
    assert f"sse:tasks-{world.liaison.pk}" in _trigger(counts, "nav-counts")
    token = parse_qs(urlsplit(stream_url).query)["t"][0]
    topics = live.unsign(token, client.cookies[settings.SESSION_COOKIE_NAME].value)
    assert {f"thread:{conversation.pk}", f"tasks:{world.liaison.pk}"} <= set(topics)
    # A proxy that sent /live/ to the WSGI server by mistake: no stream to hold a worker for good.
    assert client.get(stream_url).status_code == 204


def test_without_the_asgi_server_beside_a_wsgi_page_polls(client, world, thread, live_redis):
    client.force_login(world.liaison)
    page = client.get(reverse("messaging:conversation", args=[thread[1].pk])).content.decode()
    assert "sse-connect" not in page and _trigger(page, "thread").startswith("every ")


@pytest.mark.django_db(transaction=True)
def test_the_stream_tells_every_page_of_a_task_due_today_made_for_its_person(world, live_redis):
    from liaison.worklist import services as worklist

    async def scenario():
        client = AsyncClient()
        await client.aforce_login(world.liaison)
        page = (await client.get(reverse("people:caseload"))).content.decode()
        stream_url = unescape(re.search(r'sse-connect="([^"]+)"', page).group(1))
        response = await client.get(stream_url)
        chunks = aiter(response.streaming_content)
        seen = set()
        while f"tasks-{world.liaison.pk}" not in seen:  # one event per topic on connecting
            seen.add((await _next_event(chunks)).split("\n")[0].removeprefix("event: "))
        await asyncio.to_thread(
            lambda: worklist.create_task(
                owner=world.liaison,
                title="Call",
                due_on=timezone.localdate(),
                by=world.admin,
                district=world.district,
            )
        )
        event = await _next_event(chunks)
        assert event == f"event: tasks-{world.liaison.pk}\ndata: changed\n\n"
        await chunks.aclose()
        await close_connections()

    _run(scenario)
