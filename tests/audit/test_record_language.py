"""The readable record (record.pdf) in the family's language: its headings, the names of what it
holds, the kinds of entry and who opened it, with record.json keeping the codes."""

import re

from django.urls import reverse
from django.utils import translation

from liaison.audit import record_words as W
from liaison.audit.pdf import _Words
from liaison.audit.services import household_record
from tests.audit.test_record import _download, build_record, pdf_text


def _keys(value, found: set[str]) -> set[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            found.add(key)
            _keys(inner, found)
    elif isinstance(value, list):
        for inner in value:
            _keys(inner, found)
    return found


def test_every_key_of_every_section_has_words_for_the_family(world):
    """A key an app adds to its part of the record must be named in record_words, or the PDF
    shows it as an English field name in every language."""
    household = world.caseload_family
    build_record(household, by=world.liaison)
    data = household_record(household, viewer=world.liaison)
    keys = _keys([s["entries"] for s in data["sections"].values()], set())
    unnamed = sorted(k for k in keys if k not in W.KEYS and not _Words.hidden(_Words, k, None))
    assert unnamed == []
    kinds = {
        entry.get("type") or entry.get("kind")
        for section in data["sections"].values()
        for entry in section["entries"]
    }
    assert {"household", "concern", "contact", "referral", "invitation"} <= kinds


def test_a_spanish_speaking_family_gets_its_record_in_spanish(client, world, tmp_path):
    household = world.caseload_family
    build_record(household, by=world.liaison)
    first, *others = household.guardians.order_by("pk")
    # The parent entered first reads English, the others Spanish, and the household speaks
    # Spanish first: its first home language decides.
    first.preferred_language = "en"
    first.save()
    household.guardians.filter(pk__in=[g.pk for g in others]).update(preferred_language="es")
    household.home_languages = ["es", "en"]
    household.save()
    client.force_login(world.liaison)
    page = client.get(reverse("audit:household_export", args=[household.pk]))
    assert re.search(rb'<option value="es" selected>\s*Spanish', page.content)
    archive = _download(client, household, language="es")
    text = pdf_text(archive.read("record.pdf"), tmp_path)
    for words in [
        f"Expediente de la familia: {household.name}",
        "Idioma preferido: español",
        "Idioma preferido: inglés",
        "Contacto restringido: Sí",
        "Nombre de pila:",
        "Quién abrió este expediente",
        "Divulgaciones de este expediente",
        "lo exportó",
        "Qué es: Inquietud",
        "Picture day is Friday",  # what people wrote stays as they wrote it
    ]:
        assert words in text, words
    for english in [
        "Family record",
        "Preferred language",
        "Given name",
        "Who opened",
        "Contact restricted",
        "Yes",
        "Type:",
        "What it is",
    ]:
        assert english not in text, english
    assert not re.findall(r"\b[a-z]+_[a-z_]+\b", text)
    # record.json is for machines: the same codes whatever the PDF's language.
    json_text = archive.read("record.json").decode()
    assert '"preferred_language": "es"' in json_text


def test_a_language_the_record_has_no_words_for_is_not_offered(client, world):
    """Vietnamese has the portal's words but not the record's: the export offers English and
    Spanish, and a Vietnamese-speaking family's copy starts in the staff member's language."""
    household = world.caseload_family
    for guardian in household.guardians.all():
        guardian.preferred_language = "vi"
        guardian.save()
    household.home_languages = ["vi"]
    household.save()
    assert W.pdf_languages() == ("en", "es")
    client.force_login(world.liaison)
    url = reverse("audit:household_export", args=[household.pk])
    page = client.get(url)
    assert re.search(rb'<option value="en" selected>', page.content)
    assert b'value="vi"' not in page.content
    with translation.override("es"):
        page = client.get(url, headers={"accept-language": "es"})
    assert re.search(rb'<option value="es" selected>', page.content)
    response = client.post(url, {"recipient": "Lan", "purpose": "Her request", "language": "vi"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"Select a valid choice" in response.content
