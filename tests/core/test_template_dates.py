"""Every date or time a person reads is written the reader's way (core/dates.py through the
`date_local`, `datetime_local` and `time_local` filters, one CLDR format per locale): no template
formats one for people with Django's `|date` or `|time` filters. Those stay only for machines: ISO
values inside an attribute (`datetime=""`, `value=""`, a link's query), listed below."""

import re
from pathlib import Path

from django.test import override_settings
from django.utils import timezone, translation

import liaison
from liaison.core.dates import local_time
from liaison.core.templatetags.liaison import date_local, datetime_local, time_local

ROOT = Path(liaison.__file__).parent

# The formats machines read (ISO 8601); allowed only inside an HTML attribute's value.
MACHINE_FORMATS = {"c", "Y-m-d", "Y-m-d\\TH:i", "U"}
# Django's filters that format a date or time for display (`date_local` and the like do not match).
DJANGO_FILTER = re.compile(r"\|(date|time)(?::(\"[^\"]*\"|'[^']*'))?(?![\w])")


def _templates() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.html") if "templates" in p.parts)


def _in_attribute(text: str, at: int) -> bool:
    """Whether position `at` is inside an attribute's quoted value of an HTML tag."""
    tag_start = text.rfind("<", 0, at)
    if tag_start == -1 or text.rfind(">", 0, at) > tag_start:
        return False
    before = re.sub(r"{[{%].*?[}%]}", "", text[tag_start:at])  # template tags hold quotes too
    return before.count('"') % 2 == 1 or before.count("'") % 2 == 1


def _people_formats(text: str) -> list[str]:
    found = []
    for m in DJANGO_FILTER.finditer(text):
        fmt = (m.group(2) or "")[1:-1]
        if fmt in MACHINE_FORMATS and _in_attribute(text, m.start()):
            continue
        line = text.count("\n", 0, m.start()) + 1
        found.append(f"line {line}: {m.group(0)}")
    return found


def test_no_template_shows_a_date_with_djangos_date_or_time_filter():
    problems = {
        str(p.relative_to(ROOT)): found
        for p in _templates()
        if (found := _people_formats(p.read_text(encoding="utf-8")))
    }
    assert problems == {}


def test_the_scan_finds_a_date_shown_and_lets_an_iso_attribute_pass():
    shown = '<p>{{ at|date:"M j, Y" }} at {{ at|time:"H:i" }}, {{ at|date }}</p>'
    assert len(_people_formats(shown)) == 3
    machine = "<time datetime=\"{{ at|date:'c' }}\">{{ at|datetime_local }}</time>"
    assert _people_formats(machine) == []
    # An ISO value shown as text is still a date shown to a person.
    assert _people_formats("<p>{{ at|date:'c' }}</p>") == ["line 1: |date:'c'"]
    assert len(_templates()) > 100


@override_settings(TIME_ZONE="America/New_York")
def test_the_filters_write_each_locale_its_own_way():
    moment = timezone.make_aware(timezone.datetime(2027, 6, 12, 19, 30), timezone.UTC)
    timezone.activate("America/New_York")
    try:
        with translation.override("en"):
            assert date_local(moment) == "Jun 12, 2027"
            assert time_local(moment) == "3:30\u202fPM"
            assert "3:30" in datetime_local(moment)
        with translation.override("es"):
            assert date_local(moment) == "12 jun 2027"
            assert time_local(moment) == "15:30"
        assert local_time(None) == ""
    finally:
        timezone.deactivate()


@override_settings(TIME_ZONE="America/New_York")
def test_haitian_creole_dates_name_the_month_and_day_in_haitian_creole():
    """CLDR has no Haitian Creole names: Babel alone writes "2027 M06 12" and "2027 M06 12
    15:30:00" to a Haitian Creole family. They read "12 jen 2027" and "samdi 12 jen 2027"."""
    moment = timezone.make_aware(timezone.datetime(2027, 6, 12, 19, 30), timezone.UTC)
    timezone.activate("America/New_York")
    try:
        with translation.override("ht"):
            assert date_local(moment) == "12 jen 2027"
            assert date_local(moment, "full") == "samdi 12 jen 2027"
            assert time_local(moment) == "15:30"
            assert datetime_local(moment, "short") == "12/06/2027 15:30"
            assert "M06" not in datetime_local(moment)
    finally:
        timezone.deactivate()


@override_settings(TIME_ZONE="America/New_York")
def test_a_moment_reads_to_the_minute_without_seconds():
    """CLDR's medium time carries seconds: events, concern histories and the portal's messages
    read "Jun 12, 2027, 3:30:00 PM" before; a person reads the minute."""
    moment = timezone.make_aware(timezone.datetime(2027, 6, 12, 19, 30, 41), timezone.UTC)
    timezone.activate("America/New_York")
    try:
        with translation.override("en"):
            assert datetime_local(moment) == "Jun 12, 2027, 3:30\u202fPM"
        with translation.override("es"):
            assert datetime_local(moment) == "12 jun 2027, 15:30"
        with translation.override("vi"):
            assert datetime_local(moment) == "15:30 12 thg 6, 2027"
    finally:
        timezone.deactivate()
