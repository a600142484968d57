"""iCalendar (RFC 5545/5546) for one event, a household's feed and a site's feed."""

import datetime as dt

from django.utils import timezone
from icalendar import Calendar, vText
from icalendar import Event as VEvent

from liaison.events.choices import EventStatus

PRODID = "-//Liaison//Events//EN"


def _vevent(event, *, url: str = "") -> VEvent:
    zone = event.zone
    v = VEvent()
    v.add("uid", f"{event.uid}@liaison")
    v.add("dtstamp", timezone.now().astimezone(dt.UTC))
    v.add("dtstart", event.starts_at.astimezone(zone))
    v.add("dtend", event.ends_at.astimezone(zone))
    v.add("summary", event.title)
    if event.description:
        v.add("description", event.description)
    where = event.place or event.video_url
    if where:
        v.add("location", vText(where))
    if event.video_url:
        v.add("url", event.video_url)
    elif url:
        v.add("url", url)
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
        cal.add("x-wr-calname", name)
    for event in events:
        cal.add_component(_vevent(event))
    cal.add_missing_timezones()
    return cal.to_ical()


def event_ics(event) -> bytes:
    """A single event: METHOD:CANCEL once it is cancelled, so calendars remove it."""
    method = "CANCEL" if event.status == EventStatus.CANCELLED else "PUBLISH"
    return calendar_for([event], name=event.title, method=method)
