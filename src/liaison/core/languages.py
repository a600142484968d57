"""Languages as people see and type them: "Spanish — español" on the page, a BCP 47 tag inside.

Every form and filter that takes a language uses `LanguageField` (one) or `LanguagesField`
(several): a text box with a list of suggestions, accepting a language's name in the reader's
language, in English or in the language itself (accents optional: "espanol", "Tieng Viet"), the
"Spanish — español" label the list offers, or a tag ("es", "zh-Hans"). Codes stay in the
database; an error names what was typed, never the tag syntax."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable
from typing import Any

import langcodes
from babel import Locale, UnknownLocaleError
from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from liaison.core.validators import UNKNOWN_LANGUAGE, language_from_name, normalize_language_tag

# The languages a US district's families speak most, offered first in every picker; any other
# language is accepted by name or tag all the same.
COMMON_LANGUAGES: tuple[str, ...] = (
    "en",
    "es",
    "ar",
    "zh-Hans",
    "zh-Hant",
    "vi",
    "ht",
    "so",
    "pt",
    "ru",
    "fr",
    "ko",
    "hmn",
    "ur",
    "ps",
    "prs",
    "fa",
    "sw",
    "ne",
    "ti",
    "am",
    "my",
    "km",
    "lo",
    "fil",
    "hi",
    "bn",
    "pa",
    "gu",
    "te",
    "ta",
    "ja",
    "uk",
    "pl",
    "ro",
    "tr",
    "ku",
    "uz",
    "ky",
    "mam",
    "quc",
    "yua",
    "it",
    "de",
    "el",
    "he",
    "yi",
    "sq",
    "bs",
    "hy",
    "ka",
    "rw",
    "kar",
    "mh",
    "chk",
    "sm",
    "to",
    "ase",
)

# Separators a person puts between several languages ("Spanish, Somali; Arabic").
SEPARATORS = (",", ";", "\n")


def _babel(tag: str) -> Locale | None:
    try:
        return Locale.parse(tag, sep="-")
    except (UnknownLocaleError, ValueError, TypeError):
        return None


@functools.lru_cache(maxsize=4096)
def name_in(tag: str, reader: str) -> str:
    """The language's name in the reader's language (Babel's CLDR names, langcodes beyond them)."""
    locale = _babel(reader) or _babel(reader.split("-")[0]) or Locale("en")
    target = _babel(tag)
    if target is not None:
        name = target.get_display_name(locale)
        if name:
            return str(name)
    try:
        return str(langcodes.Language.get(tag).display_name(str(locale)))
    except (langcodes.tag_parser.LanguageTagError, ValueError):
        return tag


@functools.lru_cache(maxsize=4096)
def autonym(tag: str) -> str:
    """The language's name in itself ("español", "Tiếng Việt")."""
    return name_in(tag, tag)


def language_label(tag: str, reader: str | None = None) -> str:
    """'Spanish — español': the name in the reader's language, then in itself when it differs."""
    if not tag:
        return ""
    reader = reader or translation.get_language() or "en"
    own, native = name_in(tag, reader), autonym(tag)
    if _fold(own) == _fold(native) or native == tag:
        return own
    return f"{own} — {native}"


def _fold(text: str) -> str:
    """Lower case without accents or extra spaces: 'Tiếng  Việt' and 'tieng viet' meet here."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("đ", "d"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.split())


# Readers whose names for languages the pickers understand besides the page's own.
_NAME_LANGUAGES = ("en", "es", "ar", "zh-Hans", "vi", "ht", "so", "pt", "ru", "fr", "ko")


@functools.lru_cache(maxsize=1)
def _name_index() -> dict[str, str]:
    """Folded names of the common languages, in English, the portal languages and themselves."""
    index: dict[str, str] = {}
    for tag in COMMON_LANGUAGES:
        for reader in (*_NAME_LANGUAGES, tag):
            index.setdefault(_fold(name_in(tag, reader)), tag)
    return index


def resolve_language(text: str) -> str | None:
    """The BCP 47 tag the text names, or None: a tag, a picker label, or a name in any language."""
    raw = " ".join((text or "").split())
    if not raw:
        return None
    # A label from the list ("Spanish — español"): either half names the language.
    parts = [raw, *(p.strip() for p in raw.replace(" - ", " — ").split(" — ") if p.strip())]
    for part in parts:
        if len(part) <= 12 and " " not in part:
            try:
                return normalize_language_tag(part)
            except ValidationError:
                pass
        if tag := _name_index().get(_fold(part)):
            return tag
        if tag := _read_name(part):
            return tag
    return None


def _read_name(text: str) -> str | None:
    tag = language_from_name(text)
    if tag is None:
        tag = language_from_name(_fold(text))
    return tag


def split_languages(text: str) -> list[str]:
    """The pieces of a list of languages, keeping "Chinese (Simplified, Taiwan)" whole."""
    pieces: list[str] = []
    current, depth = "", 0
    for char in text or "":
        if char in "(（":
            depth += 1
        elif char in ")）":
            depth = max(0, depth - 1)
        if char in SEPARATORS and depth == 0:
            pieces.append(current)
            current = ""
        else:
            current += char
    pieces.append(current)
    return [p.strip() for p in pieces if p.strip()]


def unknown_language(text: str) -> ValidationError:
    return ValidationError(UNKNOWN_LANGUAGE, code="unknown_language", params={"value": text})


def picker_choices(reader: str | None = None, extra: Iterable[str] = ()) -> list[tuple[str, str]]:
    """(tag, label) of the languages a picker suggests, the common ones then any extra tags."""
    reader = reader or translation.get_language() or "en"
    tags = list(dict.fromkeys([*COMMON_LANGUAGES, *[t for t in extra if t]]))
    return [(tag, language_label(tag, reader)) for tag in tags]


class LanguageInput(forms.TextInput):
    """A text box with the languages' labels as suggestions (a <datalist>: searchable by typing,
    no script needed); static/js/languages.js lets a box of several languages suggest for each."""

    def __init__(self, attrs: dict[str, Any] | None = None, multiple: bool = False) -> None:
        base = {"autocomplete": "off", "spellcheck": "false", "class": "language-picker"}
        if multiple:
            base["data-language-multiple"] = "true"
        super().__init__({**base, **(attrs or {})})
        self.multiple = multiple

    def format_value(self, value: Any) -> str | None:
        if value is None or value == "":
            return None
        if isinstance(value, list | tuple):
            return ", ".join(language_label(v) if _is_tag(v) else str(v) for v in value)
        text = str(value)
        return language_label(text) if _is_tag(text) else text

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        attrs = dict(attrs or {})
        list_id = f"{attrs.get('id') or 'id_' + name}-languages"
        attrs["list"] = list_id
        box = super().render(name, value, attrs, renderer)
        options = format_html_join(
            "", '<option value="{}"></option>', ((label,) for _tag, label in picker_choices())
        )
        return format_html('{}<datalist id="{}">{}</datalist>', box, list_id, options)


def _is_tag(value: str) -> bool:
    if not value or len(value) > 12 or " " in value:
        return False
    try:
        return normalize_language_tag(value) is not None
    except ValidationError:
        return False


class LanguageField(forms.CharField):
    """One language, typed or picked by name; cleans to its BCP 47 tag ("" when left empty)."""

    widget = LanguageInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        text = str(super().to_python(value) or "")
        if not text:
            return ""
        tag = resolve_language(text)
        if tag is None:
            raise unknown_language(text)
        return tag

    def run_validators(self, value: Any) -> None:
        # The typed text was checked for length; the tag is short.
        return None


class LanguagesField(forms.CharField):
    """Several languages, names separated by commas; cleans to a list of distinct tags."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", LanguageInput(multiple=True))
        kwargs.setdefault(
            "help_text", _("Type the languages' names, separated by commas, e.g. Spanish, Somali.")
        )
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(language_label(v) for v in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        if isinstance(value, list | tuple):
            value = ", ".join(str(v) for v in value)
        text = str(super().to_python(value) or "")
        tags: list[str] = []
        errors: list[ValidationError] = []
        for piece in split_languages(text):
            tag = resolve_language(piece)
            if tag is None:
                errors.append(unknown_language(piece))
            else:
                tags.append(tag)
        if errors:
            raise ValidationError(errors)
        return list(dict.fromkeys(tags))

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")

    def run_validators(self, value: Any) -> None:
        return None


__all__ = [
    "COMMON_LANGUAGES",
    "LanguageField",
    "LanguageInput",
    "LanguagesField",
    "autonym",
    "language_label",
    "name_in",
    "picker_choices",
    "resolve_language",
    "split_languages",
]
