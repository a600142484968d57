"""Which language a family wrote in, offline.

lingua-language-detector ships its models and covers 75 languages, but not Haitian Creole or
Hmong, two of the commonest home languages of US English learners. For those two we look first
for their most frequent function words (in both cases written in a Latin orthography that shares
few whole words with French, Spanish or English); two different marker words in a reply decide it.
Everything else goes to lingua, restricted to the languages US districts meet most, which keeps
its memory small and its answers fast. Returns a BCP 47 tag, or None when unsure.
"""

import re
import threading

# Frequent Haitian Creole words that are not French, Spanish, Portuguese or English words.
HAITIAN_MARKERS = {
    "mwen", "nou", "pou", "yon", "konprann", "mèsi", "mesi", "lekòl", "lekol", "pitit",
    "bezwen", "tanpri", "kounye", "kijan", "poukisa", "kisa", "jodi", "demen", "paske",
    "anpil", "kapab", "timoun", "manman", "gen", "vle", "fè", "bagay", "pa", "ak", "kote",
    "konnen", "pale", "rele", "pral", "ap", "te", "sa", "yo", "lan", "nan",
}  # fmt: skip
# "pa", "ak", "ap", "te", "sa", "yo", "nan" alone are shared with other languages: they count
# only alongside a strong marker.
HAITIAN_STRONG = {
    "mwen", "pou", "yon", "konprann", "mèsi", "mesi", "lekòl", "lekol", "pitit", "bezwen",
    "tanpri", "kounye", "kijan", "poukisa", "kisa", "jodi", "demen", "paske", "anpil",
    "kapab", "timoun", "bagay", "konnen", "rele", "pral",
}  # fmt: skip
HMONG_MARKERS = {
    "kuv", "koj", "nws", "peb", "nej", "lawv", "thiab", "yog", "tsis", "muaj", "rau", "tus",
    "lub", "hauv", "tsev", "kawm", "ntawv", "txog", "nyob", "ntau", "tuaj", "hnub", "niam",
    "txiv", "menyuam", "qhia", "pab", "npe", "xav", "paub", "ua", "tau", "zoo", "mus", "los",
}  # fmt: skip
HMONG_STRONG = HMONG_MARKERS - {"ua", "tau", "zoo", "mus", "los", "rau", "tus", "lub"}

WORD = re.compile(r"[^\W\d_]+", re.UNICODE)

_detector = None
_lock = threading.Lock()

LINGUA_LANGUAGES = [
    "ENGLISH", "SPANISH", "ARABIC", "CHINESE", "VIETNAMESE", "SOMALI", "PORTUGUESE", "RUSSIAN",
    "FRENCH", "KOREAN", "URDU", "PERSIAN", "SWAHILI", "TAGALOG", "JAPANESE", "HINDI", "BENGALI",
    "PUNJABI", "UKRAINIAN", "POLISH", "GERMAN", "ITALIAN", "TURKISH", "YORUBA", "ROMANIAN",
    "THAI", "GUJARATI", "TAMIL", "TELUGU", "MARATHI", "ALBANIAN", "BOSNIAN",
]  # fmt: skip


def _lingua():
    global _detector
    if _detector is None:
        with _lock:
            if _detector is None:
                from lingua import Language, LanguageDetectorBuilder

                languages = [getattr(Language, name) for name in LINGUA_LANGUAGES]
                _detector = (
                    LanguageDetectorBuilder.from_languages(*languages)
                    .with_minimum_relative_distance(0.05)
                    .build()
                )
    return _detector


def _marker_language(words: list[str]) -> str | None:
    lowered = [w.lower() for w in words]
    unique = set(lowered)
    ht_strong = unique & HAITIAN_STRONG
    ht_all = unique & HAITIAN_MARKERS
    if len(ht_strong) >= 2 or (ht_strong and len(ht_all) >= 3):
        return "ht"
    hmn_strong = unique & HMONG_STRONG
    hmn_all = unique & HMONG_MARKERS
    if len(hmn_strong) >= 2 or (hmn_strong and len(hmn_all) >= 3):
        return "hmn"
    return None


def detect_language(text: str) -> str | None:
    """The BCP 47 tag of the language `text` is written in, or None when it cannot tell."""
    text = (text or "").strip()
    if not text:
        return None
    words = WORD.findall(text)
    if not words:
        return None
    if len(words) < 2 and not re.search(
        r"[\u0600-\u06ff\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]", text
    ):
        return None  # one Latin word ("ok", "si") says too little
    marked = _marker_language(words)
    if marked:
        return marked
    language = _lingua().detect_language_of(text)
    if language is None:
        return None
    code = language.iso_code_639_1.name.lower()
    return {"zh": "zh-Hans" if _mostly_simplified(text) else "zh-Hant"}.get(code, code)


# Characters that differ between Simplified and Traditional Chinese and are common in messages.
_SIMPLIFIED = set("这们来时会说为学么还过发对经头样个关问题师门习书车见长马")
_TRADITIONAL = set("這們來時會說為學麼還過發對經頭樣個關問題師門習書車見長馬")


def _mostly_simplified(text: str) -> bool:
    simplified = sum(ch in _SIMPLIFIED for ch in text)
    traditional = sum(ch in _TRADITIONAL for ch in text)
    return simplified >= traditional
