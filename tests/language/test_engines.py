"""Each engine speaks its provider's documented API (checked against loopback servers), and Argos
without its package or models offers nothing rather than failing."""

import io
import sys
import textwrap

import pytest

from liaison.language.engines import EngineRefused, EngineUnavailable, argos, engine_for
from liaison.language.engines.http import Azure, DeepL, Google, LibreTranslate
from liaison.language.models import DistrictLanguageSettings
from liaison.language.rendering import MACHINE, UNTRANSLATED, render_message

# A tiny stand-in for the argostranslate package, with the calls the engine makes: installed
# languages know their translations; an installed package (translate-en_es.argosmodel) adds one
# pair; a translation marks the text with its target and upper-cases it.
FAKE_ARGOS = {
    "__init__.py": "",
    "package.py": """
        import json
        import pathlib
        import re

        STATE = pathlib.Path(__file__).with_name("installed.json")


        def install_from_path(path):
            match = re.fullmatch(r"translate-(\\w+)_(\\w+)\\.argosmodel", pathlib.Path(path).name)
            if match is None or pathlib.Path(path).read_bytes() != b"argos model":
                raise ValueError(f"not an Argos package: {path}")
            pairs = json.loads(STATE.read_text()) if STATE.exists() else []
            pairs.append(list(match.groups()))
            STATE.write_text(json.dumps(pairs))
    """,
    "translate.py": """
        import json

        from argostranslate.package import STATE


        class Translation:
            def __init__(self, from_lang, to_lang):
                self.from_lang, self.to_lang = from_lang, to_lang

            def translate(self, text):
                if text == "crash":
                    raise MemoryError("model ran out of memory")
                return f"[{self.to_lang.code}] {text.upper()}"


        class Language:
            def __init__(self, code):
                self.code = code
                self.translations_from = []

            def get_translation(self, to):
                for t in self.translations_from:
                    if t.to_lang.code == to.code:
                        return t
                return None


        def get_installed_languages():
            pairs = json.loads(STATE.read_text()) if STATE.exists() else []
            languages = {}
            for source, target in pairs:
                src = languages.setdefault(source, Language(source))
                dst = languages.setdefault(target, Language(target))
                src.translations_from.append(Translation(src, dst))
            return list(languages.values())
    """,
}


def _forget_argos():
    for name in [
        n for n in sys.modules if n == "argostranslate" or n.startswith("argostranslate.")
    ]:
        del sys.modules[name]


@pytest.fixture
def fake_argos(tmp_path, monkeypatch):
    """The stand-in argostranslate on sys.path, with no language package installed yet."""
    package = tmp_path / "site" / "argostranslate"
    package.mkdir(parents=True)
    for name, source in FAKE_ARGOS.items():
        (package / name).write_text(textwrap.dedent(source))
    _forget_argos()
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    yield package
    _forget_argos()


@pytest.fixture
def no_argos(monkeypatch):
    """argostranslate cannot be imported, whether or not this machine has it."""
    _forget_argos()
    for name in ("argostranslate", "argostranslate.translate", "argostranslate.package"):
        monkeypatch.setitem(sys.modules, name, None)


def _argos_model(folder, pair="en_es"):
    folder.mkdir(exist_ok=True)
    model = folder / f"translate-{pair}.argosmodel"
    model.write_bytes(b"argos model")
    return model


def test_libretranslate_request_shape(engine_server):
    engine = LibreTranslate(endpoint=engine_server.url, api_key="k-1")
    assert engine.translate(["Hello", "Bye"], source="en", target="zh-Hans") == [
        "[zh] Hello",
        "[zh] Bye",
    ]
    _method, path, body, _ = engine_server.translate_calls()[0]
    assert path == "/translate"
    assert body == {
        "q": ["Hello", "Bye"],
        "source": "en",
        "target": "zh",
        "format": "text",
        "api_key": "k-1",
    }


def test_azure_request_shape(engine_server):
    engine = Azure(endpoint=engine_server.url, api_key="az-key", region="eastus")
    assert engine.translate(["Hello"], source="en", target="zh-Hans") == ["[zh-Hans] Hello"]
    _method, path, body, headers = engine_server.translate_calls()[0]
    assert path.startswith("/translate?")
    assert "api-version=3.0" in path and "from=en" in path and "to=zh-Hans" in path
    assert body == [{"Text": "Hello"}]
    assert headers["Ocp-Apim-Subscription-Key"] == "az-key"
    assert headers["Ocp-Apim-Subscription-Region"] == "eastus"


def test_google_request_shape(engine_server):
    engine = Google(endpoint=engine_server.url, api_key="g-key")
    assert engine.translate(["Hello"], source="en", target="ht") == ["[ht] Hello"]
    _method, path, body, _ = engine_server.translate_calls()[0]
    assert path == "/language/translate/v2?key=g-key"
    assert body == {"q": ["Hello"], "source": "en", "target": "ht", "format": "text"}


def test_deepl_request_shape_and_languages_it_lacks(engine_server):
    engine = DeepL(endpoint=engine_server.url, api_key="d-key:fx")
    assert engine.translate(["Hello"], source="en", target="pt") == ["[pt-br] Hello"]
    _method, path, body, headers = engine_server.translate_calls()[0]
    assert path == "/v2/translate"
    assert body == {"text": ["Hello"], "source_lang": "EN", "target_lang": "PT-BR"}
    assert headers["Authorization"] == "DeepL-Auth-Key d-key:fx"
    assert not engine.can_translate("en", "so") and not engine.can_translate("en", "ht")
    assert engine.can_translate("en", "zh-Hans")


def test_large_batches_are_split_within_the_engine_limit(engine_server):
    engine = LibreTranslate(endpoint=engine_server.url)
    texts = [f"line {i}" for i in range(60)]
    assert engine.translate(texts, source="en", target="es") == [f"[es] {t}" for t in texts]
    assert [len(c[2]["q"]) for c in engine_server.translate_calls()] == [25, 25, 10]


def test_unreachable_engine_is_unavailable_and_unknown_language_is_refused(engine_server):
    with pytest.raises(EngineUnavailable):
        LibreTranslate(endpoint="http://127.0.0.1:9").translate(["Hi"], source="en", target="es")
    with pytest.raises(EngineRefused):
        LibreTranslate(endpoint=engine_server.url).translate(["Hi"], source="en", target="hmn")


def test_slow_engine_times_out(settings):
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    settings.LIAISON_TRANSLATION_TIMEOUT = 0.3
    accepted = []
    threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True).start()
    port = listener.getsockname()[1]
    with pytest.raises(EngineUnavailable):
        LibreTranslate(endpoint=f"http://127.0.0.1:{port}").translate(
            ["Hi"], source="en", target="es"
        )
    listener.close()


def test_argos_without_the_package_offers_no_language(no_argos):
    assert not argos.available()
    engine = argos.Argos()
    assert not engine.can_translate("en", "es")
    with pytest.raises(EngineRefused, match=r"liaison-schools\[argos\]"):
        argos.install_models(["/nonexistent/translate-en_es.argosmodel"])


@pytest.mark.django_db
def test_district_on_argos_without_models_sends_the_original_flagged(world, fake_argos):
    DistrictLanguageSettings.objects.create(district=world.district, engine="argos")
    assert engine_for(world.district).kind == "argos"
    out = render_message(
        district=world.district,
        subject="Hi",
        body="School is closed tomorrow.",
        source_language="en",
        target_languages=["es"],
    )
    assert out["es"].method == UNTRANSLATED and out["es"].needs_follow_up


@pytest.mark.django_db
def test_site_wide_engine_applies_to_districts_without_their_own_settings(world, settings):
    settings.LIAISON_TRANSLATION_ENGINE = "deepl"
    settings.LIAISON_TRANSLATION_KEY = "abc"
    engine = engine_for(world.district)
    assert engine.kind == "deepl" and engine.api_key == "abc"


def test_installing_models_without_argos_says_how_to_get_it(tmp_path, no_argos):
    from django.core.management import CommandError, call_command

    model = tmp_path / "translate-en_es.argosmodel"
    model.write_bytes(b"not really a model")
    with pytest.raises(CommandError, match=r"liaison-schools\[argos\]"):
        call_command("install_argos_models", str(tmp_path))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(CommandError, match=r"No \.argosmodel"):
        call_command("install_argos_models", str(empty))


def test_argos_translates_with_the_packages_installed_from_files(fake_argos, tmp_path):
    from django.core.management import call_command

    engine = argos.Argos()
    assert argos.available()
    assert not engine.can_translate("en", "es")  # the library, but no package yet
    call_command("install_argos_models", str(_argos_model(tmp_path / "models")))
    assert engine.supported_targets() == {"es"}
    assert engine.can_translate("en", "es-MX")
    assert not engine.can_translate("en", "fr")
    assert engine.translate(["School is closed", "Bring a coat"], source="en", target="es") == [
        "[es] SCHOOL IS CLOSED",
        "[es] BRING A COAT",
    ]
    with pytest.raises(EngineRefused, match="en→fr"):
        engine.translate(["Hi"], source="en", target="fr")
    with pytest.raises(EngineUnavailable, match="out of memory"):
        engine.translate(["crash"], source="en", target="es")


@pytest.mark.django_db
def test_district_on_argos_sends_families_the_machine_translation(world, fake_argos, tmp_path):
    argos.install_models([_argos_model(tmp_path / "models")])
    DistrictLanguageSettings.objects.create(district=world.district, engine="argos")
    out = render_message(
        district=world.district,
        subject="Hi",
        body="School is closed tomorrow.",
        source_language="en",
        target_languages=["es"],
    )
    assert out["es"].method == MACHINE
    assert "[es] SCHOOL IS CLOSED TOMORROW." in out["es"].body


def test_a_damaged_model_file_is_named_and_the_good_ones_are_installed(fake_argos, tmp_path):
    from django.core.management import CommandError, call_command

    folder = tmp_path / "models"
    _argos_model(folder, "en_es")
    (folder / "translate-en_fr.argosmodel").write_bytes(b"\x00truncated download")
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"translate-en_fr\.argosmodel is damaged"):
        call_command("install_argos_models", str(folder), stdout=out)
    assert "installed" in out.getvalue() and "translate-en_es.argosmodel" in out.getvalue()
    engine = argos.Argos()
    assert engine.can_translate("en", "es") and not engine.can_translate("en", "fr")
