"""The authorization matrix: every role × relationship to a family × every URL that shows one.

Rows come from each app's tests/<app>/access.py (see tests/access.py for the format). A URL in a
covered app's namespace without a row fails `test_every_url_has_a_row`.
"""

import importlib
import pkgutil

import pytest
from django.urls import get_resolver, reverse

import tests
from tests.access import RELATIONSHIPS, ROLES, family


def _modules():
    for info in pkgutil.iter_modules(tests.__path__):
        if info.ispkg:
            try:
                yield importlib.import_module(f"tests.{info.name}.access")
            except ModuleNotFoundError:
                continue


ROWS, NO_RECORD, EXEMPT = {}, {}, {}
for _m in _modules():
    ROWS.update(getattr(_m, "ROWS", {}))
    NO_RECORD.update(getattr(_m, "NO_RECORD", {}))
    EXEMPT.update(getattr(_m, "EXEMPT", {}))

COVERED_NAMESPACES = {name.split(":")[0] for name in [*ROWS, *NO_RECORD, *EXEMPT]}


def _url_names():
    resolver = get_resolver()
    for namespace in COVERED_NAMESPACES:
        sub = resolver.namespace_dict[namespace][1]
        for name in sub.reverse_dict:
            if isinstance(name, str):
                yield f"{namespace}:{name}"


def test_every_url_has_a_row():
    missing = set(_url_names()) - set(ROWS) - set(NO_RECORD) - set(EXEMPT)
    assert not missing, f"URLs without a row in the access matrix: {sorted(missing)}"


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


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url_name", sorted(NO_RECORD))
def test_pages_without_a_family_record(client, world, role, url_name):
    client.force_login(getattr(world, role))
    response = client.get(reverse(url_name))
    assert response.status_code == NO_RECORD[url_name][role], (
        f"{role} {url_name}: {response.status_code}"
    )
