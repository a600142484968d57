"""Dates and times as the reader's locale writes them (Babel's CLDR formats): one format per
locale everywhere, "Jun 12, 2027" in US English, "12 jun 2027" in Spanish."""

from __future__ import annotations

import datetime as dt

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_time
from django.utils import timezone, translation


def reader_locale(language: str | None = None) -> Locale:
    """The Babel locale of the page being made (or of `language`), English when unknown."""
    tag = language or translation.get_language() or "en"
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
    return str(format_datetime(value, format=length, locale=reader_locale(language)))


def local_time(
    value: dt.datetime | dt.time | None, length: str = "short", language: str | None = None
) -> str:
    """A time of day in the reader's format ("3:30 PM", "15:30"), a datetime in the current zone."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return str(format_time(value, format=length, locale=reader_locale(language)))
