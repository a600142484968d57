"""A thread's cost, pinned: the family's liaison opens its shared thread (messages both ways,
replies in Spanish to translate, a restricted guardian) and its poll answers, in a fixed number of
queries whatever the thread holds (issue #19: the thread page was 22, its poll 17; issue #22: 16
and 11 before the messages, their deliveries and the page's lists were read together)."""

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from liaison.core import kept as kept_parts
from liaison.messaging.models import Conversation
from tests.core.test_live import poll_url
from tests.core.test_page_cost import Grower, just_seen

pytestmark = pytest.mark.django_db

# session, user with roles; the thread with the caseload answer; marked read; one query
# (core/reads.py) for the messages (with each reply's possible opt-out and detected language),
# their deliveries, the household's other threads, staff to assign and the district's saved
# replies for the composer; the messages' attachments; the concerns made from replies; the
# attendance nudges among them; the translation memory and the district's engine; the household's
# guardians (the restricted shown, the call links); the access-log row; the policy's scope version
# for the kept page's stamp (the page and its versions are kept in the live cache, core/kept.py:
# files or Redis, no query).
THREAD_PAGE_QUERIES = 13
# The same page again while nothing it shows changed: the page after the door is kept for its
# reader (core/kept.py); the session, the user, the door, the read mark, the access-log row and
# the kept page's stamp are still asked.
KEPT_THREAD_PAGE_QUERIES = 6
# The poll of a thread that changed: the messages only (no other threads, restrictions, staff,
# access-log row). Its version is in the live cache (core/live.py), not the database.
POLL_QUERIES = 10
# The poll of a thread that did not change is answered before the session is read.
QUIET_POLL_QUERIES = 0


@pytest.fixture
def thread(world):
    grower = Grower(world)
    grower.grow(3)
    guardian = world.caseload_family.guardians.order_by("pk").first()
    guardian.contact_restricted = True
    guardian.contact_restriction_reason = "Court order"
    guardian.save()
    conversation = Conversation.objects.get(household=world.caseload_family, staff=None)
    return grower, conversation


def _count(client, url, *, kept=False):
    """The queries of `url` drawn afresh (as just after a change: nothing kept), or kept."""
    client.get(url)  # what a first request fills once (content types) is not counted
    just_seen(client)
    if not kept:
        caches["live"].clear()
        kept_parts.changed()  # the page kept for its reader (core/kept.py) drawn afresh too
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, len(queries.captured_queries)


def test_the_liaison_opens_a_busy_thread_in_a_fixed_number_of_queries(
    client, world, thread, time_machine
):
    grower, conversation = thread
    # The thread is kept for the minute it was drawn in: the kept count is taken well inside one.
    time_machine.move_to(timezone.now().replace(second=1, microsecond=0), tick=True)
    client.force_login(world.liaison)
    url = reverse("messaging:conversation", args=[conversation.pk])
    response, queries = _count(client, url)
    page = response.content.decode()
    assert "Hello 2" in page and "Gracias 2" in page
    assert "receives nothing from this thread" in page
    assert queries == THREAD_PAGE_QUERIES

    assert _count(client, url, kept=True)[1] == KEPT_THREAD_PAGE_QUERIES

    grower.grow(6)
    assert _count(client, url)[1] == THREAD_PAGE_QUERIES


def test_the_poll_of_a_busy_thread_costs_a_fixed_number_of_queries(client, world, thread):
    _grower, conversation = thread
    client.force_login(world.liaison)
    poll = reverse("messaging:conversation_messages", args=[conversation.pk])
    changed, queries = _count(client, poll)
    assert changed.status_code == 200 and "Gracias 2" in changed.content.decode()
    assert queries == POLL_QUERIES

    quiet, queries = _count(client, poll_url(changed.content.decode(), "thread"))
    assert quiet.status_code == 304
    assert queries == QUIET_POLL_QUERIES
