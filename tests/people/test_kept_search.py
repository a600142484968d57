"""The search results and the caseload are kept for their reader (core/kept.py) under the tables
they read (people.search.TABLES, people.caseload.TABLES), not under any save of the district: a
write of a table they do not read (a call logged, a text stored, a delivery's state, a task) leaves
them kept, a change they show (a guardian renamed, a family given, a family's text on the caseload)
shows at once. And every table they read, for every role and filter, is one their stamp covers."""

import pytest
from django.urls import reverse
from django.utils import timezone

from liaison.concerns import services as concerns
from liaison.core import kept
from liaison.core.policy.cache import SCOPE_TABLES
from liaison.messaging import services as messaging
from liaison.messaging.choices import DeliveryState
from liaison.messaging.models import Delivery
from liaison.people import caseload, search
from liaison.people import services as people
from liaison.people.models import Guardian
from liaison.worklist.models import Task
from tests.core.test_page_cost import Grower
from tests.people.test_kept_households import _labels_by_table, _page, _read_while_drawn

pytestmark = pytest.mark.django_db

ROLES = ["liaison", "leader", "teacher", "interpreter", "admin"]
# Read in a FROM that are no table: the functions an id list is bound through (core.db's IdIn:
# SQLite's json_each, PostgreSQL's unnest), and the database cache (the policy's kept answers,
# under the scope version).
NOT_TABLES = {"json_each", "unnest", "liaison_cache"}


def _caseload_urls(world) -> list[str]:
    """The caseload unfiltered, sorted each way, and with every filter it takes."""
    student = world.caseload_family.students.first()
    base = reverse("people:caseload")
    return [
        base,
        f"{base}?sort=contact&not_reached_days=30&open_items=on&risk_reason=no_contact",
        f"{base}?sort=open&risk_reason=overdue_urgent",
        f"{base}?sort=-contact&risk_reason=channels_failing&page=2",
        f"{base}?language=es&site={world.school.pk}&grade={student.grade}",
    ]


def _search_urls() -> list[str]:
    """A name found exactly, one found only by a near miss (the fuzzy terms), a phone's digits."""
    base = reverse("people:search")
    return [f"{base}?q=Caseload", f"{base}?q=Caselaod", f"{base}?q=Parent0", f"{base}?q=555"]


def _not_followed(tables: set[str], named: set[str]) -> set[str]:
    """The tables read that the part's stamp does not follow: neither named (its group) nor wholly
    followed by the policy's scope version (a scope table that names columns, such as a household's
    site, is followed only for those: a household renamed is no change of scope). A table's rows
    belonging to a household covers nothing here: these parts are not kept per household."""
    labels = _labels_by_table()
    out = set()
    for table in tables - NOT_TABLES:
        label = labels.get(table)
        assert label is not None, f"{table}: not a model's table"
        if label in named or (label in SCOPE_TABLES and SCOPE_TABLES[label] is None):
            continue
        out.add(label)
    return out


@pytest.mark.parametrize("role", ROLES)
def test_the_kept_search_and_caseload_read_no_table_they_do_not_follow(
    client, world, monkeypatch, role
):
    Grower(world).grow(2)  # busy families: messages, concerns, notes, referrals, events, tasks
    client.force_login(getattr(world, role))
    for url in _caseload_urls(world):
        read = _read_while_drawn(monkeypatch, client, url)
        assert read["caseload"], f"{url}: the caseload was not drawn as a kept part"
        assert _not_followed(read["caseload"], kept.group_tables(caseload.TABLES)) == set(), url
    for url in _search_urls():
        read = _read_while_drawn(monkeypatch, client, url)
        assert read["search"], f"{url}: the search was not drawn as a kept part"
        assert _not_followed(read["search"], kept.group_tables(search.TABLES)) == set(), url


def test_the_coverage_check_finds_a_table_followed_only_for_some_columns():
    """people.Household is a scope table only for its site and district: named or not followed."""
    assert _not_followed({"people_household", "people_enrolment"}, set()) == {"people.Household"}


# --- kept through writes they do not show; drawn anew for those they show ------------------------


@pytest.fixture
def drawn(monkeypatch):
    """How many times each kept part was drawn ({"search": n, "caseload": n})."""
    counts: dict[str, int] = {}
    part = kept.part

    def counting(name, user, *, make, **kwargs):
        def make_counted():
            counts[name] = counts.get(name, 0) + 1
            return make()

        return part(name, user, make=make_counted, **kwargs)

    monkeypatch.setattr(kept, "part", counting)
    return counts


def _visit(client, world) -> tuple[str, str]:
    return (
        _page(client, reverse("people:search") + "?q=Caseload"),
        _page(client, reverse("people:caseload")),
    )


def test_a_call_a_text_and_a_delivery_for_another_family_leave_the_search_kept(
    client, world, drawn, django_capture_on_commit_callbacks
):
    client.force_login(world.liaison)
    _visit(client, world)
    assert drawn == {"search": 1, "caseload": 1}
    with django_capture_on_commit_callbacks(execute=True):
        concerns.log_contact(
            household=world.site_family, by=world.admin, kind="call", purpose="Bus pass"
        )
        messaging.record_family_reply(
            guardian=world.site_family.guardians.first(), body="Llegamos tarde", channel="sms"
        )
        messaging.send_message(household=world.site_family, body="Reunión", by=world.admin)
    # The search reads neither calls nor texts; the caseload's last contact reads both.
    _visit(client, world)
    assert drawn == {"search": 1, "caseload": 2}
    # A delivery's state saved (the drain, a gateway's receipt) and a task: read by neither.
    delivery = Delivery.objects.filter(household_id_copy=world.site_family.pk).first()
    assert delivery is not None
    with django_capture_on_commit_callbacks(execute=True):
        delivery.state = DeliveryState.SENT
        delivery.save()
        Task.objects.create(
            district=world.district,
            owner=world.liaison,
            household=world.site_family,
            title="Call back",
            due_on=timezone.localdate(),
        )
    search_html, caseload_html = _visit(client, world)
    assert drawn == {"search": 1, "caseload": 2}
    assert "Caseload household" in search_html and "Caseload household" in caseload_html


def test_a_guardian_renamed_shows_at_once_on_the_kept_search_and_caseload(client, world):
    client.force_login(world.liaison)
    by_new_name = reverse("people:search") + "?q=Wilhelmina"
    assert "No household matches" in _page(client, by_new_name)
    _visit(client, world)
    guardian = world.caseload_family.guardians.first()
    guardian.given_name = "Wilhelmina"
    guardian.save()
    search_html, caseload_html = _visit(client, world)
    assert "Wilhelmina" in search_html and "Wilhelmina" in caseload_html
    assert "Caseload household" in _page(client, by_new_name)  # its terms, reindexed
    # Renamed by a bulk update (an import's, which reindexes the family itself): no model signal,
    # its QuerySet (people's ScopeWrites, a KeptWrites) makes the kept parts stale. The family's
    # name as the given name: reindexing then only deletes a term (core.db.delete_rows says so).
    Guardian.objects.filter(pk=guardian.pk).update(given_name="Caseload")
    search_html, caseload_html = _visit(client, world)
    assert "Wilhelmina" not in search_html and "Wilhelmina" not in caseload_html
    assert "Caseload household" in _page(client, by_new_name)  # not reindexed yet
    search.reindex([world.caseload_family.pk])
    assert "No household matches" in _page(client, by_new_name)


def test_a_family_given_to_the_liaison_shows_at_once_on_the_kept_search_and_caseload(
    client, world, drawn
):
    client.force_login(world.liaison)
    url = reverse("people:search") + "?q=Sitefamily"
    search_html = _page(client, url)
    assert "my caseload" not in search_html
    assert "Sitefamily household" not in _page(client, reverse("people:caseload"))
    people.assign_household(household=world.site_family, staff=world.liaison, by=world.admin)
    assert "my caseload" in _page(client, url)
    assert "Sitefamily household" in _page(client, reverse("people:caseload"))


def test_a_familys_text_shows_at_once_on_the_kept_caseload(client, world):
    client.force_login(world.liaison)
    url = reverse("people:caseload") + "?not_reached_days=30"
    assert "Caseload household" in _page(client, url)  # never reached
    messaging.record_family_reply(
        guardian=world.caseload_family.guardians.first(), body="Hola", channel="sms"
    )
    assert "Caseload household" not in _page(client, url)


def test_a_site_leaders_kept_search_follows_a_family_moved_to_their_site(client, world):
    """A scope change (a family's child enrolled at the leader's school) shows at once."""
    from tests import factories as f

    client.force_login(world.leader)
    url = reverse("people:search") + "?q=Othersite"
    assert "Othersite household" not in _page(client, url)
    student = world.other_site_family.students.first()
    f.EnrolmentFactory(student=student, site=world.school)
    assert "Othersite household" in _page(client, url)


def test_an_engagement_refresh_shows_at_once_on_the_kept_caseloads_reasons(client, world):
    """The refresh writes the engagement table around the ORM (insights.engagement) and says so:
    the count of families the "no two-way contact" reason flags follows it."""
    from liaison.insights.services import refresh_engagement

    client.force_login(world.liaison)
    url = reverse("people:caseload")
    assert "No two-way contact within the district&#x27;s limit (0)" in _page(client, url)
    refresh_engagement([world.caseload_family.pk])
    assert "No two-way contact within the district&#x27;s limit (1)" in _page(client, url)


def test_a_section_erased_by_retention_shows_at_once_on_the_kept_caseload(client, world):
    """Retention erases a family's contact log: its last contact is gone (the contact log's deletes
    are watched, core/kept.py's watch_deletes, as Today reads it too)."""
    from liaison.audit.services import erase_section

    concerns.log_contact(
        household=world.caseload_family, by=world.liaison, kind="call", purpose="Bus pass"
    )
    client.force_login(world.liaison)
    url = reverse("people:caseload") + "?not_reached_days=30"
    assert "Caseload household" not in _page(client, url)  # reached today
    assert erase_section(household=world.caseload_family, section="concerns") is not None
    assert "Caseload household" in _page(client, url)  # never reached, as far as the log says


def test_a_familys_messages_erased_by_retention_show_at_once_on_the_kept_caseload(client, world):
    """Retention deletes a family's threads in bulk (no model signal): messaging.records says so."""
    from liaison.audit.services import erase_section

    guardian = world.caseload_family.guardians.first()
    messaging.record_family_reply(guardian=guardian, body="Hola", channel="sms")
    client.force_login(world.liaison)
    url = reverse("people:caseload") + "?not_reached_days=30"
    assert "Caseload household" not in _page(client, url)  # they wrote today
    assert erase_section(household=world.caseload_family, section="messages") is not None
    assert "Caseload household" in _page(client, url)


def test_a_familys_referrals_erased_by_retention_leave_the_kept_caseload(client, world):
    """Retention deletes a family's referrals in bulk (no model signal): resources.records says
    so, and the caseload's open referrals are gone."""
    from liaison.audit.services import erase_section
    from tests.resources.factories import ReferralFactory

    ReferralFactory(household=world.caseload_family)
    client.force_login(world.liaison)
    url = reverse("people:caseload") + "?open_items=on"
    assert "1 open referrals" in _page(client, url)
    assert erase_section(household=world.caseload_family, section="referrals") is not None
    assert "Caseload household" not in _page(client, url)
