"""Fields staff write for families go through the pipeline once per text and language."""

import pytest

from liaison.language.fields import translate_object
from liaison.language.models import FieldTranslation
from liaison.language.services import approve_translation
from tests.events.factories import EventFactory


@pytest.fixture
def event(world):
    return EventFactory(district=world.district, title="Family math night", description="")


def _title(event, language="es"):
    return translate_object(
        event, ["title", "description"], language, source_language="en", district=event.district
    )


def test_a_title_is_machine_translated_once_and_cached(world, event, libretranslate):
    first = _title(event)["title"]
    assert (first.text, first.method, first.marker) == (
        "[es] Family math night",
        "machine",
        "Traducción automática",
    )
    calls = len(libretranslate.calls)
    assert _title(event)["title"].text == "[es] Family math night"
    assert len(libretranslate.calls) == calls
    assert FieldTranslation.objects.get(field="title", language="es").method == "machine"


def test_an_empty_field_and_the_events_own_language_are_left_as_they_are(world, event):
    texts = _title(event, "en")
    assert texts["title"].text == "Family math night" and texts["title"].method == "original"
    assert _title(event)["description"].text == ""


def test_an_approved_translation_wins_over_a_cached_machine_one(world, event, libretranslate):
    _title(event)
    approve_translation(
        district=world.district,
        source_language="en",
        target_language="es",
        source_text="Family math night",
        text="Noche de matemáticas en familia",
        by=world.liaison,
    )
    title = _title(event)["title"]
    assert (title.text, title.method, title.marker) == (
        "Noche de matemáticas en familia",
        "approved",
        "",
    )


def test_without_an_engine_the_original_is_shown_and_flagged(world, event):
    title = _title(event)["title"]
    assert (title.text, title.method, title.language) == ("Family math night", "untranslated", "en")
    assert title.needs_follow_up


def test_untranslated_is_asked_again_once_an_engine_is_set_up(world, event, engine_server):
    import datetime as dt

    import time_machine

    from liaison.language.models import DistrictLanguageSettings

    assert _title(event)["title"].method == "untranslated"
    DistrictLanguageSettings.objects.create(
        district=world.district, engine="libretranslate", endpoint=engine_server.url
    )
    assert _title(event)["title"].method == "untranslated"  # kept for a while: no engine call
    assert engine_server.calls == []
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)):
        assert _title(event)["title"].text == "[es] Family math night"
