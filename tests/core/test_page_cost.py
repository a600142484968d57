"""The page-cost guard: every staff page of the access matrix runs in a number of queries that does
not grow with the data, under a ceiling of its own.

The pages and who may open them come from the access matrix's rows (tests/<app>/access.py): each
page is asked for as the first role that sees it in full (the liaison on their caseload family,
else the admin, the teacher on the taught family, the interpreter). A world with 5 of everything
(guardians, students, messages both ways with their deliveries, concerns, notes, contacts,
referrals, events with invitations and RSVPs, interpreter requests, households on the caseload and
threads in the inbox) is measured, grown to 50 of everything, and measured again: a page that
asks the database once per row shows it as a difference. The world is built once for the module,
in a transaction rolled back at its end.
"""

import datetime as dt
import time

import pytest
from django.core.cache import caches
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from liaison.core import kept
from tests import factories as f
from tests.access import family
from tests.conftest import make_world
from tests.core.test_access_matrix import NO_RECORD, ROWS

# The marker makes pytest-django set the test database up (the module fixture uses it).
# One worker takes the module (pytest-xdist): its module fixture is built once, not once a worker.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("page-cost")]

SMALL, LARGE = 5, 50

# Who asks for a family's page: the first (role, relationship) the row shows in full.
ASKERS = [
    ("liaison", "caseload"),
    ("admin", "caseload"),
    ("teacher", "taught"),
    ("interpreter", "interpreted"),
]
# Who asks for a page that shows no single family: the first of these it answers 200.
PAGE_ASKERS = ["liaison", "admin", "leader", "teacher", "interpreter"]

# The most queries each page may run (with 5 or with 50 of everything: the same number). A page
# without a line here fails: a new page states its cost.
CEILING = {
    "attendance:imports": 3,
    "attendance:message": 8,
    "attendance:rules": 4,
    "audit:break_glass": 4,
    "audit:household_erase": 4,
    "audit:household_export": 5,
    "concerns:contacts": 8,
    "concerns:detail": 14,
    "concerns:detail_json": 6,
    "concerns:from_message": 9,
    "concerns:household": 8,
    "concerns:meeting": 12,
    "concerns:meeting_new": 8,
    "concerns:new": 11,
    "concerns:queue": 5,  # kept: 4 drawn afresh + the scope version (see "home")
    "concerns:reassign_all": 4,
    "concerns:settings": 7,
    "events:counts": 4,
    "events:edit": 6,
    "events:event": 11,
    "events:flyer": 6,
    "events:group": 8,
    "events:groups": 5,
    "events:household_events": 8,
    "events:household_slot": 11,
    "events:ics": 4,
    "events:invitation_rsvp": 5,
    "events:invite": 3,
    "events:kiosk": 3,
    "events:kiosk_search": 3,
    "events:list": 3,
    "events:minutes": 3,
    "events:new": 5,
    "events:slots": 5,
    "events:slots_print": 5,
    "healthz": 3,
    "readyz": 11,
    # Today, the household page, the caseload, the concerns queue and the insights dashboard are
    # kept for their reader (core/kept.py) and measured drawn afresh: + the policy's scope version
    # read from the default cache (1 query on the database cache, none on Redis); the part and its
    # versions are in the live cache (files, or Redis), no query. Kept, they run 5 or fewer.
    "home": 15,
    "insights:advocacy": 6,
    "attendance:at_risk": 7,
    "insights:at_risk": 8,
    "insights:attendance_outcomes": 5,
    "insights:call_list": 6,
    "insights:dashboard": 10,  # kept: 9 drawn afresh + the scope version (see "home")
    "insights:households": 7,
    "insights:summary_pdf": 8,
    "language:coverage": 4,
    "language:glossary": 4,
    "language:home": 11,
    "language:interpreter_new": 4,
    "language:interpreters": 4,
    "language:memory": 4,
    "language:preview": 4,
    "language:request": 10,
    "language:request_new": 5,
    "language:requests": 5,
    "language:settings": 4,
    "language:templates": 5,
    "messaging:announcement_new": 5,
    "messaging:announcements": 4,
    "messaging:attachment": 7,
    # The thread is kept for its reader (core/kept.py): drawn afresh, + the scope version (see
    # "home"); kept, the page is 6 queries.
    "messaging:conversation": 13,
    "messaging:conversation_messages": 10,
    "messaging:household_write": 14,  # the saved replies offered in the composer; kept: above
    "messaging:household_write_own": 12,  # kept: above
    "messaging:inbox": 8,
    "messaging:saved_replies": 4,
    "messaging:unmatched": 3,
    "people:caseload": 10,  # + the at-risk rules and the families under each reason; kept: above
    "people:guardian": 11,
    "people:guardian_edit": 5,
    "people:guardian_new": 6,
    "people:household": 10,  # the team, panels and timeline in one query (core/reads.py); kept
    "people:household_assign": 6,
    "people:household_edit": 7,
    "people:household_new": 3,
    "people:household_timeline": 6,  # the feeds in one query
    "people:search": 2,
    "people:student": 12,
    "people:student_edit": 8,
    "people:student_new": 7,
    "resources:export": 15,
    "resources:household_search": 7,
    "resources:referral": 7,
    "resources:referral_new": 7,
    "resources:referrals": 4,
    "resources:search": 3,
    "resources:service": 9,
    "resources:service_edit": 4,
    "resources:service_new": 3,
    "resources:stale": 4,
    "resources:unmet_new": 6,
    "roster:household_merge": 5,
    "roster:household_split": 6,
    "roster:households_template": 2,
    "roster:imports": 3,
    "roster:staff": 3,
    "worklist:counts": 5,
    "worklist:new": 7,
}
# Lists read through OnePassPaginator skip COUNT(*) while they fit on one page: past a page (50
# rows) they count once more, a fixed +1 that does not grow further.
PAGED = {"people:caseload", "messaging:inbox", "concerns:contacts"}


def _pages():
    pages = {}
    for name, row in sorted(ROWS.items()):
        if row.method != "get":
            continue
        for role, relationship in ASKERS:
            if row.table[role][relationship] == "ok":
                pages[name] = (role, relationship)
                break
    for name, table in sorted(NO_RECORD.items()):
        for role in PAGE_ASKERS:
            if table[role] == 200:
                pages[name] = (role, None)
                break
    return pages


PAGES = _pages()


class Grower:
    """Brings the world to `n` of everything (counting what it made before)."""

    def __init__(self, world):
        from liaison.events import services as events
        from liaison.people.models import ClassSection

        self.world = world
        self.made = 0
        self.section = ClassSection.objects.get(site=world.school)
        start = timezone.now() + dt.timedelta(days=3)
        # The event the events rows open (tests/events/access.py gets it by this title).
        self.event = events.create_event(
            district=world.district,
            site=world.school,
            title="Access workshop",
            kind="workshop",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
            place="Gym",
        )[0]

    def grow(self, n):
        for i in range(self.made, n):
            self._one(i)
        self.made = n

    def _member(self, household, i, *, taught=False):
        guardian = f.GuardianFactory(household=household, given_name=f"Parent{i}")
        student = f.StudentFactory(household=household, given_name=f"Child{i}")
        f.EnrolmentFactory(student=student, site=self.world.school)
        guardian.student_links.create(student=student)
        if taught:
            self.section.students.add(student)
        return guardian

    def _one(self, i):
        from liaison.concerns import services as concerns
        from liaison.events import services as events
        from liaison.language.models import InterpreterRequest
        from liaison.messaging import services as messaging
        from tests.concerns import factories as cf
        from tests.resources.factories import ReferralFactory

        w = self.world
        home, taught = w.caseload_family, w.taught_family
        # The liaison's own family and the teacher's pupil's family: one more of everyone.
        guardian = self._member(home, i)
        taught_guardian = self._member(taught, i, taught=True)
        messaging.send_message(household=home, body=f"Hello {i}", by=w.liaison)
        messaging.record_family_reply(guardian=guardian, body=f"Gracias {i}", channel="portal")
        messaging.send_message(
            household=taught,
            body=f"Homework {i}",
            by=w.teacher,
            conversation=messaging.conversation_for(taught, staff=w.teacher),
        )
        messaging.record_family_reply(
            guardian=taught_guardian, body=f"Shukran {i}", channel="portal"
        )
        concern = cf.concern(home, guardian=guardian)
        concerns.add_note(concern=concern, body=f"Called {i}", by=w.liaison)
        concerns.log_contact(
            household=home,
            by=w.liaison,
            kind="call",
            purpose=f"Check-in {i}",
            guardian=guardian,
            follow_up_on=timezone.localdate(),  # a task due today on the liaison's Today
        )
        ReferralFactory(household=home, liaison=w.liaison)
        start = timezone.now() + dt.timedelta(days=5 + i)
        event = events.create_event(
            district=w.district,
            site=w.school,
            title=f"Workshop {i}",
            kind="workshop",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=1),
            place="Library",
        )[0]
        for invited in events.invite_households(event=event, households=[home], send=False):
            events.respond(invitation=invited, answer="yes")
        InterpreterRequest.objects.create(
            district=w.district,
            household=home,
            language="es",
            mode="phone",
            starts_at=timezone.now() + dt.timedelta(days=1, hours=i),
        )
        # One more family on the liaison's caseload, writing in, with a concern and an RSVP.
        other = f.HouseholdFactory(district=w.district, name=f"Caseload {i} household")
        other_guardian = self._member(other, i)
        f.AssignmentFactory(staff=w.liaison, household=other)
        messaging.record_family_reply(guardian=other_guardian, body=f"Hola {i}", channel="portal")
        cf.concern(other)
        for invited in events.invite_households(event=self.event, households=[other], send=False):
            events.respond(invitation=invited, answer="yes")


def just_seen(client):
    """Mark the client's session as seen now. SessionTimeoutMiddleware writes the last-seen time
    once a minute (a savepoint, an update, a release in a test's transaction): in a run longer than
    a minute that write lands in some measured request, and it is no page's own cost."""
    session = client.session
    session["liaison_seen"] = int(time.time())
    session.save()


def _measure(clients, world):
    counts = {}
    for name, (role, relationship) in PAGES.items():
        client = clients[role]
        if relationship is None:
            url = reverse(name)
        else:
            url = reverse(name, args=ROWS[name].args(world, family(world, relationship)))
        client.get(url)  # what a first request fills once (content types, the site) is not counted
        just_seen(client)
        # A page kept for its reader (core/kept.py) is measured as drawn afresh, as just after a
        # change in the district: what it costs then is what must not grow with the data.
        kept.changed()
        if name.startswith("messaging:"):
            # The inbox and a thread keep what they draw under the versions of what it shows,
            # which this test's writes (never committed) do not bump: drawn afresh too.
            caches["live"].clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, f"{role} {name} {url}: {response.status_code}"
        counts[name] = len(queries.captured_queries)
    return counts


@pytest.fixture(scope="module")
def costs(django_db_setup, django_db_blocker, tmp_path_factory):
    """{page: (queries with 5 of everything, queries with 50)}."""
    media = tmp_path_factory.mktemp("media")
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media, PASSWORD_HASHERS=fast),
        transaction.atomic(),
    ):
        world = make_world()
        clients = {}
        for role in {role for role, _ in PAGES.values()}:
            clients[role] = Client()
            clients[role].force_login(getattr(world, role))
        grower = Grower(world)
        grower.grow(SMALL)
        small = _measure(clients, world)
        grower.grow(LARGE)
        large = _measure(clients, world)
        transaction.set_rollback(True)
    translation.deactivate()
    return {name: (small[name], large[name]) for name in PAGES}


def test_every_staff_page_is_measured():
    assert {"people:household", "people:caseload", "messaging:inbox"} <= set(PAGES)
    assert "messaging:conversation_messages" in PAGES
    assert len(PAGES) >= 50


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_cost_does_not_grow_with_the_data(costs, name):
    small, large = costs[name]
    role = PAGES[name][0]
    assert large == small + (1 if name in PAGED and large > small else 0), (
        f"{name} as {role}: {small} queries with {SMALL} of everything, {large} with {LARGE}"
    )
    assert name in CEILING, f"{name}: no ceiling yet ({small} queries)"
    assert small <= CEILING[name], f"{name}: {small} queries, ceiling {CEILING[name]}"
