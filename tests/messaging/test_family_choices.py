"""The choices a guardian makes in the family portal hold when messaging hands a message over."""

import datetime as dt
import zoneinfo

import time_machine

from liaison.messaging import delivery, services
from liaison.messaging.audiences import Audience
from liaison.messaging.choices import DeliveryState
from liaison.messaging.models import Delivery
from liaison.portal import services as portal
from tests.messaging.factories import family

NY = zoneinfo.ZoneInfo("America/New_York")


def choose(guardian, **choices):
    """What the guardian's preferences page saves."""
    defaults = {
        "language": guardian.preferred_language,
        "channels": ["sms"],
        "quiet_hours_start": None,
        "quiet_hours_end": None,
        "opt_out_announcements": False,
        "opt_out_events": False,
        "opt_out_reminders": False,
    }
    return portal.update_preferences(guardian=guardian, **(defaults | choices))


def announce(world, guardians, body, urgent=False):
    message = services.send_announcement(
        district=world.district,
        audience=Audience(guardian_ids=[g.pk for g in guardians]),
        subject="",
        body=body,
        by=world.admin,
        urgent=urgent,
    )
    services.prepare_message(message.pk)
    return message


def test_a_guardian_who_opted_out_of_announcements_gets_no_announcement_text(world, gateway):
    _household, (mum, dad) = family(world.district, guardians=2)
    choose(mum, opt_out_announcements=True)
    choose(dad)
    message = announce(world, [mum, dad], "Picture day is Friday")
    delivery.drain()
    assert [m["to"] for m in gateway.sent] == [dad.phone]
    refused = Delivery.objects.get(message=message, guardian=mum)
    assert refused.state == DeliveryState.SUPPRESSED
    assert "asked not to" in refused.error


def test_an_urgent_closure_still_reaches_a_guardian_who_opted_out_of_announcements(world, gateway):
    _household, (mum,) = family(world.district, guardians=1)
    choose(mum, opt_out_announcements=True)
    announce(world, [mum], "All schools are closed today: snow", urgent=True)
    delivery.drain()
    assert [m["to"] for m in gateway.sent] == [mum.phone]


def test_opting_out_of_announcements_still_lets_the_liaisons_messages_through(world, gateway):
    household, (mum,) = family(world.district, guardians=1)
    choose(mum, opt_out_announcements=True, opt_out_events=True, opt_out_reminders=True)
    services.send_message(household=household, body="Can we talk on Monday?", by=world.liaison)
    delivery.drain()
    assert [m["to"] for m in gateway.sent] == [mum.phone]


def test_an_opt_out_chosen_after_queueing_still_holds(world, gateway):
    _household, (mum,) = family(world.district, guardians=1)
    announce(world, [mum], "Book fair next week")
    choose(mum, opt_out_announcements=True)
    delivery.drain()
    assert gateway.sent == []


def test_event_invitations_opt_out_stops_event_notices_only(world, gateway):
    _household, (mum,) = family(world.district, guardians=1)
    choose(mum, opt_out_events=True)
    services.send_notice(guardians=[mum], subject="", body="Math night", by=None, kind="event")
    services.send_notice(guardians=[mum], subject="", body="Bus 7 is late", by=None, kind="other")
    delivery.drain()
    bodies = [m["body"] for m in gateway.sent]
    assert len(bodies) == 1 and "Bus 7 is late" in bodies[0]


def test_the_guardians_own_quiet_hours_hold_texts_until_they_end(world, gateway, settings):
    settings.MESSAGING_QUIET_HOURS_CHANNELS = ["sms"]  # the district's: 20:00-08:00
    household, (mum,) = family(world.district, guardians=1)
    choose(mum, quiet_hours_start=dt.time(13, 0), quiet_hours_end=dt.time(15, 30))  # night shift
    with time_machine.travel(dt.datetime(2026, 3, 10, 14, 0, tzinfo=NY), tick=False):
        services.send_message(household=household, body="Field trip form", by=world.liaison)
        services.send_notice(
            guardians=[mum], subject="", body="School closed: storm", by=None, kind="other",
            urgent=True,
        )  # fmt: skip
        delivery.drain()
        assert len(gateway.sent) == 1 and "School closed: storm" in gateway.sent[0]["body"]
        held = Delivery.objects.get(message__body="Field trip form")
        assert held.state == DeliveryState.QUEUED
        assert held.next_attempt_at == dt.datetime(2026, 3, 10, 15, 30, tzinfo=NY)
    with time_machine.travel(dt.datetime(2026, 3, 10, 15, 31, tzinfo=NY), tick=False):
        delivery.drain()
    assert "Field trip form" in gateway.sent[-1]["body"]


def test_own_quiet_hours_hold_texts_even_where_the_district_keeps_none(world, gateway):
    household, (mum,) = family(world.district, guardians=1)
    choose(mum, quiet_hours_start=dt.time(21, 0), quiet_hours_end=dt.time(7, 0))
    with time_machine.travel(dt.datetime(2026, 3, 10, 23, 0, tzinfo=NY), tick=False):
        services.send_message(household=household, body="Late note", by=world.liaison)
        delivery.drain()
    assert gateway.sent == []
    held = Delivery.objects.get(message__body="Late note")
    assert held.next_attempt_at == dt.datetime(2026, 3, 11, 7, 0, tzinfo=NY)
