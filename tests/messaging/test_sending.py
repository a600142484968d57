"""Staff write to a household; notices to guardians; each guardian reached once on their channel."""

import datetime as dt

import pytest
from django.core import mail

from liaison.messaging import delivery, services
from liaison.messaging.choices import DeliveryState
from liaison.messaging.models import Delivery, Message
from tests.messaging.factories import family


def test_message_to_household_with_restricted_guardian_reaches_the_others_only(world, gateway):
    household, (mum, dad, aunt) = family(world.district, guardians=3)
    aunt.contact_restricted = True
    aunt.contact_restriction_reason = "No-contact order"
    aunt.save()
    dad.preferred_channels = ["email"]
    dad.save()

    message = services.send_message(
        household=household, body="Conference on Monday", by=world.liaison
    )
    delivery.drain()

    assert [m["to"] for m in gateway.sent] == [mum.phone]
    assert [e.to for e in mail.outbox] == [[dad.email]]
    assert not Delivery.objects.filter(guardian=aunt).exists()
    assert aunt.phone not in {m["to"] for m in gateway.sent}
    assert set(message.deliveries.values_list("state", flat=True)) == {DeliveryState.SENT}


def test_restriction_set_after_queueing_still_stops_the_delivery(world, gateway):
    household, (mum,) = family(world.district, guardians=1)
    services.send_message(household=household, body="Hello", by=world.liaison)
    mum.contact_restricted = True
    mum.contact_restriction_reason = "Court order"
    mum.save()

    delivery.drain()

    assert gateway.sent == []
    assert Delivery.objects.get(guardian=mum).state == DeliveryState.SUPPRESSED


def test_same_notice_with_a_dedupe_key_is_sent_once(world, gateway):
    _household, guardians = family(world.district, guardians=2)
    args = dict(
        guardians=guardians,
        subject="Reminder",
        body="Family night is tomorrow",
        by=None,
        kind="event_reminder",
        dedupe_key="event-7-reminder-1",
    )
    first = services.send_notice(**args)
    second = services.send_notice(**args)
    delivery.drain()

    assert first.pk == second.pk
    assert Message.objects.filter(dedupe_key="event-7-reminder-1").count() == 1
    assert len(gateway.sent) == 2


def test_family_reply_lands_in_the_household_thread_awaiting_staff(world):
    household, (mum,) = family(world.district, guardians=1)
    sent = services.send_message(household=household, body="How is Ana?", by=world.liaison)
    reply = services.record_family_reply(guardian=mum, body="She is better", channel="sms")

    assert reply.conversation_id == sent.conversation_id
    reply.conversation.refresh_from_db()
    assert reply.conversation.awaiting_since is not None


def test_an_empty_message_is_refused(world):
    household, _ = family(world.district, guardians=1)
    with pytest.raises(Exception, match="Write a message"):
        services.send_message(household=household, body="  ", by=world.liaison)


def test_family_messages_show_the_guardian_their_thread_and_notices_in_their_language(world):
    household, (mum, aunt) = family(world.district, guardians=2, language="es")
    aunt.contact_restricted = True
    aunt.contact_restriction_reason = "Court order"
    aunt.save()
    services.send_message(household=household, body="Hello from school", by=world.liaison)
    services.send_notice(
        guardians=[mum], subject="Invite", body="Family night", by=None, kind="event_invitation"
    )
    services.record_family_reply(guardian=mum, body="Gracias", channel="portal")
    seen = services.family_messages(guardian=mum)
    assert [m.text_body for m in seen] == ["Gracias", "Family night", "Hello from school"]
    assert seen[1].needs_follow_up  # Spanish reader, no translation yet: flagged
    assert services.family_messages(guardian=aunt) == []


def test_a_text_carries_plain_spaces_so_an_english_time_does_not_make_it_ucs2(world, gateway):
    """CLDR writes English times with a narrow no-break space ("6:00\u202fPM"): in a text it would
    make the whole message UCS-2, 70 characters a part instead of 160. Texts carry a plain space;
    an email keeps the body as written."""
    from liaison.core.dates import local_time

    household, (mum, dad) = family(world.district, language="en")
    dad.phone, dad.preferred_channels = "", ["email"]
    dad.save()
    six = local_time(dt.time(18, 0), language="en")
    assert "\u202f" in six
    services.send_message(household=household, body=f"Math night starts at {six}.", by=world.admin)
    delivery.drain()
    [text] = gateway.sent
    assert text["to"] == mum.phone and "Math night starts at 6:00 PM." in text["body"]
    assert text["body"].isascii()
    [email] = mail.outbox
    assert "Math night starts at 6:00\u202fPM." in email.body
