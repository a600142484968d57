"""The language pages as staff use them."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from liaison.language.models import (
    GlossaryTerm,
    Interpreter,
    InterpreterRequest,
    MessageTemplate,
    TemplateTranslation,
    TranslationMemory,
)
from liaison.people.models import Household
from tests import factories as f


@pytest.mark.django_db
def test_preview_shows_each_language_and_a_correction_is_saved_and_reused(
    client, world, libretranslate
):
    client.force_login(world.liaison)
    data = {
        "subject": "Picture day",
        "body": "Picture day is on Friday.",
        "source_language": "en",
        "languages": ["es", "ar", "so"],
    }
    page = client.post(reverse("language:preview"), data).content.decode()
    assert "[es] Picture day is on Friday." in page
    assert 'lang="ar" dir="rtl"' in page
    assert "Weli ma aanu turjumi karin" in page  # Somali: no engine, the note shows
    card = client.post(
        reverse("language:correct"),
        {
            "language": "es",
            "source_language": "en",
            "source_subject": "Picture day",
            "source_body": "Picture day is on Friday.",
            "subject": "Día de fotos",
            "body": "El día de fotos es el viernes.",
        },
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "Approved translation" in card and "El día de fotos es el viernes." in card
    row = TranslationMemory.objects.get(
        target_language="es", source_text="Picture day is on Friday."
    )
    assert row.approved_by == world.liaison
    calls = len(libretranslate.translate_calls())
    again = client.post(reverse("language:preview"), {**data, "languages": ["es"]}).content.decode()
    assert "El día de fotos es el viernes." in again
    assert len(libretranslate.translate_calls()) == calls


@pytest.mark.django_db
def test_preview_keeps_what_was_typed_when_no_language_is_chosen(client, world):
    client.force_login(world.liaison)
    page = client.post(
        reverse("language:preview"),
        {"subject": "Picture day", "body": "Bring a smile", "source_language": "en"},
    ).content.decode()
    assert "Choose at least one language to preview." in page
    assert "Bring a smile" in page


@pytest.mark.django_db
def test_translator_approves_a_template_translation_and_placeholders_are_checked(client, world):
    template = MessageTemplate.objects.get(slug="early_dismissal", district=None)
    url = reverse("language:template", args=[template.pk])
    client.force_login(world.interpreter)
    page = client.get(url).content.decode()
    assert "Draft: counted as machine translated" in page
    shipped = TemplateTranslation.objects.get(template=template, district=None, language="ar")
    bad = client.post(
        url,
        {"language": "ar", "t-ar-subject": shipped.subject, "t-ar-body": "بدون متغيرات"},
    ).content.decode()
    assert "Keep every placeholder of the original" in bad
    client.post(url, {"language": "ar", "t-ar-subject": shipped.subject, "t-ar-body": shipped.body})
    approved = TemplateTranslation.objects.get(template=template, district=world.district)
    assert approved.status == "approved" and approved.approved_by == world.interpreter
    assert "Approved by" in client.get(url).content.decode()


@pytest.mark.django_db
def test_glossary_terms_are_added_with_fixed_translations_and_removed(client, world):
    client.force_login(world.liaison)
    response = client.post(
        reverse("language:glossary"),
        {
            "term": "IEP",
            "note": "",
            "translations_text": "es: IEP (Programa de Educación Individualizado)\nzz-bad: x",
        },
    )
    assert "Line 2" in response.content.decode()
    client.post(
        reverse("language:glossary"),
        {"term": "IEP", "translations_text": "es: IEP (Programa de Educación Individualizado)"},
    )
    term = GlossaryTerm.objects.get(district=world.district)
    assert term.translations == {"es": "IEP (Programa de Educación Individualizado)"}
    other = f.DistrictFactory(slug="other-glossary")
    foreign = GlossaryTerm.objects.create(district=other, term="ELL")
    assert client.post(reverse("language:glossary_delete", args=[foreign.pk])).status_code == 404
    client.post(reverse("language:glossary_delete", args=[term.pk]))
    assert not GlossaryTerm.objects.filter(district=world.district).exists()


@pytest.mark.django_db
def test_settings_need_an_address_for_libretranslate_and_a_key_for_cloud_engines(client, world):
    client.force_login(world.admin)
    page = client.post(reverse("language:settings"), {"engine": "libretranslate"}).content.decode()
    assert "Give the address of your LibreTranslate server." in page
    page = client.post(reverse("language:settings"), {"engine": "deepl"}).content.decode()
    assert "This engine needs an API key." in page
    client.post(
        reverse("language:settings"),
        {
            "engine": "libretranslate",
            "endpoint": "http://127.0.0.1:5000",
            "engine_languages_text": "es, ar",
        },
    )
    assert world.district.language_settings.engine_languages == ["es", "ar"]


@pytest.mark.django_db
def test_memory_rows_of_another_district_are_not_found(client, world):
    other = f.DistrictFactory(slug="other-memory")
    row = TranslationMemory.objects.create(
        district=other,
        source_language="en",
        target_language="es",
        source_hash="x",
        source_text="Hi",
        text="Hola",
        status="machine",
    )
    client.force_login(world.admin)
    assert client.get(reverse("language:memory_edit", args=[row.pk])).status_code == 404
    mine = TranslationMemory.objects.create(
        district=world.district,
        source_language="en",
        target_language="es",
        source_hash="y",
        source_text="Bye",
        text="Adiós",
        status="machine",
        needs_review=True,
    )
    assert "Adiós" in client.get(reverse("language:memory")).content.decode()
    client.post(reverse("language:memory_edit", args=[mine.pk]), {"text": "Hasta luego"})
    mine.refresh_from_db()
    assert mine.status == "approved" and mine.text == "Hasta luego" and not mine.needs_review


@pytest.mark.django_db
def test_an_assigned_interpreter_sees_the_family_and_confirms_and_sees_nothing_else(client, world):
    arabic = f.UserFactory(username="arabic-interpreter")
    f.MembershipFactory(user=arabic, district=world.district, site=None, role="interpreter")
    client.force_login(world.leader)
    response = client.post(
        reverse("language:interpreter_new"),
        {
            "name": "Layla Haddad",
            "kind": "staff",
            "user": arabic.pk,
            "languages_text": "ar, fr",
            "modes": ["phone", "in_person"],
            "phone": "617-555-0142",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    interpreter = Interpreter.objects.get(name="Layla Haddad")
    assert interpreter.phone == "+16175550142"
    family = world.taught_family  # Arabic, child at the leader's school
    starts = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    client.post(
        reverse("language:request_new", args=[family.pk]),
        {
            "language": "ar",
            "mode": "phone",
            "purpose": "meeting",
            "starts_at": starts,
            "minutes": 45,
        },
    )
    req = InterpreterRequest.objects.get(household=family)
    assert "Layla Haddad" in client.get(reverse("language:request", args=[req.pk])).content.decode()
    # Before assignment the interpreter cannot open the family.
    client.force_login(arabic)
    assert client.get(family.get_absolute_url()).status_code == 404
    client.force_login(world.leader)
    client.post(
        reverse("language:request", args=[req.pk]),
        {"action": "assign", "interpreter": interpreter.pk},
    )
    client.force_login(arabic)
    assert client.get(family.get_absolute_url()).status_code == 200
    assert list(Household.objects.visible_to(arabic)) == [family]
    client.post(reverse("language:request", args=[req.pk]), {"action": "confirm"})
    req.refresh_from_db()
    assert req.status == "confirmed" and req.confirmed_at
    assert (
        client.get(reverse("language:requests")).content.decode().count("language/requests/") >= 1
    )


@pytest.mark.django_db
def test_a_request_in_the_past_is_refused_with_what_was_typed_kept(client, world):
    client.force_login(world.liaison)
    page = client.post(
        reverse("language:request_new", args=[world.caseload_family.pk]),
        {
            "language": "es",
            "mode": "video",
            "purpose": "concern",
            "starts_at": "2020-01-01T10:00",
            "minutes": 30,
            "location": "Room 12",
        },
    ).content.decode()
    assert "Choose a time in the future." in page and "Room 12" in page


@pytest.mark.django_db
def test_the_language_pages_name_each_language_in_words_never_by_its_tag(client, world):
    """A translator reads "Spanish — español" and "Original (English)", not "(es)" or "en → "."""
    import re

    template = MessageTemplate.objects.get(slug="early_dismissal", district=None)
    row = TranslationMemory.objects.create(
        district=world.district,
        source_language="en",
        target_language="es",
        source_hash="z",
        source_text="Bring a coat",
        text="Traiga un abrigo",
        status="machine",
        needs_review=True,
    )
    client.force_login(world.admin)
    pages = {
        "template": client.get(reverse("language:template", args=[template.pk])),
        "memory": client.get(reverse("language:memory")),
        "memory_edit": client.get(reverse("language:memory_edit", args=[row.pk])),
        "preview": client.post(
            reverse("language:preview"),
            {
                "subject": "Coats",
                "body": "Bring a coat",
                "source_language": "en",
                "languages": ["es"],
            },
        ),
    }
    tag = re.compile(r"\((?:en|es|ar|so|vi|zh-Hans)\)|>\s*en →")
    for name, response in pages.items():
        html = response.content.decode()
        assert not tag.findall(html), name
    assert "Spanish — español</h2>" in pages["template"].content.decode()
    assert "Spanish — español</h4>" in pages["preview"].content.decode()
    assert 'Original <span class="meta">(English)</span>' in pages["template"].content.decode()
    assert "English → Spanish" in pages["memory"].content.decode()
