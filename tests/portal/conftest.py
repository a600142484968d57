"""Fixtures: the loopback SMS gateway, and a client signed in as a family."""

import pytest

from tests.language.conftest import engine_server, libretranslate  # noqa: F401 (the engine)
from tests.portal.gateway import use_gateway


@pytest.fixture
def sms_gateway(settings):
    gateway = use_gateway(settings)
    yield gateway
    gateway.close()


@pytest.fixture
def family_client(client, world):
    """A client signed in as the caseload family's guardian (through the session, as sign-in does)."""
    from liaison.portal.session import SESSION_KEY

    guardian = world.caseload_family.guardians.first()
    session = client.session
    session[SESSION_KEY] = guardian.pk
    session.save()
    client.guardian = guardian
    return client


@pytest.fixture
def directory(db):
    """The resources app's hand-checked HSDS sample, imported."""
    from liaison.resources.hsds import importer
    from tests.resources.conftest import DATA

    report = importer.import_path(DATA / "sample")
    assert not report.problems
    return report
