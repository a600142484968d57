"""Argos Translate, offline on this server, with language packages the operator provides.

argostranslate (and CTranslate2) is an optional extra: `pip install 'liaison-schools[argos]'`. Packages are
installed from `.argosmodel` files with `liaison install_argos_models DIR` into Argos's own folder
(ARGOS_TRANSLATE_PACKAGE_DIR, else ~/.local/share/argos-translate/packages); Liaison never calls
Argos's package index. Without the library or a package for a pair, the engine offers nothing and
messages fall back to the original with a translated note.
"""

import importlib

from liaison.core.i18n import base_language
from liaison.language.engines.base import Engine, EngineRefused, EngineUnavailable


def _argos():
    try:
        return importlib.import_module("argostranslate.translate")
    except ImportError:
        return None


def available() -> bool:
    return _argos() is not None


def install_models(paths) -> list[str]:
    """Install .argosmodel files; returns the file names installed. Never touches the network."""
    try:
        package = importlib.import_module("argostranslate.package")
    except ImportError:
        raise EngineRefused(
            "Argos Translate is not installed: pip install 'liaison-schools[argos]'"
        ) from None
    done, damaged = [], []
    for path in paths:
        try:
            package.install_from_path(str(path))
        except Exception as exc:  # a truncated download, another file renamed .argosmodel
            damaged.append((str(path), str(exc) or type(exc).__name__))
        else:
            done.append(str(path))
    if damaged:
        raise DamagedModels(done, damaged)
    return done


class DamagedModels(EngineRefused):
    """Some model files could not be installed; the others were."""

    def __init__(self, done: list[str], damaged: list[tuple[str, str]]):
        self.done, self.damaged = done, damaged
        super().__init__(
            "; ".join(f"{path} is damaged or not an Argos package ({why})" for path, why in damaged)
        )


def models_folder() -> str:
    """Where Argos keeps installed packages: ARGOS_TRANSLATE_PACKAGE_DIR, else its own default
    (~/.local/share/argos-translate/packages of the user Liaison runs as)."""
    try:
        return str(importlib.import_module("argostranslate.settings").package_data_dir)
    except (ImportError, AttributeError):
        return "ARGOS_TRANSLATE_PACKAGE_DIR, or ~/.local/share/argos-translate/packages"


class Argos(Engine):
    kind = "argos"
    batch_size = 10

    def _languages(self):
        translate = _argos()
        if translate is None:
            return None
        return {lang.code: lang for lang in translate.get_installed_languages()}

    def supported_targets(self):
        languages = self._languages()
        if not languages:
            return set()
        targets = set()
        for lang in languages.values():
            for t in getattr(lang, "translations_from", []):
                targets.add(base_language(t.to_lang.code))
        return targets

    def can_translate(self, source, target):
        languages = self._languages()
        if not languages or not super().can_translate(source, target):
            return False
        src = languages.get(base_language(source))
        dst = languages.get(base_language(target))
        return bool(src and dst and src.get_translation(dst))

    def _translate(self, texts, *, source, target):
        languages = self._languages()
        if not languages:
            raise EngineRefused("Argos Translate is not installed")
        src = languages.get(base_language(source))
        dst = languages.get(base_language(target))
        translation = src.get_translation(dst) if src and dst else None
        if translation is None:
            raise EngineRefused(f"no Argos package for {source}→{target}")
        try:
            return [translation.translate(t) for t in texts]
        except Exception as exc:  # the model failed to run (memory, corrupt file)
            raise EngineUnavailable(f"Argos failed: {exc}") from exc
