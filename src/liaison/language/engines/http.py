"""Engines reached over HTTP: LibreTranslate, Azure AI Translator, Google Cloud Translation, DeepL.

Each speaks its provider's documented REST API with urllib; tests point them at loopback servers
that answer in the same formats.
"""

import time
import urllib.parse

from liaison.core.i18n import base_language
from liaison.language.engines.base import Engine, EngineUnavailable

_LANGUAGES_CACHE: dict[str, tuple[float, set[str]]] = {}
LANGUAGES_TTL = 600  # seconds a LibreTranslate server's language list is trusted


class LibreTranslate(Engine):
    """POST /translate {"q": [...], "source", "target", "format": "text"} → {"translatedText": [...]}."""

    kind = "libretranslate"

    @staticmethod
    def code(tag: str) -> str:
        return base_language(tag)  # LibreTranslate names Simplified Chinese "zh"

    def supported_targets(self):
        cached = _LANGUAGES_CACHE.get(self.endpoint)
        if cached and time.monotonic() - cached[0] < LANGUAGES_TTL:
            return cached[1]
        answer = self.request(f"{self.endpoint}/languages", method="GET")
        targets = set()
        for lang in answer or []:
            targets.add(base_language(lang.get("code", "")))
            targets.update(base_language(t) for t in lang.get("targets", []))
        _LANGUAGES_CACHE[self.endpoint] = (time.monotonic(), targets)
        return targets

    def _translate(self, texts, *, source, target):
        body = {"q": texts, "source": self.code(source), "target": self.code(target)}
        body["format"] = "text"
        if self.api_key:
            body["api_key"] = self.api_key
        answer = self.request(f"{self.endpoint}/translate", body=body)
        translated = (answer or {}).get("translatedText")
        if isinstance(translated, str):
            translated = [translated]
        if not isinstance(translated, list):
            raise EngineUnavailable("LibreTranslate answered without translatedText")
        return translated


class Azure(Engine):
    """POST {endpoint}/translate?api-version=3.0&from=en&to=es, body [{"Text": ...}]."""

    kind = "azure"
    batch_size = 100  # the documented limit is 1,000 elements and 50,000 characters

    # Azure AI Translator's language list includes every language Liaison ships for.
    def supported_targets(self):
        return None

    @staticmethod
    def code(tag: str) -> str:
        base = base_language(tag)
        return {"zh": "zh-Hans", "hmn": "mww"}.get(base, tag if "-" in tag else base)

    def _translate(self, texts, *, source, target):
        endpoint = self.endpoint or "https://api.cognitive.microsofttranslator.com"
        query = urllib.parse.urlencode(
            {"api-version": "3.0", "from": self.code(source), "to": self.code(target)}
        )
        headers = {"Ocp-Apim-Subscription-Key": self.api_key}
        if self.region:
            headers["Ocp-Apim-Subscription-Region"] = self.region
        answer = self.request(
            f"{endpoint}/translate?{query}", body=[{"Text": t} for t in texts], headers=headers
        )
        try:
            return [item["translations"][0]["text"] for item in answer]
        except (KeyError, IndexError, TypeError):
            raise EngineUnavailable("Azure answered in an unexpected shape") from None


class Google(Engine):
    """Cloud Translation Basic (v2): POST /language/translate/v2?key=... {"q": [...], ...}."""

    kind = "google"
    batch_size = 128  # documented maximum of strings per request

    def supported_targets(self):
        return None

    @staticmethod
    def code(tag: str) -> str:
        base = base_language(tag)
        return {"zh": "zh-CN", "hmn": "hmn"}.get(base, base)

    def _translate(self, texts, *, source, target):
        endpoint = self.endpoint or "https://translation.googleapis.com"
        url = f"{endpoint}/language/translate/v2?" + urllib.parse.urlencode({"key": self.api_key})
        body = {
            "q": texts,
            "source": self.code(source),
            "target": self.code(target),
            "format": "text",
        }
        answer = self.request(url, body=body)
        try:
            return [t["translatedText"] for t in answer["data"]["translations"]]
        except (KeyError, TypeError):
            raise EngineUnavailable("Google answered in an unexpected shape") from None


class DeepL(Engine):
    """POST /v2/translate with "Authorization: DeepL-Auth-Key ..." {"text": [...], "target_lang"}."""

    kind = "deepl"
    batch_size = 50  # documented maximum of texts per request

    # Target languages DeepL documents (it has no Somali, Haitian Creole or Hmong).
    TARGETS = {
        "ar", "bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "he", "hu", "id", "it",
        "ja", "ko", "lt", "lv", "nb", "nl", "pl", "pt", "ro", "ru", "sk", "sl", "sv", "th", "tr",
        "uk", "vi", "zh",
    }  # fmt: skip

    def supported_targets(self):
        return self.TARGETS

    @staticmethod
    def target_code(tag: str) -> str:
        base = base_language(tag)
        special = {"zh": "ZH-HANS", "pt": "PT-BR", "en": "EN-US"}
        if tag.lower() in ("zh-hant", "zh-tw"):
            return "ZH-HANT"
        if tag.lower() == "pt-pt":
            return "PT-PT"
        return special.get(base, base.upper())

    def _translate(self, texts, *, source, target):
        key = self.api_key
        default = "https://api-free.deepl.com" if key.endswith(":fx") else "https://api.deepl.com"
        endpoint = self.endpoint or default
        body = {
            "text": texts,
            "source_lang": base_language(source).upper(),
            "target_lang": self.target_code(target),
        }
        answer = self.request(
            f"{endpoint}/v2/translate",
            body=body,
            headers={"Authorization": f"DeepL-Auth-Key {key}"},
        )
        try:
            return [t["text"] for t in answer["translations"]]
        except (KeyError, TypeError):
            raise EngineUnavailable("DeepL answered in an unexpected shape") from None
