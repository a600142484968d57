"""The authorization matrix: every role × relationship to a family × every URL that shows one.

Plus the relationship "is the subject of this record" (a concern about the signed-in person), for
every role, on every row whose record can be about someone (`Row.subject`).

Rows come from each app's tests/<app>/access.py (see tests/access.py for the format); the
site's own, the admin's and allauth's URLs are listed in tests/core/access.py. Any URL of the whole
URLconf without a row fails `test_every_url_has_a_row` (and a test of that test shows it does).
"""

import copy
import importlib
import pkgutil
import types

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

import tests
from tests.access import RELATIONSHIPS, ROLES, SUBJECT_FAMILY, family
from tests.conftest import make_world, make_world_in_another_district


def _modules():
    for info in pkgutil.iter_modules(tests.__path__):
        if info.ispkg:
            try:
                yield importlib.import_module(f"tests.{info.name}.access")
            except ModuleNotFoundError:
                continue


ROWS, NO_RECORD, EXEMPT, EXEMPT_PREFIXES, EXEMPT_ROUTES = {}, {}, {}, {}, {}
SCOPE_ROWS = {}
for _m in _modules():
    SCOPE_ROWS.update(getattr(_m, "SCOPE_ROWS", {}))
    ROWS.update(getattr(_m, "ROWS", {}))
    NO_RECORD.update(getattr(_m, "NO_RECORD", {}))
    EXEMPT.update(getattr(_m, "EXEMPT", {}))
    EXEMPT_PREFIXES.update(getattr(_m, "EXEMPT_PREFIXES", {}))
    EXEMPT_ROUTES.update(getattr(_m, "EXEMPT_ROUTES", {}))


def all_urls(resolver=None, namespace="", prefix=""):
    """Every URL of the URLconf: its qualified name ("people:household", "login"), or
    "route:<pattern>" for one without a name."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace
            inner = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from all_urls(pattern, inner, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            if pattern.name:
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name
            else:
                yield f"route:{prefix}{pattern.pattern}"


def urls_without_a_row(resolver=None) -> set[str]:
    missing = set()
    for name in all_urls(resolver):
        if name in ROWS or name in NO_RECORD or name in EXEMPT:
            continue
        if name.startswith("route:") and name.removeprefix("route:").startswith(
            tuple(EXEMPT_ROUTES)
        ):
            continue
        if any(name.startswith(p) for p in EXEMPT_PREFIXES):
            continue
        missing.add(name)
    return missing


@pytest.fixture(scope="module")
def _worlds(django_db_setup, django_db_blocker):
    """The world and the same shape in its other district, built once for the module (a world
    costs ten times the request a matrix cell makes): each test runs inside its own savepoint
    (pytest-django), so whatever a request writes is undone before the next, and gets a copy of
    the objects (a test naming `world.subject` changes only its own)."""
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=fast),
        transaction.atomic(),
    ):
        home = make_world()
        yield home, make_world_in_another_district(home)
        transaction.set_rollback(True)


@pytest.fixture
def world(_worlds, db):
    return copy.deepcopy(_worlds[0])


@pytest.fixture
def far(_worlds, db):
    """The same district shape in the world's other district, with its own staff and records."""
    return copy.deepcopy(_worlds[1])


def test_every_url_has_a_row():
    missing = urls_without_a_row()
    assert not missing, f"URLs without a row in the access matrix: {sorted(missing)}"


def test_a_url_added_without_a_row_fails_the_matrix():
    """The test of the test: a new URL, named or not, in a new namespace or none, is caught."""
    from django.conf import settings
    from django.urls import include, path, re_path
    from django.urls.resolvers import RegexPattern

    from liaison.core import views

    root = importlib.import_module(settings.ROOT_URLCONF)
    urlconf = types.ModuleType("urls_with_an_unlisted_url")
    urlconf.urlpatterns = [
        *root.urlpatterns,
        path("brand-new/", views.healthz, name="brand_new"),
        path("newapp/", include(([path("thing/", views.healthz, name="thing")], "newapp"))),
        path("people/", include(([path("extra/", views.healthz, name="extra")], "people"))),
        re_path(r"^nameless/$", views.healthz),
    ]
    missing = urls_without_a_row(URLResolver(RegexPattern(r"^/"), urlconf))
    assert missing == {"brand_new", "newapp:thing", "people:extra", "route:^nameless/$"}
    assert not urls_without_a_row()


def test_every_row_names_a_real_url():
    names = set(all_urls())
    stale = (set(ROWS) | set(NO_RECORD) | set(EXEMPT)) - names
    assert not stale, f"Rows for URLs that no longer exist: {sorted(stale)}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("relationship", RELATIONSHIPS)
@pytest.mark.parametrize("url_name", sorted(ROWS))
def test_access_matrix(client, world, role, relationship, url_name):
    row = ROWS[url_name]
    expected = row.table[role][relationship]
    household = family(world, relationship)
    client.force_login(getattr(world, role))
    url = reverse(url_name, args=row.args(world, household))
    if row.method == "post":
        response = client.post(url, row.data(world, household) if row.data else {})
    else:
        response = client.get(url)
    where = f"{role} → {relationship} {url_name} {url}"
    if expected == "ok":
        assert (
            response.status_code in (200, 302)
            if row.method == "post"
            else response.status_code == 200
        ), where
    elif expected == "reason":
        if url_name == "people:household":
            assert response.status_code == 200, where
            assert b'name="reason"' in response.content, where
            assert household.guardians.first().given_name.encode() not in response.content, where
        else:
            assert response.status_code == 302, where
            assert response["Location"] == row.reason_redirects_to(household), where
    elif expected == "404":
        assert response.status_code == 404, f"{where}: {response.status_code}"
    else:
        assert response.status_code == int(expected), f"{where}: {response.status_code}"


def _ask(client, world, role, url_name, household):
    row = ROWS[url_name]
    client.force_login(getattr(world, role))
    url = reverse(url_name, args=row.args(world, household))
    if row.method == "post":
        return url, client.post(url, row.data(world, household) if row.data else {})
    return url, client.get(url)


SUBJECT_ROWS = sorted(name for name, row in ROWS.items() if row.subject)


def test_every_page_of_one_concern_has_a_subject_row():
    """A concern's own pages (and its meetings') must say what the person it is about gets."""
    from tests.concerns.access import about_a_concern

    missing = {name for name, row in ROWS.items() if about_a_concern(row)} - set(SUBJECT_ROWS)
    assert not missing, f"Concern rows without a subject outcome: {sorted(missing)}"
    assert len(SUBJECT_ROWS) >= 11


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url_name", SUBJECT_ROWS)
def test_access_matrix_for_the_subject_of_a_concern(client, world, role, url_name):
    """Admin, site leader, liaison, teacher, interpreter: the person a concern is about gets 404 on
    it, in the family they otherwise see best, whatever the row would give them otherwise."""
    row = ROWS[url_name]
    household = family(world, SUBJECT_FAMILY[role])
    world.subject = getattr(world, role)
    url, response = _ask(client, world, role, url_name, household)
    where = f"{role} as subject, {url_name} {url}"
    assert response.status_code == int(row.subject), f"{where}: {response.status_code}"


@pytest.mark.parametrize("role", ["admin", "leader", "liaison"])
@pytest.mark.parametrize("url_name", SUBJECT_ROWS)
def test_the_same_concern_about_someone_else_opens(client, world, role, url_name):
    """The test of the test above: named someone else, the same page answers as the matrix says."""
    row = ROWS[url_name]
    relationship = SUBJECT_FAMILY[role]
    household = family(world, relationship)
    world.subject = world.interpreter
    url, response = _ask(client, world, role, url_name, household)
    expected = row.table[role][relationship]
    assert expected == "ok", url_name
    ok = (200, 302) if row.method == "post" else (200,)
    assert response.status_code in ok, f"{role}, {url_name} {url}: {response.status_code}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url_name", sorted(NO_RECORD))
def test_pages_without_a_family_record(client, world, role, url_name):
    client.force_login(getattr(world, role))
    response = client.get(reverse(url_name))
    assert response.status_code == NO_RECORD[url_name][role], (
        f"{role} {url_name}: {response.status_code}"
    )


SCOPE_CASES = [(label, page) for label, row in sorted(SCOPE_ROWS.items()) for page in row.pages]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("scope_row", "url_name"), SCOPE_CASES)
def test_scopes_asked_for_in_the_query_string(client, world, role, scope_row, url_name):
    """A scope (a liaison's caseload ...) answers alike on every page that reads it."""
    row = SCOPE_ROWS[scope_row]
    params = row.params(world)
    client.force_login(getattr(world, role))
    response = client.get(reverse(url_name), params)
    assert response.status_code == row.table[role], (
        f"{role} → {scope_row}: {url_name} {response.status_code}"
    )


# The community-resource directory (HSDS) belongs to the installation, not to one district: the
# districts an education service agency hosts share one region's services, as a 211 directory is
# shared. Its pages answer for a service "from" another district exactly as for any other.
SHARED_BY_THE_INSTALLATION = {
    "resources:service",
    "resources:service_edit",
    "resources:service_verify",
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url_name", sorted(ROWS))
def test_another_districts_records_are_404_for_every_role(client, world, far, role, url_name):
    """The relationship "another district", for every role and every URL that names a record: the
    record (a family, an event, an announcement, a referral ...) is made in another district the
    way the row makes it in the world's own, in the family the role sees best at home, and the
    answer is 404, as for a record that does not exist."""
    row = ROWS[url_name]
    household = family(far, SUBJECT_FAMILY[role])
    client.force_login(getattr(world, role))
    url = reverse(url_name, args=row.args(far, household))
    if row.method == "post":
        response = client.post(url, row.data(far, household) if row.data else {})
    else:
        response = client.get(url)
    where = f"{role} → {url_name} {url}: {response.status_code}"
    if url_name in SHARED_BY_THE_INSTALLATION:
        at_home = row.table[role][SUBJECT_FAMILY[role]]
        ok = (200, 302) if row.method == "post" else (200,)
        assert response.status_code in ((404,) if at_home == "404" else ok), where
    else:
        assert response.status_code == 404, where


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("scope_row", "url_name"), SCOPE_CASES)
def test_another_districts_scopes_are_404_for_every_role(
    client, world, far, role, scope_row, url_name
):
    """A scope (a site, a caseload ...) of another district asked for in the query string."""
    row = SCOPE_ROWS[scope_row]
    client.force_login(getattr(world, role))
    response = client.get(reverse(url_name), row.params(far))
    assert response.status_code == 404, f"{role} → {scope_row}: {url_name} {response.status_code}"
