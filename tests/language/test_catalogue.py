"""The staff interface in Spanish: the catalogue is complete and the pages use it."""

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import liaison

PO = Path(liaison.__file__).parent / "locale" / "es" / "LC_MESSAGES" / "django.po"


def test_every_string_of_the_spanish_catalogue_is_translated():
    catalogue = read_po(PO.open("rb"))
    missing = [
        m.id
        for m in catalogue
        if m.id
        and ("fuzzy" in m.flags or not (all(m.string) if isinstance(m.string, tuple) else m.string))
    ]
    assert missing == []
    assert PO.with_suffix(".mo").exists()


@pytest.mark.django_db
def test_a_staff_member_reading_spanish_gets_spanish_pages(client, world):
    client.force_login(world.liaison)
    page = client.get("/language/", headers={"accept-language": "es"}).content.decode()
    assert "Acceso lingüístico" in page
    assert "Familias que no entendieron un mensaje" in page
