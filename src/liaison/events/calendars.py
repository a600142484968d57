"""iCalendar (RFC 5545/5546) for one event, a household's feed and a site's feed."""

import datetime as dt
import re

from django.utils import timezone
from icalendar import Calendar, vText
from icalendar import Event as VEvent

from liaison.events.choices import EventStatus

PRODID = "-//Liaison//Events//EN"

# Line breaks of every kind a person can type or paste (CR alone, NEL, the Unicode separators)
# and the other control characters RFC 5545 forbids in a value: a bare CR or a vertical tab cut
# a content line in two for some readers, and the second half is no property at all.
_BREAKS = re.compile(r"\r\n|[\r\n\x0b\x0c\x85\u2028\u2029]")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _text(value: str, *, multiline: bool = False) -> str:
    """A text property's value: a description keeps its line breaks (icalendar writes them as
    \\n); a title, a place or a name becomes one line."""
    value = _CONTROLS.sub("", _BREAKS.sub("\n", value or ""))
    if multiline:
        return value
    return " ".join(part.strip() for part in value.split("\n") if part.strip())


def _uri(value: str) -> str:
    """A link has no whitespace in it: what a paste added around or inside it is dropped."""
    return re.sub(r"\s", "", _CONTROLS.sub("", value or ""))


def _vevent(event, *, url: str = "") -> VEvent:
    zone = event.zone
    v = VEvent()
    v.add("uid", f"{event.uid}@liaison")
    v.add("dtstamp", timezone.now().astimezone(dt.UTC))
    v.add("dtstart", event.starts_at.astimezone(zone))
    v.add("dtend", event.ends_at.astimezone(zone))
    v.add("summary", _text(event.title))
    if event.description:
        v.add("description", _text(event.description, multiline=True))
    where = _text(event.place) or _uri(event.video_url)
    if where:
        v.add("location", vText(where))
    if event.video_url:
        v.add("url", _uri(event.video_url))
    elif url:
        v.add("url", _uri(url))
    v.add("sequence", event.sequence)
    v.add("status", "CANCELLED" if event.status == EventStatus.CANCELLED else "CONFIRMED")
    v.add("last-modified", event.updated_at.astimezone(dt.UTC))
    return v


def calendar_for(events, *, name: str = "", method: str = "PUBLISH") -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", method)
    if name:
        cal.add("x-wr-calname", _text(name))
    for event in events:
        cal.add_component(_vevent(event))
    cal.add_missing_timezones()
    return cal.to_ical()


def event_ics(event) -> bytes:
    """A single event: METHOD:CANCEL once it is cancelled, so calendars remove it."""
    method = "CANCEL" if event.status == EventStatus.CANCELLED else "PUBLISH"
    return calendar_for([event], name=event.title, method=method)
