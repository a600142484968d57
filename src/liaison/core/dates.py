"""Dates and times as the reader's locale writes them (Babel's CLDR formats): one format per
locale everywhere, "Jun 12, 2027" in US English, "12 jun 2027" in Spanish."""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_time
from django.utils import timezone, translation

# CLDR has no month or day names for Haitian Creole yet: Babel's "ht" writes "2026 M12 14" and
# "2026 M12 14 18:00:00". Its dates take French patterns (day month year, a 24-hour clock) with
# the Haitian Creole names, spelt as language/templating.py spells them in family messages.
HT_MONTHS = [
    "janvye", "fevriye", "mas", "avril", "me", "jen",
    "jiyè", "out", "septanm", "oktòb", "novanm", "desanm",
]  # fmt: skip
HT_DAYS = ["lendi", "madi", "mèkredi", "jedi", "vandredi", "samdi", "dimanch"]  # Monday first


class _HaitianCreole(Locale):
    """French's date and time patterns with Haitian Creole month and day names."""

    def __init__(self) -> None:
        super().__init__("fr")

    @staticmethod
    def _widths(names: list[str], first: int) -> dict[str, dict[str, dict[int, str]]]:
        wide = {n: name for n, name in enumerate(names, first)}
        narrow = {n: name[0].upper() for n, name in wide.items()}
        # No abbreviations are settled in Haitian Creole: the short forms are the names.
        widths = {"wide": wide, "abbreviated": wide, "short": wide, "narrow": narrow}
        return {"format": widths, "stand-alone": widths}

    @property
    def months(self) -> Any:  # Babel declares its LocaleDataDict
        return self._widths(HT_MONTHS, 1)

    @property
    def days(self) -> Any:
        return self._widths(HT_DAYS, 0)


_HT = _HaitianCreole()


def reader_locale(language: str | None = None) -> Locale:
    """The Babel locale of the page being made (or of `language`), English when unknown."""
    tag = language or translation.get_language() or "en"
    if tag.split("-")[0].lower() == "ht":
        return _HT
    for candidate in (tag, tag.split("-")[0]):
        try:
            return Locale.parse(candidate, sep="-")
        except (UnknownLocaleError, ValueError, TypeError):
            continue
    return Locale("en")


def local_date(
    value: dt.date | dt.datetime | None, length: str = "medium", language: str | None = None
) -> str:
    """A day in the reader's format; a datetime is first put in the current time zone."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        value = value.date()
    return str(format_date(value, format=length, locale=reader_locale(language)))


def local_datetime(
    value: dt.datetime | None, length: str = "medium", language: str | None = None
) -> str:
    """A moment in the reader's format, in the current time zone."""
    if value is None or value == "":
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    locale = reader_locale(language)
    if length == "medium":
        # CLDR's medium time has the seconds ("Dec 14, 2026, 6:00:00 PM"): a person reads the
        # minute. The locale's own medium pattern joins its medium date and its short time.
        pattern = str(locale.datetime_formats["medium"]).replace("'", "")
        day = str(format_date(value, format="medium", locale=locale))
        time = str(format_time(value, format="short", locale=locale))
        return pattern.replace("{0}", time).replace("{1}", day)
    return str(format_datetime(value, format=length, locale=locale))


def local_time(
    value: dt.datetime | dt.time | None, length: str = "short", language: str | None = None
) -> str:
    """A time of day in the reader's format ("3:30 PM", "15:30"), a datetime in the current zone."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return str(format_time(value, format=length, locale=reader_locale(language)))
