"""The Apertium engine: Debian's apertium and apertium-en-es, run for real (.ci/run installs them
through scripts/ensure-apertium and stops when it cannot)."""

import os
import shutil

import pytest

from liaison.language.engines import EngineRefused, EngineUnavailable, apertium, engine_for
from liaison.language.models import DistrictLanguageSettings
from liaison.language.rendering import MACHINE, UNTRANSLATED, render_message
from liaison.language.services import translate_for_staff


@pytest.fixture
def real_apertium():
    apertium.forget_modes()
    if shutil.which("apertium") is None or "eng-spa" not in apertium.installed_modes():
        pytest.fail("Apertium is missing: scripts/ensure-apertium installs apertium-en-es")
    yield
    apertium.forget_modes()


@pytest.fixture
def without_apertium(monkeypatch):
    apertium.forget_modes()
    monkeypatch.setenv("PATH", "/nonexistent")
    yield
    apertium.forget_modes()


def test_apertium_translates_english_and_spanish_both_ways(real_apertium):
    engine = apertium.Apertium()
    assert engine.supported_targets() == {"es", "en"}
    assert engine.can_translate("en", "es-MX") and engine.can_translate("es", "en")
    assert not engine.can_translate("en", "vi") and not engine.can_translate("vi", "en")
    school, thanks = engine.translate(
        ["School is closed tomorrow because of snow.\n\nStay warm!", "Thank you very much."],
        source="en",
        target="es",
    )
    assert "mañana" in school and "nieve" in school
    assert school.count("\n") == 2 and not school.endswith("\n")  # paragraphs kept, nothing added
    assert "gracias" in thanks.lower()
    [reply] = engine.translate(["Mañana no hay clases."], source="es", target="en")
    assert "Tomorrow" in reply and "classes" in reply
    # The glossary's protected terms come back as they went.
    [protected] = engine.translate(["Come to ⟦0⟧ on ⟦1⟧."], source="en", target="es")
    assert "⟦0⟧" in protected and "⟦1⟧" in protected
    with pytest.raises(EngineRefused, match="en→vi"):
        engine.translate(["Hi"], source="en", target="vi")


@pytest.mark.django_db
def test_a_district_on_apertium_sends_spanish_families_a_machine_translation(world, real_apertium):
    DistrictLanguageSettings.objects.create(district=world.district, engine="apertium")
    assert engine_for(world.district).kind == "apertium"
    out = render_message(
        district=world.district,
        subject="Snow day",
        body="School is closed tomorrow because of snow.",
        source_language="en",
        target_languages=["es", "vi"],
    )
    assert out["es"].method == MACHINE and not out["es"].needs_follow_up
    assert "nieve" in out["es"].body
    # A language Apertium has no pair for: the original with a note, flagged for a person.
    assert out["vi"].method == UNTRANSLATED and out["vi"].needs_follow_up


@pytest.mark.django_db
def test_staff_read_a_spanish_reply_in_english(world, real_apertium):
    DistrictLanguageSettings.objects.create(district=world.district, engine="apertium")
    said = translate_for_staff("Mi hija no va a la escuela mañana.", "es", "en", world.district)
    assert said.method == MACHINE
    assert "Tomorrow" in said.text or "tomorrow" in said.text


@pytest.mark.django_db
def test_without_the_program_the_engine_offers_nothing_and_families_get_the_note(
    world, without_apertium
):
    engine = apertium.Apertium()
    assert engine.supported_targets() == set()
    assert not engine.can_translate("en", "es")
    with pytest.raises(EngineRefused):
        engine.translate(["Hi"], source="en", target="es")
    DistrictLanguageSettings.objects.create(district=world.district, engine="apertium")
    out = render_message(
        district=world.district,
        subject="Hi",
        body="School is closed tomorrow.",
        source_language="en",
        target_languages=["es"],
    )
    assert out["es"].method == UNTRANSLATED and out["es"].needs_follow_up


def test_apertium_failing_makes_the_engine_unavailable(tmp_path, monkeypatch):
    """A pair installed but broken (a damaged dictionary): the message waits for the engine, then
    goes out as the original with a note, as with any engine that is down."""
    fake = tmp_path / "apertium"
    fake.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "-l" ]; then echo "  eng-spa"; exit 0; fi\n'
        "echo 'Error: could not read eng-spa.autogen.bin' >&2; exit 1\n"
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    apertium.forget_modes()
    try:
        engine = apertium.Apertium()
        assert engine.can_translate("en", "es")
        with pytest.raises(EngineUnavailable, match="autogen"):
            engine.translate(["Hi"], source="en", target="es")
    finally:
        apertium.forget_modes()


@pytest.mark.django_db
def test_an_admin_chooses_apertium_in_the_settings_only_where_it_is_installed(
    client, world, monkeypatch
):
    from django.urls import reverse

    client.force_login(world.admin)
    url = reverse("language:settings")
    apertium.forget_modes()
    if "eng-spa" not in apertium.installed_modes():
        pytest.fail("Apertium is missing: scripts/ensure-apertium installs apertium-en-es")
    page = client.get(url).content.decode()
    assert "Apertium (offline, on this server: English and Spanish)" in page
    client.post(url, {"engine": "apertium"})
    assert world.district.language_settings.engine == "apertium"
    monkeypatch.setenv("PATH", "/nonexistent")
    apertium.forget_modes()
    try:
        page = client.post(url, {"engine": "apertium"}).content.decode()
    finally:
        apertium.forget_modes()
    assert "Apertium is not installed on this server." in page


def test_a_program_installed_after_the_server_started_is_found(real_apertium, monkeypatch):
    """Not finding Apertium is not remembered: once the operator installs it, the running
    server's settings page and engine find it without a restart."""
    path = os.environ["PATH"]
    apertium.forget_modes()
    monkeypatch.setenv("PATH", "/nonexistent")
    assert apertium.installed_modes() == frozenset()
    monkeypatch.setenv("PATH", path)
    assert "eng-spa" in apertium.installed_modes()


def test_words_joined_by_a_hyphen_come_out_as_words_a_family_can_read(real_apertium):
    # eng-spa runs a hyphenated compound together: "Programadespuésescolar" on a Spanish family's
    # list of concern categories, "niñodecincoaños" in a message.
    engine = apertium.Apertium()
    program, child, mail = engine.translate(
        ["After-school program", "A five-year-old child.", "Send an e-mail to 617-555-0100."],
        source="en",
        target="es",
    )
    assert "después" in program.lower() and "programadespués" not in program.lower()
    assert "niño de cinco años" in child
    assert "email" in mail.replace("-", "") and "617-555-0100" in mail
