"""iCalendar output parses with icalendar and carries the site's time zone."""

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from icalendar import Calendar

from liaison.events import services
from tests.events.factories import EventFactory

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


@pytest.fixture
def chicago_event(world):
    world.school.time_zone = "America/Chicago"
    world.school.save()
    start = dt.datetime(2027, 3, 4, 18, 0, tzinfo=CHICAGO)
    return EventFactory(
        district=world.district,
        site=world.school,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1, minutes=30),
        title="ELAC meeting",
    )


def test_event_ics_parses_with_the_site_time_zone(client, world, chicago_event):
    client.force_login(world.liaison)
    response = client.get(reverse("events:ics", args=[chicago_event.pk]))
    assert response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    assert cal["METHOD"] == "PUBLISH"
    [tz] = cal.walk("VTIMEZONE")
    assert str(tz["TZID"]) == "America/Chicago"
    [vevent] = cal.walk("VEVENT")
    start = vevent.decoded("DTSTART")
    assert start.tzinfo is not None and start.utcoffset() == dt.timedelta(hours=-6)
    assert start.astimezone(dt.UTC) == dt.datetime(2027, 3, 5, 0, 0, tzinfo=dt.UTC)
    assert vevent["DTSTART"].params["TZID"] == "America/Chicago"
    assert str(vevent["UID"]) == f"{chicago_event.uid}@liaison"
    assert vevent["SEQUENCE"] == 0


def test_a_change_bumps_the_sequence_and_a_cancel_says_cancelled(client, world, chicago_event):
    services.update_event(event=chicago_event, place="Library")
    client.force_login(world.liaison)
    vevent = Calendar.from_ical(
        client.get(reverse("events:ics", args=[chicago_event.pk])).content
    ).walk("VEVENT")[0]
    assert vevent["SEQUENCE"] == 1
    services.cancel_event(event=chicago_event)
    cal = Calendar.from_ical(client.get(reverse("events:ics", args=[chicago_event.pk])).content)
    assert cal["METHOD"] == "CANCEL"
    assert cal.walk("VEVENT")[0]["STATUS"] == "CANCELLED"
    assert cal.walk("VEVENT")[0]["SEQUENCE"] == 2


def test_household_feed_by_signed_token_lists_its_events_without_sign_in(
    client, world, chicago_event
):
    household = world.caseload_family
    services.invite_households(event=chicago_event, households=[household], send=False)
    other = EventFactory(district=world.district, title="Not invited")
    # Another family saying no does not take the event out of this family's feed.
    services.invite_households(event=chicago_event, households=[world.site_family], send=False)
    services.respond(
        invitation=chicago_event.invitations.get(household=world.site_family), answer="no"
    )
    token = services.feed_token("household", household.pk)
    cal = Calendar.from_ical(client.get(reverse("events:feed", args=[token])).content)
    titles = [str(v["SUMMARY"]) for v in cal.walk("VEVENT")]
    assert titles == ["ELAC meeting"] and other.title not in titles
    assert client.get(reverse("events:feed", args=[token[:-2] + "xx"])).status_code == 404


def test_site_feed_lists_the_sites_events(client, world, chicago_event):
    token = services.feed_token("site", world.school.pk)
    cal = Calendar.from_ical(client.get(reverse("events:feed", args=[token])).content)
    assert [str(v["SUMMARY"]) for v in cal.walk("VEVENT")] == ["ELAC meeting"]
    assert cal.walk("VTIMEZONE")


def test_weekly_series_keeps_wall_clock_time_across_daylight_saving(world):
    start = dt.datetime(2027, 3, 4, 18, 0, tzinfo=CHICAGO)  # DST starts 14 March 2027
    made = services.create_event(
        district=world.district,
        site=world.school,
        kind="workshop",
        title="English class",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        place="Room 4",
        recurrence="FREQ=WEEKLY;COUNT=3",
    )
    assert [e.starts_at.astimezone(CHICAGO).hour for e in made] == [18, 18, 18]
    assert made[2].starts_at.astimezone(CHICAGO).utcoffset() == dt.timedelta(hours=-5)
    assert {e.series_id for e in made[1:]} == {made[0].pk}


def test_flyer_is_a_pdf_and_says_which_languages_did_not_fit(client, world, chicago_event):
    client.force_login(world.liaison)
    response = client.get(reverse("events:flyer", args=[chicago_event.pk]) + "?lang=en&lang=es")
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_an_unbounded_series_is_refused(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.occurrences(
            starts_at=dt.datetime(2027, 1, 1, tzinfo=CHICAGO), rule="FREQ=WEEKLY", zone=CHICAGO
        )
