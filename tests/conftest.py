"""Shared fixtures: a small district with one family per relationship a staff member can have to it."""

import os
import shutil
from dataclasses import dataclass

import pytest

from liaison.people.choices import AssignmentRole, Role, SiteKind
from tests import factories as f
from tests.require_all import pytest_runtest_makereport  # noqa: F401 (CI: a skip is a failure)

os.environ.setdefault(
    "DJANGO_ALLOW_ASYNC_UNSAFE", "true"
)  # Playwright's sync API runs an event loop


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Real hashing costs ~0.3 s a password; tests create hundreds of accounts.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The live versions and what is kept under them (core/live.py: files in one folder) start
    # empty for each test, as the database does: a count kept by an earlier test under the same
    # person's id must not answer for this one's.
    live = settings.CACHES["live"]
    if live["BACKEND"].endswith("FileBasedCache"):
        settings.CACHES = {**settings.CACHES, "live": {**live, "LOCATION": str(tmp_path / "live")}}
    yield
    # A request served in another language leaves it active in this thread (LocaleMiddleware
    # does not undo it); the next test starts in the default language.
    from django.utils import translation

    translation.deactivate()


@dataclass
class World:
    district: object
    school: object
    other_school: object
    other_district: object
    # households
    caseload_family: object  # on the liaison's caseload, child at `school`
    site_family: object  # child at `school`, on nobody's caseload
    other_site_family: object  # child at `other_school` only
    taught_family: object  # child in the teacher's class at `school`
    interpreted_family: object  # assigned to the interpreter
    foreign_family: object  # in another district
    # staff
    admin: object
    leader: object
    liaison: object
    teacher: object
    interpreter: object
    outsider: object  # an account with no role at all


def _family(district, site, name, language="es"):
    household = f.HouseholdFactory(
        district=district, name=f"{name} household", home_languages=[language]
    )
    guardian = f.GuardianFactory(
        household=household,
        given_name=f"{name}Parent",
        family_name=name,
        preferred_language=language,
    )
    student = f.StudentFactory(household=household, given_name=f"{name}Child", family_name=name)
    f.EnrolmentFactory(student=student, site=site)
    guardian.student_links.create(student=student)
    return household


@pytest.fixture
def world(db) -> World:
    return make_world()


def make_world() -> World:
    """The world fixture's district; tests/core/test_page_cost.py builds it once for a module."""
    district = f.DistrictFactory(name="Testville Schools", slug="testville")
    school = f.SiteFactory(district=district, name="Alder Elementary")
    other_school = f.SiteFactory(district=district, name="Birch Middle")
    f.SiteFactory(district=district, name="Testville ECE", kind=SiteKind.EARLY_CHILDHOOD)
    other_district = f.DistrictFactory(name="Elsewhere Schools", slug="elsewhere")
    elsewhere_site = f.SiteFactory(district=other_district, name="Far School")
    return _people(
        district,
        school,
        other_school,
        other_district,
        lambda: _family(other_district, elsewhere_site, "Foreign", "en"),
    )


def make_world_in_another_district(world: World) -> World:
    """The same shape of district, staff and families, in `world`'s other district: the access
    matrix asks every role of `world` for every record of this one (all must be 404)."""
    district = world.other_district
    school = district.sites.get(name="Far School")
    other_school = f.SiteFactory(district=district, name="Far Middle")
    return _people(
        district, school, other_school, world.district, lambda: world.caseload_family, prefix="far-"
    )


def _people(district, school, other_school, other_district, foreign_family, prefix=""):
    """Staff and one family per relationship; `foreign_family()` makes (or names) the family in
    the other district, after the others so that factory sequences stay as they were."""

    def staff(username, role, site=None):
        user = f.UserFactory(username=prefix + username)
        f.MembershipFactory(user=user, district=district, site=site, role=role)
        return user

    admin = staff("admin", Role.DISTRICT_ADMIN)
    leader = staff("leader", Role.SITE_LEADER, school)
    liaison = staff("liaison", Role.LIAISON, school)
    teacher = staff("teacher", Role.TEACHER, school)
    interpreter = staff("interpreter", Role.INTERPRETER)
    outsider = f.UserFactory(username=prefix + "outsider")

    caseload_family = _family(district, school, "Caseload")
    site_family = _family(district, school, "Sitefamily", "vi")
    other_site_family = _family(district, other_school, "Othersite", "so")
    taught_family = _family(district, school, "Taught", "ar")
    interpreted_family = _family(district, other_school, "Interpreted", "ar")
    foreign = foreign_family()

    f.AssignmentFactory(staff=liaison, household=caseload_family)
    f.AssignmentFactory(
        staff=interpreter, household=interpreted_family, role=AssignmentRole.INTERPRETER
    )
    from liaison.people.models import ClassSection

    section = ClassSection.objects.create(site=school, title="Grade 3")
    section.teachers.add(teacher)
    section.students.add(*taught_family.students.all())
    return World(
        district,
        school,
        other_school,
        other_district,
        caseload_family,
        site_family,
        other_site_family,
        taught_family,
        interpreted_family,
        foreign,
        admin,
        leader,
        liaison,
        teacher,
        interpreter,
        outsider,
    )


# One Playwright for the whole session: the browser tests and the tests that drive a real server
# with it (tests/core/test_serve.py) share it (a second sync_playwright() in one process fails).
@pytest.fixture(scope="session")
def browser():
    from tests.browser import conftest as browser_conftest

    if not (os.path.exists(browser_conftest.CHROMIUM) or shutil.which(browser_conftest.CHROMIUM)):
        if os.environ.get("LIAISON_REQUIRE_BROWSER"):
            pytest.fail(
                f"Chromium is required for the browser tests but was not found at {browser_conftest.CHROMIUM}"
            )
        pytest.skip(
            f"Chromium not found at {browser_conftest.CHROMIUM} (Debian: apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=browser_conftest.CHROMIUM,
            headless=True,
            args=browser_conftest.CHROMIUM_ARGS,
        )
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def _migrated_template(tmp_path_factory):
    """A database migrated once for the session (per pytest-xdist worker), which own_database
    copies: `liaison migrate` on an empty database costs about 20 s of CPU, and a dozen tests
    start processes on a database of their own. The tests still run `migrate` as an operator
    would; it finds the schema in place. Built on first use."""
    from django.db import connection

    made: dict[str, str] = {}

    def template() -> str:
        if "url" in made:
            return made["url"]
        import subprocess

        from tests.processes import LIAISON, runner

        folder = tmp_path_factory.mktemp("migrated")
        if connection.vendor == "postgresql":
            name = _pg_name(connection, "migrated")
            _pg_recreate(connection, name)
            url = f"{_pg_base(connection)}/{name}"
        else:
            url = f"sqlite:///{folder / 'migrated.sqlite3'}"
        subprocess.run([*LIAISON, "migrate", "--no-input", "-v0"], **runner(url, folder))
        made["url"] = url
        return url

    yield template
    if "url" in made and connection.vendor == "postgresql":
        _pg_drop(connection, made["url"].rsplit("/", 1)[1])


def _pg_base(connection) -> str:
    params = connection.settings_dict
    return f"postgres://{params['USER']}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}"


def _pg_name(connection, suffix: str) -> str:
    return f"{connection.settings_dict['NAME']}_{suffix}"[:63]


def _pg_recreate(connection, name: str, template: str | None = None) -> None:
    import psycopg

    with psycopg.connect(f"{_pg_base(connection)}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


def _pg_drop(connection, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{_pg_base(connection)}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def own_database(request, tmp_path, _migrated_template):
    """A database that `liaison` commands in processes of their own share with the test (the
    test's own SQLite database is in memory): a file, or a PostgreSQL database named after the
    test module, dropped after it; migrated already (a copy of the session's migrated database),
    holding no rows of its own."""
    from django.db import connection

    module = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    template = _migrated_template()
    if connection.vendor != "postgresql":
        path = tmp_path / f"{module}.sqlite3"
        source = template.removeprefix("sqlite:///")
        shutil.copyfile(source, path)
        if os.path.exists(f"{source}-wal"):  # not folded into the file yet: part of the database
            shutil.copyfile(f"{source}-wal", f"{path}-wal")
        yield f"sqlite:///{path}"
        return
    name = _pg_name(connection, module)
    _pg_recreate(connection, name, template=template.rsplit("/", 1)[1])
    yield f"{_pg_base(connection)}/{name}"
    _pg_drop(connection, name)


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgresql` (what only PostgreSQL has) run in the PostgreSQL stage; on
    SQLite they are deselected, and pytest's summary counts them as such."""
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        return
    kept, dropped = [], []
    for item in items:
        (dropped if item.get_closest_marker("postgresql") else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
