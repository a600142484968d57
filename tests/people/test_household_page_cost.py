"""The household page's cost, pinned: the family's liaison opens a busy family (several guardians,
one of them restricted, children, messages both ways, concerns with notes, contacts, referrals,
events) in a fixed number of queries, whatever the family holds (issue #19: 38 before; issue #22:
28 before the page's parts were read together)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from liaison.concerns.choices import OPEN_STATUSES
from liaison.concerns.models import Concern
from liaison.core import kept
from tests.core.test_page_cost import Grower, just_seen

pytestmark = pytest.mark.django_db

# session, user with roles; the family with the caseload answer; its guardians; its children,
# their enrolments and programmes; one query (core/reads.py) for the team, the panels (threads,
# latest messages, opt-outs, open concerns, interpreters to pick, disclosures, language reports,
# suggestions and interpreter requests, referrals, unmet needs) and the timeline (messages and
# their deliveries, concerns, notes, contacts, referral steps, events, tasks); the access-log row;
# the policy's scope version for the kept page's stamp (the database's cache table, the default;
# Redis answers it without the database). The page and its versions are kept in the live cache
# (core/kept.py: files or Redis), which no query reads or writes.
HOUSEHOLD_PAGE_QUERIES = 10
# Kept (core/kept.py), when nothing in the district changed since the last visit: the session, the
# user, the family with the caseload answer (the door), the scope version, the access-log row.
KEPT_HOUSEHOLD_PAGE_QUERIES = 5


@pytest.fixture
def grower(world):
    grower = Grower(world)
    grower.grow(3)
    guardian = world.caseload_family.guardians.order_by("pk").first()
    guardian.contact_restricted = True
    guardian.contact_restriction_reason = "Court order"
    guardian.save()
    return grower


def _count(client, url, *, fresh=True):
    client.get(url)  # what a first request fills once (content types) is not counted
    just_seen(client)
    if fresh:  # as just after a change in the district: the page drawn afresh
        kept.changed()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(queries.captured_queries)


def test_the_liaison_opens_a_busy_household_in_a_fixed_number_of_queries(client, world, grower):
    busy = world.caseload_family
    client.force_login(world.liaison)
    url = reverse("people:household", args=[busy.pk])
    page, queries = _count(client, url)
    # What the queries are for is on the page: every guardian and child, the timeline, the panels.
    for person in [*busy.guardians.all(), *busy.students.all()]:
        assert person.full_name in page
    assert "Called 2" in page and "Gracias 2" in page and "Check-in 2" in page
    assert "Contact restriction" in page
    # The contact form offers the family's active guardians and open concerns, read once.
    for guardian in busy.guardians.filter(is_active=True):
        assert f'<option value="{guardian.pk}">{guardian}</option>' in page
    for concern in Concern.objects.filter(household=busy, status__in=OPEN_STATUSES):
        assert f'<option value="{concern.pk}">' in page
    assert queries == HOUSEHOLD_PAGE_QUERIES

    assert _count(client, url, fresh=False)[1] == KEPT_HOUSEHOLD_PAGE_QUERIES

    # Twice the family, the same cost.
    grower.grow(6)
    assert _count(client, url)[1] == HOUSEHOLD_PAGE_QUERIES
    assert _count(client, url, fresh=False)[1] == KEPT_HOUSEHOLD_PAGE_QUERIES
