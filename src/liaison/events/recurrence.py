"""Repeating events in words: the fields a person fills ("every week on Tuesday until June 12")
become the RRULE stored on the event, and a stored RRULE is read back as a sentence in the
reader's language. Nobody types or reads RRULE syntax."""

from __future__ import annotations

import datetime as dt

from babel.dates import get_day_names
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from liaison.core.dates import local_date, reader_locale

# RRULE weekday codes, Monday first (Babel numbers the days the same way: 0 is Monday).
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

FREQUENCIES = {"DAILY", "WEEKLY", "MONTHLY"}


def weekday_choices() -> list[tuple[str, str]]:
    """(code, "Tuesday") in the reader's language, Monday first."""
    names = get_day_names("wide", locale=reader_locale())
    return [(code, str(names[i]).capitalize()) for i, code in enumerate(WEEKDAYS)]


def build_rule(
    *,
    frequency: str,
    interval: int | None = None,
    weekdays: list[str] | tuple[str, ...] = (),
    until: dt.date | None = None,
    count: int | None = None,
) -> str:
    """The RRULE for what the form says; "" for an event that does not repeat."""
    frequency = (frequency or "").upper()
    if frequency not in FREQUENCIES:
        return ""
    parts = [f"FREQ={frequency}"]
    if interval and interval > 1:
        parts.append(f"INTERVAL={interval}")
    if frequency == "WEEKLY" and weekdays:
        parts.append("BYDAY=" + ",".join(d for d in WEEKDAYS if d in weekdays))
    if until:
        parts.append(f"UNTIL={until:%Y%m%d}")
    if count:
        parts.append(f"COUNT={count}")
    return ";".join(parts)


def parse_rule(rule: str) -> dict[str, str]:
    """The parts of a stored RRULE ({"FREQ": "WEEKLY", "BYDAY": "TU", ...})."""
    text = (rule or "").strip().upper().removeprefix("RRULE:")
    return dict(p.split("=", 1) for p in text.split(";") if "=" in p)


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return _("%(first)s and %(last)s") % {"first": ", ".join(items[:-1]), "last": items[-1]}


def describe(rule: str) -> str:
    """The rule as a sentence in the reader's language: "Every week on Tuesday, until Jun 12,
    2027"; "" when the event does not repeat."""
    parts = parse_rule(rule)
    frequency = parts.get("FREQ", "")
    if frequency not in FREQUENCIES:
        return ""
    try:
        n = max(1, int(parts.get("INTERVAL", "1")))
    except ValueError:
        n = 1
    if frequency == "DAILY":
        text = ngettext("Every day", "Every %(n)d days", n) % {"n": n}
    elif frequency == "WEEKLY":
        text = ngettext("Every week", "Every %(n)d weeks", n) % {"n": n}
        names = dict(weekday_choices())
        days = [names[d] for d in WEEKDAYS if d in parts.get("BYDAY", "").split(",")]
        if days:
            text = _("%(every)s on %(days)s") % {"every": text, "days": _join(days)}
    else:
        text = ngettext("Every month", "Every %(n)d months", n) % {"n": n}
    until = parts.get("UNTIL", "")
    if until:
        try:
            day = dt.datetime.strptime(until[:8], "%Y%m%d").date()
        except ValueError:
            day = None
        if day is not None:
            text = _("%(every)s, until %(day)s") % {"every": text, "day": local_date(day, "long")}
    elif parts.get("COUNT", "").isdigit():
        count = int(parts["COUNT"])
        text = ngettext("%(every)s, %(n)d time", "%(every)s, %(n)d times", count) % {
            "every": text,
            "n": count,
        }
    return text
