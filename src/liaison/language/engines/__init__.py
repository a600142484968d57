"""Machine translation engines behind one interface, chosen per district."""

from django.conf import settings

from liaison.language.choices import EngineKind
from liaison.language.engines.apertium import Apertium
from liaison.language.engines.argos import Argos
from liaison.language.engines.base import Engine, EngineRefused, EngineUnavailable, NoEngine
from liaison.language.engines.http import Azure, DeepL, Google, LibreTranslate

ENGINES: dict[str, type[Engine]] = {
    EngineKind.NONE: NoEngine,
    EngineKind.ARGOS: Argos,
    EngineKind.APERTIUM: Apertium,
    EngineKind.LIBRETRANSLATE: LibreTranslate,
    EngineKind.AZURE: Azure,
    EngineKind.GOOGLE: Google,
    EngineKind.DEEPL: DeepL,
}

__all__ = ["ENGINES", "Engine", "EngineRefused", "EngineUnavailable", "engine_for"]


def engine_for(district) -> Engine:
    """The district's engine: its own settings row, else the site-wide LIAISON_TRANSLATION_* settings."""
    from liaison.language.models import DistrictLanguageSettings

    row = DistrictLanguageSettings.objects.filter(district=district).first() if district else None
    kind = row.engine if row else settings.LIAISON_TRANSLATION_ENGINE
    cls = ENGINES.get(kind, NoEngine)
    return cls(
        endpoint=(row.endpoint if row and row.endpoint else settings.LIAISON_TRANSLATION_URL),
        api_key=(row.api_key if row and row.api_key else settings.LIAISON_TRANSLATION_KEY),
        region=(row.region if row and row.region else settings.LIAISON_TRANSLATION_REGION),
        languages=row.engine_languages if row else (),
    )


def max_wait_seconds(district) -> int:
    from liaison.language.models import DistrictLanguageSettings

    row = DistrictLanguageSettings.objects.filter(district=district).first() if district else None
    if row and row.max_wait_minutes is not None:
        return row.max_wait_minutes * 60
    return settings.LIAISON_TRANSLATION_MAX_WAIT
