"""Filling a template's placeholders for one family: names, dates and times in the family's language
(Babel's CLDR formats), and plurals by the language's rules (ICU `{n, plural, one {...} other {...}}`).
"""

import datetime as dt
import re

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_decimal

# CLDR's Haitian Creole data has no month or day names yet: core.dates keeps the standard spellings.
from liaison.core.dates import HT_DAYS, HT_MONTHS
from liaison.core.i18n import base_language

PLURAL_RE = re.compile(
    r"\{(\w+),\s*plural,\s*((?:(?:=\d+|zero|one|two|few|many|other)\s*\{[^{}]*\}\s*)+)\}"
)
CASE_RE = re.compile(r"(=\d+|zero|one|two|few|many|other)\s*\{([^{}]*)\}")
SIMPLE_RE = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def babel_locale(tag: str) -> Locale:
    try:
        return Locale.parse((tag or "en").replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        try:
            return Locale.parse(base_language(tag or "en"))
        except (UnknownLocaleError, ValueError):
            return Locale.parse("en")


def format_value(value, language: str, tz=None) -> str:
    base = base_language(language or "en")
    locale = babel_locale(language)
    if isinstance(value, dt.datetime):
        if tz is not None and value.tzinfo is not None:
            value = value.astimezone(tz)
        if base == "ht":
            return f"{format_value(value.date(), language)} a {value:%H:%M}"
        return (
            format_datetime(value, format="long", locale=locale).split(" UTC")[0].split(" GMT")[0]
        )
    if isinstance(value, dt.date):
        if base == "ht":
            return (
                f"{HT_DAYS[value.weekday()]} {value.day} {HT_MONTHS[value.month - 1]} {value.year}"
            )
        return format_date(value, format="full", locale=locale)
    if isinstance(value, dt.time):
        if base == "ht":
            return f"{value:%H:%M}"
        return format_time(value, format="short", locale=locale)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return format_decimal(value, locale=locale)
    return str(value)


def fill(text: str, context: dict, language: str, tz=None) -> str:
    """Fill what the context gives; placeholders it lacks stay for `personalize` per family."""
    context = context or {}
    locale = babel_locale(language)

    def plural(m):
        name, cases = m.group(1), m.group(2)
        if name not in context:
            return m.group(0)
        n = context[name]
        options = dict(CASE_RE.findall(cases))
        chosen = (
            options.get(f"={n}") or options.get(locale.plural_form(n)) or options.get("other", "")
        )
        return chosen.replace("#", format_value(n, language))

    text = PLURAL_RE.sub(plural, text)
    return SIMPLE_RE.sub(
        lambda m: (
            format_value(context[m.group(1)], language, tz) if m.group(1) in context else m.group(0)
        ),
        text,
    )


def placeholders(text: str) -> list[str]:
    names = [m.group(1) for m in PLURAL_RE.finditer(text)]
    names += SIMPLE_RE.findall(PLURAL_RE.sub("", text))
    return list(dict.fromkeys(names))
