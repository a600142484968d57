"""Live updates: a version per thing a page shows, bumped when it changes and told to open pages.

A *topic* names what changed: "thread:12" (a thread's messages, deliveries, files, flags),
"inbox:3" (the threads of district 3). The apps call `changed(...)` in the transaction that
changes it; once it commits, the topic gets a new version in the "live" cache (Redis, or files on
one server) and, with Redis, a message on the topic's channel.

Open pages hear of it in one of two ways:
- **the stream**: one server-sent-events connection per tab (`stream`, under an ASGI server with
  Redis), whose events make the page fetch the part that changed;
- **the conditional poll**: the part polls with the versions it shows (`lv`) and a signed list of
  its topics (`live`); while they hold, `ConditionalPollMiddleware` answers 304 before the
  session, the user or any other database work.

A version reveals nothing but "something changed"; what a page fetches after a change goes through
its view and the access policy as always. The signed topics are bound to the session they were
given to, and a page gets them only from a view that has opened what they name.
"""

from __future__ import annotations

import functools
import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core import signing
from django.core.cache import caches
from django.core.handlers.asgi import ASGIRequest
from django.db import transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from liaison.core import metrics

logger = logging.getLogger(__name__)

SALT = "liaison.core.live"
# How often an idle stream says it is alive (proxies close silent connections).
KEEPALIVE_SECONDS = 15.0


# --- versions ------------------------------------------------------------------------------------


# A topic no write bumps: its version is today's date (in the installation's zone), so what counts
# "due today" is asked again once the day turns, and is quiet all day long.
DAY = "day"


def _key(topic: str) -> str:
    return f"live:{topic}"


def version(topics: Iterable[str]) -> str:
    """The versions of `topics` as one string ("0" for a topic never changed): a cache read, no
    database."""
    topics = list(topics)
    found = caches["live"].get_many([_key(t) for t in topics if t != DAY])
    found[_key(DAY)] = timezone.localdate().isoformat()
    return ".".join(str(found.get(_key(t), "0")) for t in topics)


def changed(*topics: str) -> None:
    """`topics` changed: once the current transaction commits (at once outside one), give each a
    new version and tell the streams. A failure to reach the cache or Redis is logged, never
    undoes or breaks the change itself."""
    if topics:
        transaction.on_commit(functools.partial(bump, topics), robust=True)


def bump(topics: Iterable[str]) -> None:
    """New versions for `topics` now, published to the streams when Redis carries them."""
    topics = sorted(set(topics))
    stamp = f"{time.time_ns():x}{secrets.token_hex(2)}"
    caches["live"].set_many({_key(t): stamp for t in topics}, timeout=None)
    url = settings.LIAISON_LIVE_REDIS_URL
    if url:
        client = _redis(url)
        with client.pipeline(transaction=False) as pipe:
            for topic in topics:
                pipe.publish(_channel(url, topic), stamp)
            pipe.execute()


@functools.cache
def _redis(url: str) -> Any:
    import redis  # the [redis] extra: only a deployment that names a Redis URL needs it

    return redis.Redis.from_url(url)


def _channel(url: str, topic: str) -> str:
    """The pub/sub channel of a topic. Channels are shared by every database of a Redis server:
    the database's number keeps two deployments (or two test workers) apart."""
    database = urlsplit(url).path.strip("/") or "0"
    return f"liaison:{database}:live:{topic}"


# --- what a page watches -------------------------------------------------------------------------


def _session_tag(session_key: str | None) -> str:
    return salted_hmac(SALT, session_key or "", algorithm="sha256").hexdigest()[:16]


def sign(topics: list[str], session_key: str | None) -> str:
    """The topics, signed and bound to this session (a signed-out or other session cannot use it)."""
    return signing.dumps([topics, _session_tag(session_key)], salt=SALT, compress=True)


def unsign(token: str, session_key: str | None) -> list[str] | None:
    """The topics `sign` signed for this session, or None."""
    try:
        topics, tag = signing.loads(token, salt=SALT, max_age=settings.SESSION_COOKIE_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not secrets.compare_digest(str(tag), _session_tag(session_key)):
        return None
    if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
        return None
    return topics


def _session_key(request: HttpRequest) -> str | None:
    return request.COOKIES.get(settings.SESSION_COOKIE_NAME)


def streaming(request: HttpRequest) -> bool:
    """Whether this page can hear of changes by the stream: Redis carries them, the stream is on,
    and an ASGI server (which can hold the connection open) serves /live/: the one that served
    the page (`liaison serve --asgi`, which hands pages to Django's WSGI handler and marks them:
    config/asgi.py), or (LIAISON_LIVE_ASGI_BESIDE) one the proxy sends /live/ to beside a WSGI
    server."""
    return bool(
        settings.LIAISON_LIVE_REDIS_URL
        and settings.LIAISON_LIVE_STREAM
        and (
            isinstance(request, ASGIRequest)
            or request.META.get("liaison.live_asgi")
            or settings.LIAISON_LIVE_ASGI_BESIDE
        )
    )


# Topics every signed-in page watches besides its own parts (the navigation's counts): each hook
# is `hook(request) -> topics`, registered by core's AppConfig.ready().
_page_topics: list[Callable[[HttpRequest], list[str]]] = []


def add_page_topics(hook: Callable[[HttpRequest], list[str]]) -> None:
    if hook not in _page_topics:
        _page_topics.append(hook)


@dataclass(frozen=True)
class Watch:
    """A part of a page that refreshes itself when its topics change: `query` goes on its hx-get
    URL (after "?"), `trigger` is its hx-trigger."""

    query: str
    trigger: str
    version: str = ""  # the versions it shows: what the caller reads is at least this new


def event_name(topic: str) -> str:
    return topic.replace(":", "-")


def _listen(request: HttpRequest, topics: list[str]) -> None:
    """Add `topics` to the page's stream."""
    watched = getattr(request, "_live_topics", [])
    request._live_topics = [*watched, *(t for t in topics if t not in watched)]  # type: ignore[attr-defined]


def trigger(request: HttpRequest, topics: list[str]) -> str:
    """The hx-trigger of a part showing `topics`: their stream events (and a rare poll), or the
    poll every few seconds without a stream."""
    if streaming(request):
        triggers = [f"sse:{event_name(t)}" for t in topics if t != DAY]
        if settings.LIAISON_LIVE_STREAM_POLL_SECONDS:
            triggers.append(f"every {settings.LIAISON_LIVE_STREAM_POLL_SECONDS}s")
        return ", ".join(triggers) or f"every {settings.LIAISON_LIVE_POLL_SECONDS}s"
    return f"every {settings.LIAISON_LIVE_POLL_SECONDS}s"


def watch(request: HttpRequest, *topics: str) -> Watch:
    """The part of the page showing `topics` (which the caller has opened through the policy):
    its poll parameters and trigger, and the topics added to the page's stream."""
    topics_list = list(topics)
    shown = version(topics_list)  # read before the caller reads what it shows
    _listen(request, topics_list)
    query = urlencode({"live": sign(topics_list, _session_key(request)), "lv": shown})
    return Watch(query=query, trigger=trigger(request, topics_list), version=shown)


def context(request: HttpRequest) -> dict[str, str]:
    """Template context: `live_stream`, the URL of the page's stream ("" without one). Lazy: the
    view has called watch() by the time the base template asks."""

    def url() -> str:
        if not streaming(request):
            return ""
        for hook in _page_topics:
            _listen(request, hook(request))
        topics = [t for t in getattr(request, "_live_topics", []) if t != DAY]
        if not topics:
            return ""
        return reverse("live_stream") + "?" + urlencode({"t": sign(topics, _session_key(request))})

    return {"live_stream": _Lazy(url)}  # type: ignore[dict-item]


class _Lazy:
    """A template value computed when first rendered (after the view has run)."""

    def __init__(self, fn: Callable[[], str]) -> None:
        self.fn = fn

    @functools.cached_property
    def value(self) -> str:
        return self.fn()

    def __str__(self) -> str:
        return self.value

    def __bool__(self) -> bool:
        return bool(self.value)


# --- the conditional poll ------------------------------------------------------------------------


class ConditionalPollMiddleware:
    """Answers a part's poll 304 while its topics' versions are the ones it shows: before the
    session, the user, the policy or any query (an idle open thread costs no database work).
    Anything else (a change, a token from another session, no token) goes on to the view."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "GET" and "live" in request.GET and "lv" in request.GET:
            topics = unsign(request.GET["live"], _session_key(request))
            if topics and version(topics) == request.GET["lv"]:
                response = HttpResponse(status=304)
                response["Cache-Control"] = "no-store"
                return response
        return self.get_response(request)


# --- the stream ----------------------------------------------------------------------------------


def _no_stream() -> HttpResponse:
    # 204 tells the browser's EventSource to stop reconnecting; the page's poll goes on.
    return HttpResponse(status=204)


async def stream(request: HttpRequest) -> HttpResponseBase:
    """The page's server-sent events: one event per change of a topic it watches, named after the
    topic ("thread-12"). On (re)connecting, one event per topic, so that a change made while the
    page was connecting is fetched (by a conditional poll: 304 when nothing changed)."""
    user = await request.auser()
    topics = unsign(request.GET.get("t", ""), _session_key(request))
    # Only an ASGI server holds the stream open (a WSGI worker would be held by it for good).
    served = isinstance(request, ASGIRequest) and streaming(request)
    if not user.is_authenticated or not topics or not served:
        return _no_stream()
    response = StreamingHttpResponse(_events(topics), content_type="text/event-stream")
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response


async def _events(topics: list[str]) -> AsyncIterator[str]:
    import redis.asyncio as aioredis

    url = settings.LIAISON_LIVE_REDIS_URL
    client = aioredis.Redis.from_url(url)
    pubsub = client.pubsub()
    by_channel = {_channel(url, t): t for t in topics}
    metrics.SSE_CONNECTIONS.inc()  # /metrics: liaison_sse_connections
    try:
        await pubsub.subscribe(*by_channel)
        yield "retry: 2000\n\n"
        for topic in topics:
            yield f"event: {event_name(topic)}\ndata: connected\n\n"
        while True:
            message = await pubsub.get_message(
                ignore_subscribe_messages=True, timeout=KEEPALIVE_SECONDS
            )
            if message is None:
                yield ": still here\n\n"
                continue
            channel = message["channel"]
            named = by_channel.get(channel.decode() if isinstance(channel, bytes) else channel)
            if named:
                yield f"event: {event_name(named)}\ndata: changed\n\n"
    finally:
        metrics.SSE_CONNECTIONS.dec()
        await pubsub.aclose()
        await client.aclose()
