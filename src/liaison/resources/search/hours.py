"""Opening hours: a location's weekly hours as a spec, whether it is open, and how to say when."""

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from functools import cache

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from liaison.core.dates import local_time, reader_locale

DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def _minutes(value) -> int | None:
    """Minutes after midnight of a time as the database hands it back (time or 'HH:MM[:SS]')."""
    if value is None or value == "":
        return None
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    hours, minutes = text.split(":")[:2]
    return int(hours) * 60 + int(minutes)


@cache
def _weekly_spec(rows: tuple) -> str:
    spans = set()
    for freq, byday, opens, closes in rows:
        if freq not in ("", None, "WEEKLY") or opens is None or closes is None:
            continue
        end = closes if closes > opens else closes + 1440
        days = [d.strip().upper() for d in (byday or "").split(",") if d.strip()]
        for day in days or DAYS:
            if day in DAYS:
                spans.add((DAYS.index(day), opens, end))
    return " ".join(f"{d}:{a}-{b}" for d, a, b in sorted(spans))


def weekly_hours(schedules: Iterable[dict], today: str = "") -> str:
    """The weekly opening pattern ("0:540-1020 ...") of HSDS schedules with byday/opens_at/closes_at."""
    today = today or timezone.localdate().isoformat()
    rows = tuple(
        sorted(
            (s["freq"] or "", s["byday"] or "", _minutes(s["opens_at"]), _minutes(s["closes_at"]))
            for s in schedules
            if not (s["valid_to"] and str(s["valid_to"]) < today)
        )
    )
    return _weekly_spec(rows) if rows else ""


def open_patterns(now: dt.datetime) -> list[int]:
    from liaison.resources.models import HoursPattern

    ids = []
    minute_cache = {}
    for pattern in HoursPattern.objects.all():
        if pattern.time_zone not in minute_cache:
            try:
                local = now.astimezone(zoneinfo.ZoneInfo(pattern.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                continue
            minute_cache[pattern.time_zone] = (
                local.weekday() * 1440 + local.hour * 60 + local.minute
            )
        minute = minute_cache[pattern.time_zone]
        for start, end in pattern.intervals():
            if start <= minute < end or start <= minute + 10080 < end:
                ids.append(pattern.id)
                break
    return ids


@cache
def _day_names(locale: str):
    import babel.dates

    # core.dates knows the locales CLDR lacks names for (Haitian Creole), and falls back to English.
    return babel.dates.get_day_names("abbreviated", locale=reader_locale(locale))


def describe_hours(schedules) -> list[str]:
    """ "Tue, Thu 9:00 AM–5:00 PM" lines, in the active language's day names and times."""

    language = translation.get_language() or "en"
    names = _day_names(language)
    lines = []
    for s in schedules:
        if s.opens_at and s.closes_at:
            days = [
                d.strip().upper()
                for d in (s.byday or "").split(",")
                if d.strip() in DAYS or d.strip().upper() in DAYS
            ]
            day_text = ", ".join(names[DAYS.index(d)] for d in days) if days else _("Every day")
            opens, closes = (local_time(t, language=language) for t in (s.opens_at, s.closes_at))
            lines.append(f"{day_text} {opens}–{closes}")
        elif s.description:
            lines.append(s.description)
    return lines


def is_open(schedules, local: dt.datetime) -> bool:
    minute = local.weekday() * 1440 + local.hour * 60 + local.minute
    spec = weekly_hours(
        [
            {
                "freq": s.freq,
                "byday": s.byday,
                "opens_at": s.opens_at,
                "closes_at": s.closes_at,
                "valid_to": s.valid_to,
            }
            for s in schedules
        ]
    )
    for part in spec.split():
        day, span = part.split(":")
        start, end = (int(x) + int(day) * 1440 for x in span.split("-"))
        if start <= minute < end or start <= minute + 10080 < end:
            return True
    return False
