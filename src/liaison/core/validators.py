"""Validators and normalisers for the values families give us: language tags and phone numbers."""

import langcodes
import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

DEFAULT_PHONE_REGION = getattr(settings, "LIAISON_PHONE_REGION", "US")

# What a person is told when a language is not known: the text they typed, never the tag syntax.
UNKNOWN_LANGUAGE = _(
    "We don't know a language called “%(value)s”. Type its name, e.g. Spanish or español."
)


def normalize_language_tag(value: str) -> str:
    """A BCP 47 tag in its standard form ('es-419', 'zh-Hans'); ValidationError when not a real language."""
    raw = (value or "").strip().replace("_", "-")
    if not raw:
        raise ValidationError(_("Enter a language."), code="required")
    try:
        lang = langcodes.Language.get(raw, normalize=True)
    except (langcodes.tag_parser.LanguageTagError, ValueError):
        raise ValidationError(UNKNOWN_LANGUAGE, code="invalid", params={"value": value}) from None
    if not lang.language or not lang.is_valid():
        raise ValidationError(UNKNOWN_LANGUAGE, code="invalid", params={"value": value})
    return lang.simplify_script().to_tag()


def language_from_name(value: str) -> str | None:
    """A BCP 47 tag for a language's name in any language ('Farsi', 'Kreyòl ayisyen', 'Chinese
    (Mandarin)', 'Spanish language'); None when the text names no language.

    langcodes' own lookup also matches a known name that is merely the start of a word, so it
    reads 'javascript:…' as Javanese ('Java…'); here a name must be the whole text or end at a
    space, so only extra words ('… dialect', '… language') are forgiven."""
    from language_data.names import TRIES, name_to_code, normalize_name

    # A control character (a NUL from a hostile form) is in no language's name, and the name
    # index's keys end at one: such text names nothing.
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in value or ""):
        return None
    lookup = normalize_name(value or "")
    if not lookup:
        return None
    name_to_code("language", "english")  # loads the name index into TRIES
    names = TRIES["und/name_to_language"]
    whole = [p for p in names.prefixes(lookup) if len(p) == len(lookup) or lookup[len(p)] == " "]
    if not whole or (whole[-1] != lookup and len(whole[-1]) < 4):
        return None
    try:
        return normalize_language_tag(names[whole[-1]][0].decode())
    except (ValidationError, UnicodeDecodeError):
        return None


def validate_language_tag(value: str) -> None:
    normalize_language_tag(value)


def language_name(tag: str, in_language: str | None = None) -> str:
    """The language's name, in `in_language` or else the language of the page being made."""
    if not tag:
        return ""
    try:
        return langcodes.Language.get(tag).display_name(
            in_language or translation.get_language() or "en"
        )
    except (langcodes.tag_parser.LanguageTagError, ValueError):
        return tag


def normalize_phone(value: str, region: str | None = None) -> str:
    """A phone number in E.164 ('+16175550123'); ValidationError naming what is wrong."""
    raw = (value or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, region or DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise ValidationError(
            _("“%(value)s” is not a phone number."), code="invalid", params={"value": value}
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _(
                "“%(value)s” is not a valid phone number; include the area code, or +country code for abroad."
            ),
            code="invalid",
            params={"value": value},
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def validate_e164(value: str) -> None:
    if value and normalize_phone(value) != value:
        raise ValidationError(
            _("Phone numbers are stored in E.164 form, e.g. +16175550123."), code="invalid"
        )


def format_phone(value: str) -> str:
    """A stored E.164 number as people read it."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if phonenumbers.region_code_for_number(number) == DEFAULT_PHONE_REGION
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, fmt)


def validate_time_zone(value: str) -> None:
    import zoneinfo

    if not value:
        return
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            _("“%(value)s” is not a time zone, e.g. America/Chicago."), params={"value": value}
        ) from None


# Bidirectional embedding, override and isolate controls (U+202A–U+202E, U+2066–U+2069): in a
# name they reorder what follows on the page ("Ana" + RLO + "gnp.exe" shows as "Anaexe.png"), so
# names are stored without them; templates isolate each name with <bdi> instead.
BIDI_CONTROLS = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


def strip_bidi_controls(value):
    """The text without bidi embedding/override/isolate characters; other values as they are."""
    return value.translate(BIDI_CONTROLS) if isinstance(value, str) else value
