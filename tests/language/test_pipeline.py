"""The translation pipeline: memory first, templates, the engine with the glossary protected, and the
original with a translated note when nothing can translate."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from liaison.language import phrases, services
from liaison.language.models import (
    DistrictLanguageSettings,
    GlossaryTerm,
    RenderRecord,
    TranslationMemory,
)
from liaison.language.rendering import (
    APPROVED,
    MACHINE,
    ORIGINAL,
    UNTRANSLATED,
    TranslationDelayed,
    render_message,
)

ELEVEN = ["en", "es", "ar", "zh-Hans", "vi", "ht", "so", "pt", "ru", "fr", "ko"]
SUBJECT = "Family night"
BODY = "Join us for family night. Bring the whole family!"


def send(world, languages, subject=SUBJECT, body=BODY, **kwargs):
    return render_message(
        district=world.district,
        subject=subject,
        body=body,
        source_language="en",
        target_languages=languages,
        **kwargs,
    )


@pytest.mark.django_db
def test_eleven_languages_are_each_rendered_once_whatever_the_number_of_recipients(
    world, libretranslate
):
    recipients = [lang for lang in ELEVEN for _ in range(3)]  # three guardians per language
    out = send(world, recipients)
    assert list(out) == ELEVEN
    calls = libretranslate.translate_calls()
    # One engine request per language the engine offers, carrying subject and body together.
    targets = [c[2]["target"] for c in calls]
    assert sorted(targets) == sorted(["es", "ar", "zh", "vi", "pt", "ru", "fr", "ko"])
    assert all(c[2]["q"] == [SUBJECT, BODY] for c in calls)
    assert out["en"].method == ORIGINAL
    assert out["es"].method == MACHINE
    assert out["es"].body == f"[es] {BODY}"
    assert out["es"].note == "Traducción automática"
    assert out["ar"].family_text.endswith("(ترجمة آلية)")
    # One record per language, counting its recipients.
    assert RenderRecord.objects.filter(district=world.district).count() == 11
    assert set(RenderRecord.objects.values_list("recipients", flat=True)) == {3}


@pytest.mark.django_db
def test_approved_translation_is_used_without_calling_the_engine(world, libretranslate):
    for source, text in [(SUBJECT, "Noche familiar"), (BODY, "Acompáñenos en la noche familiar.")]:
        services.approve_translation(
            district=world.district,
            source_language="en",
            target_language="es",
            source_text=source,
            text=text,
            by=world.liaison,
        )
    out = send(world, ["es", "es"])
    assert libretranslate.translate_calls() == []
    assert out["es"].method == APPROVED
    assert out["es"].subject == "Noche familiar"
    assert out["es"].body == "Acompáñenos en la noche familiar."
    assert out["es"].note == ""


@pytest.mark.django_db
def test_machine_translations_are_cached_so_a_second_send_calls_no_engine(world, libretranslate):
    send(world, ["es", "vi"])
    assert len(libretranslate.translate_calls()) == 2
    again = send(world, ["es", "vi"])
    assert len(libretranslate.translate_calls()) == 2
    assert again["vi"].method == MACHINE
    assert TranslationMemory.objects.filter(status="machine").count() == 4


@pytest.mark.django_db
def test_names_dates_times_links_and_glossary_terms_pass_through_the_engine_unchanged(
    world, libretranslate
):
    GlossaryTerm.objects.create(
        district=world.district,
        term="IEP",
        translations={"es": "IEP (Programa de Educación Individualizado)"},
    )
    body = (
        "Dear Amira Haddad, the IEP meeting for Omar is at Alder Elementary on 12/3 at 3:30 PM. "
        "Details: https://example.org/iep?x=1 or call +1 617-555-0123."
    )
    out = send(
        world, ["es", "fr"], subject="IEP meeting", body=body, context={"guardian": "Amira Haddad"}
    )
    sent = [c[2]["q"][1] for c in libretranslate.translate_calls()]
    for protected in ["IEP", "Alder Elementary", "12/3", "3:30 PM", "https://", "617", "Amira"]:
        assert all(protected not in text for text in sent), protected
    es, fr = out["es"].body, out["fr"].body
    assert "IEP (Programa de Educación Individualizado)" in es
    for kept in [
        "Amira Haddad",
        "Alder Elementary",
        "12/3",
        "3:30 PM",
        "https://example.org/iep?x=1",
        "+1 617-555-0123",
    ]:
        assert kept in es and kept in fr
    assert "IEP" in fr and "Programa" not in fr


@pytest.mark.django_db
def test_engine_down_holds_the_message_then_sends_it_when_the_engine_is_back(world, libretranslate):
    libretranslate.down = True
    with pytest.raises(TranslationDelayed) as delayed:
        send(world, ["en", "es"])
    assert delayed.value.retry_after > 0
    assert RenderRecord.objects.count() == 0  # nothing went out half-done
    libretranslate.down = False
    out = send(world, ["en", "es"])
    assert out["es"].method == MACHINE
    assert RenderRecord.objects.count() == 2


@pytest.mark.django_db
def test_engine_down_longer_than_the_wait_sends_the_original_with_a_translated_note(
    world, libretranslate
):
    DistrictLanguageSettings.objects.filter(district=world.district).update(max_wait_minutes=30)
    libretranslate.down = True
    start = timezone.now()
    with pytest.raises(TranslationDelayed):
        send(world, ["es"])
    with time_machine.travel(start + dt.timedelta(minutes=10)), pytest.raises(TranslationDelayed):
        send(world, ["es"])
    with time_machine.travel(start + dt.timedelta(minutes=31)):
        out = send(world, ["es"])
    assert out["es"].method == UNTRANSLATED
    assert out["es"].needs_follow_up
    assert out["es"].body == BODY
    assert out["es"].note == phrases.UNTRANSLATED_NOTE["es"]
    assert out["es"].family_text.startswith("Todavía no pudimos traducir")


@pytest.mark.django_db
def test_a_language_the_engine_lacks_gets_the_original_flagged_with_a_note_in_that_language(
    world, libretranslate
):
    out = send(world, ["ht", "so", "es"])
    assert [c[2]["target"] for c in libretranslate.translate_calls()] == ["es"]
    for tag in ["ht", "so"]:
        assert out[tag].method == UNTRANSLATED
        assert out[tag].needs_follow_up
        assert out[tag].body == BODY
    assert out["ht"].note.startswith("Nou poko ka tradui mesaj sa a")
    assert out["so"].note.startswith("Weli ma aanu turjumi karin")
    assert {r.language for r in RenderRecord.objects.filter(needs_follow_up=True)} == {"ht", "so"}


@pytest.mark.django_db
def test_without_an_engine_only_approved_translations_go_out(world):
    services.approve_translation(
        district=world.district,
        source_language="en",
        target_language="vi",
        source_text=SUBJECT,
        text="Đêm gia đình",
        by=world.admin,
    )
    services.approve_translation(
        district=world.district,
        source_language="en",
        target_language="vi",
        source_text=BODY,
        text="Mời cả gia đình đến dự đêm gia đình!",
        by=world.admin,
    )
    out = send(world, ["vi", "es"])
    assert out["vi"].method == APPROVED
    assert out["es"].method == UNTRANSLATED


@pytest.mark.django_db
def test_a_corrected_translation_replaces_the_machine_one_and_records_who_and_when(
    world, libretranslate
):
    send(world, ["es"])
    services.correct_rendering(
        district=world.district,
        source_language="en",
        language="es",
        source_subject=SUBJECT,
        source_body=BODY,
        subject="Noche de familias",
        body="¡Vengan todos a la noche de familias!",
        by=world.liaison,
    )
    row = TranslationMemory.objects.get(target_language="es", source_text=BODY)
    assert row.status == "approved" and row.approved_by == world.liaison and row.approved_at
    calls = len(libretranslate.translate_calls())
    out = send(world, ["es"])
    assert out["es"].method == APPROVED
    assert out["es"].body == "¡Vengan todos a la noche de familias!"
    assert len(libretranslate.translate_calls()) == calls
