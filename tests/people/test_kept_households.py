"""The household page and the thread page are kept per family (core/kept.py, `households=`): a
call logged or a text received for another family of the district leaves them kept, one for their
own family shows at once, as do the bulk writes of a family's rows. And every table they read is
covered: it belongs to a household, or the page names it, or the policy's scope version follows it."""

import re

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from liaison.concerns import services as concerns
from liaison.concerns.models import Contact
from liaison.core import kept, pages
from liaison.core.db import insert_rows
from liaison.core.policy.cache import SCOPE_TABLES
from liaison.messaging import registry
from liaison.messaging import services as messaging
from liaison.messaging.models import Conversation
from liaison.worklist.models import Task
from tests.core.test_page_cost import Grower, just_seen
from tests.people.test_household_page_cost import KEPT_HOUSEHOLD_PAGE_QUERIES

pytestmark = pytest.mark.django_db


def _page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def liaison_page(client, world):
    """The liaison's client and the household page of their caseload family, drawn and kept."""
    client.force_login(world.liaison)
    url = reverse("people:household", args=[world.caseload_family.pk])
    _page(client, url)
    just_seen(client)  # the session's last-seen write is no cost of the page
    return client, url


def _kept(client, url, django_assert_max_num_queries) -> str:
    """The page, given back kept: no more queries than the door, the stamp and the log need."""
    with django_assert_max_num_queries(KEPT_HOUSEHOLD_PAGE_QUERIES):
        return _page(client, url)


def test_a_call_logged_for_another_family_leaves_the_household_page_kept(
    liaison_page, world, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    client, url = liaison_page
    with django_capture_on_commit_callbacks(execute=True):  # and what runs once it commits
        concerns.log_contact(
            household=world.site_family,
            by=world.admin,
            kind="call",
            purpose="Bus pass for Sitefamily",
        )
    assert "Bus pass" not in _kept(client, url, django_assert_max_num_queries)
    # The same for its own family: drawn anew, with the call.
    concerns.log_contact(
        household=world.caseload_family, by=world.admin, kind="call", purpose="Bus pass for us"
    )
    assert "Bus pass for us" in _page(client, url)


def test_a_text_from_another_family_leaves_the_household_page_kept(
    liaison_page, world, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    client, url = liaison_page
    other = world.site_family.guardians.first()
    # What runs once the reply commits too: its language detected and kept (messaging.languages).
    with django_capture_on_commit_callbacks(execute=True) as done:
        messaging.record_family_reply(
            guardian=other, body="Llegamos tarde a la escuela hoy", channel="sms"
        )
    assert done
    assert "Llegamos tarde" not in _kept(client, url, django_assert_max_num_queries)
    mine = world.caseload_family.guardians.first()
    messaging.record_family_reply(guardian=mine, body="Vamos mañana", channel="sms")
    assert "Vamos mañana" in _page(client, url)


def test_a_message_sent_to_another_family_leaves_the_household_page_kept(
    liaison_page, world, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    """A staff message writes its deliveries in bulk (core.db.insert_rows): they name their
    households, so only the family written to is drawn anew."""
    client, url = liaison_page
    with django_capture_on_commit_callbacks(execute=True):
        messaging.send_message(
            household=world.site_family, body="Reunión el martes", by=world.admin
        )
    assert "Reunión el martes" not in _kept(client, url, django_assert_max_num_queries)
    messaging.send_message(
        household=world.caseload_family, body="Reunión el jueves", by=world.admin
    )
    assert "Reunión el jueves" in _page(client, url)


def _contact_row(contact: Contact) -> tuple[list[str], list[tuple]]:
    columns = [f.attname for f in Contact._meta.concrete_fields if not f.primary_key]
    return columns, [tuple(getattr(contact, c) for c in columns)]


def test_a_bulk_insert_of_a_familys_rows_makes_only_its_page_stale(
    liaison_page, world, django_assert_max_num_queries
):
    client, url = liaison_page
    for household, purpose in [(world.site_family, "Loaded elsewhere")]:
        insert_rows(
            Contact, *_contact_row(Contact(household=household, kind="call", purpose=purpose))
        )
    assert "Loaded elsewhere" not in _kept(client, url, django_assert_max_num_queries)
    mine = Contact(household=world.caseload_family, kind="visit", purpose="Loaded home visit")
    insert_rows(Contact, *_contact_row(mine))
    assert "Loaded home visit" in _page(client, url)


def test_a_bulk_update_that_cannot_name_its_families_makes_the_page_stale(liaison_page, world):
    """A QuerySet update (KeptWrites) cannot say whose rows it changed: every family's page of the
    district is drawn anew."""
    client, url = liaison_page
    task = Task.objects.create(
        district=world.district,
        owner=world.liaison,
        household=world.caseload_family,
        title="Call back",
        due_on=world.district.created_at.date(),
    )
    assert "Call back" in _page(client, url)
    Task.objects.filter(pk=task.pk).update(title="Call back about the bus")
    assert "Call back about the bus" in _page(client, url)


def test_a_category_renamed_shows_on_the_kept_household_page(liaison_page, world):
    """A table that belongs to no family but is shown (a concern's category) is named by the page:
    its save in the district makes the page stale."""
    from tests.concerns import factories as cf

    client, url = liaison_page
    concern = cf.concern(world.caseload_family)
    assert concern.category.label in _page(client, url)
    concern.category.label = "Transport and buses"
    concern.category.save()
    assert "Transport and buses" in _page(client, url)


def test_the_thread_page_stays_kept_when_another_family_texts(
    client, world, django_assert_max_num_queries, django_capture_on_commit_callbacks, time_machine
):
    from tests.messaging.test_thread_cost import KEPT_THREAD_PAGE_QUERIES

    # The thread is kept for the minute it was drawn in: the test starts at one's beginning.
    time_machine.move_to(timezone.now().replace(second=1, microsecond=0), tick=True)
    messaging.send_message(household=world.caseload_family, body="Hello", by=world.liaison)
    conversation = Conversation.objects.get(household=world.caseload_family, staff=None)
    client.force_login(world.liaison)
    url = reverse("messaging:conversation", args=[conversation.pk])
    _page(client, url)
    just_seen(client)
    other = world.site_family.guardians.first()
    with django_capture_on_commit_callbacks(execute=True):
        messaging.record_family_reply(
            guardian=other, body="Otra familia escribe a la escuela", channel="sms"
        )
    with django_assert_max_num_queries(KEPT_THREAD_PAGE_QUERIES):
        assert "Otra familia" not in _page(client, url)
    mine = world.caseload_family.guardians.first()
    messaging.record_family_reply(guardian=mine, body="Nuestra familia", channel="sms")
    assert "Nuestra familia" in _page(client, url)


# --- every table a kept page reads is covered ---------------------------------------------------

_TABLES = re.compile(r'\b(?:FROM|JOIN)\s+"?(\w+)"?', re.IGNORECASE)


def _labels_by_table() -> dict[str, str]:
    return {m._meta.db_table: m._meta.label for m in apps.get_models(include_auto_created=True)}


def _read_while_drawn(monkeypatch, client, url) -> dict[str, set[str]]:
    """{part name: the tables its drawing read}, for the kept parts the page draws."""
    read: dict[str, set[str]] = {}
    part = kept.part

    def watching(name, user, *, make, **kwargs):
        def drawn():
            with CaptureQueriesContext(connection) as queries:
                value = make()
            tables = {t for q in queries.captured_queries for t in _TABLES.findall(q["sql"])}
            read.setdefault(name.split(":")[0], set()).update(tables)
            return value

        return part(name, user, make=drawn, **kwargs)

    monkeypatch.setattr(kept, "part", watching)
    kept.changed()  # drawn afresh
    _page(client, url)
    return read


def _uncovered(tables: set[str], named: set[str]) -> set[str]:
    """The tables read that neither belong to a household, nor are named, nor are followed by the
    policy's scope version (every stamp holds it)."""
    labels = _labels_by_table()
    out = set()
    for table in tables:
        label = labels.get(table)
        assert label is not None, f"{table}: not a model's table"
        if kept.owns_households(label) or label in named or label in SCOPE_TABLES:
            continue
        out.add(label)
    return out


@pytest.mark.parametrize(
    ("role", "relationship"),
    [
        ("liaison", "caseload_family"),
        ("admin", "caseload_family"),
        ("teacher", "taught_family"),
        ("interpreter", "interpreted_family"),
    ],
)
def test_the_kept_household_and_thread_pages_read_no_table_they_do_not_follow(
    client, world, monkeypatch, role, relationship
):
    Grower(world).grow(2)  # a busy family: messages, concerns, notes, referrals, events, tasks
    household = getattr(world, relationship)
    client.force_login(getattr(world, role))
    read = _read_while_drawn(monkeypatch, client, reverse("people:household", args=[household.pk]))
    household_tables = kept.group_tables(pages.kept_tables("household"))
    assert read["household"], "the household page was not drawn as a kept part"
    assert _uncovered(read["household"], household_tables) == set()

    thread = Conversation.objects.filter(household=household).order_by("pk").first()
    if thread is None or role == "teacher":
        thread_url = reverse("messaging:household_write", args=[household.pk])
    else:
        thread_url = reverse("messaging:conversation", args=[thread.pk])
    if role == "teacher":
        thread_url = reverse("messaging:household_write_own", args=[household.pk])
    read = _read_while_drawn(monkeypatch, client, thread_url)
    thread_tables = kept.group_tables(registry.THREAD_TABLES)
    assert read["thread"], "the thread page was not drawn as a kept part"
    assert _uncovered(read["thread"], thread_tables) == set()


def test_the_coverage_check_finds_a_table_no_one_named():
    """The check above would fail on a page reading, say, the district's event groups."""
    assert _uncovered({"events_group", "messaging_delivery"}, set()) == {"events.Group"}
